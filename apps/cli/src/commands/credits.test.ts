// Runs the built `ocx credits` against a local chain deployed with credits ($0.50/OCX, 1 % spread): price, mint,
// balance, redeem and the devnet feed's --set, in dollars; a price moved past the bound is refused with the values.

import { registerStakedProvider } from "@ocx/node-kit";
import { postOfferSync, toLabel } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd, formatUsdPerGpuHour } from "../format.js";
import { type CliFixture, startCliFixture } from "./testSupport.js";

let cli: CliFixture | undefined;

beforeAll(async () => {
  cli = await startCliFixture("credits", {
    deploy: { credits: { ocxPriceUsd: "0.50", spreadBps: 100, maxPriceAge: 3600, maxPriceMoveBps: 2000 } },
  });
}, 60_000);
afterAll(() => cli?.stop());

const ocx = (args: string[]) => (cli as CliFixture).ocx(args);
const net = () => (cli as CliFixture).net;

describe("dollar formatting", () => {
  it("rounds down and keeps cents", () => {
    expect(formatUsd(8_640_000_000_000_000_000n)).toBe("$8.64");
    expect(formatUsd(495n * 10n ** 18n)).toBe("$495.00");
    expect(formatUsd(1_500_000_000_000_000n)).toBe("$0.0015");
    expect(formatUsd(1n)).toBe("<$0.000001");
    expect(formatUsdPerGpuHour(10n ** 14n, 1)).toBe("$0.36/GPU-h");
    expect(formatUsdPerGpuHour(10n ** 14n, 2, { price: 50_000_000n, decimals: 8 })).toBe("$0.09/GPU-h");
  });
});

describe("ocx credits", () => {
  it("shows the price, mints, shows balances and redeems, in dollars", async () => {
    const price = await ocx(["credits", "price"]);
    expect(price.code, price.stderr).toBe(0);
    expect(price.stdout).toMatch(/OCX\/USD {2}\$0\.5 /);
    expect(price.stdout).toMatch(/spread {3}1% on mint and redeem/);

    const minted = await ocx(["--dev-account", "2", "credits", "mint", "1000", "--json"]);
    expect(minted.code, minted.stderr).toBe(0);
    expect(JSON.parse(minted.stdout)).toMatchObject({
      ocxBurned: "1000000000000000000000",
      credits: "495000000000000000000",
    });

    const text = await ocx(["--dev-account", "2", "credits", "redeem", "1.01"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/redeemed \$1\.01 in credits at \$0\.5\/OCX → 2 OCX minted/);

    const balance = await ocx(["--dev-account", "2", "credits", "balance"]);
    expect(balance.code, balance.stderr).toBe(0);
    // The localnet funded account 2 with $100,000 of credits: + $495 minted − $1.01 redeemed.
    expect(balance.stdout).toMatch(/credits {2}\$100493\.99/);
  }, 60_000);

  it("moves the devnet price with --set and refuses a conversion past the move bound, naming the values", async () => {
    const set = await ocx(["--dev-account", "0", "credits", "price", "--set", "0.75"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/OCX\/USD {2}\$0\.75/);
    const refused = await ocx(["--dev-account", "2", "credits", "redeem", "1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/OcxCreditsPriceMoveTooLarge/);
    expect(refused.stderr).toMatch(/50000000/);
    const bad = await ocx(["--dev-account", "0", "credits", "price", "--set", "abc"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/positive number of dollars.*"abc"/);
  }, 60_000);

  it("ocx market offers prices in $/GPU-h when the market settles in credits", async () => {
    const { deployment } = net();
    const provider = net().wallet(1);
    await registerStakedProvider(net(), provider);
    await postOfferSync(provider, {
      deployment,
      resources: {
        gpuModel: toLabel("nvidia-h100-80gb"),
        region: toLabel("eu-west"),
        gpuCount: 2,
        gpuVramMiB: 81_559,
        cpuMillicores: 8_000,
        memoryMiB: 65_536,
        diskMiB: 100_000,
      },
      pricePerSecond: 10n ** 15n, // $3.60 per hour for 2 GPUs: $1.80 per GPU-hour
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    const listed = await ocx(["market", "offers"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/REGION +\$\/GPU-H +FREE/);
    expect(listed.stdout).not.toMatch(/OCX\/GPU-H/);
    // Credits are dollars whatever the OCX price (the feed is at $0.75 since the previous test).
    expect(listed.stdout).toMatch(/ \$1\.80 /);
    const json = JSON.parse((await ocx(["market", "offers", "--json"])).stdout);
    expect(json.unit).toBe("usd");
    expect(json.offers[0]).toMatchObject({ pricePerGpuHour: "1800000000000000000", usdPerGpuHour: "$1.80" });
  }, 60_000);
});
