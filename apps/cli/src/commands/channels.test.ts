// Runs the built `ocx channels` against a local chain (credits settle the market, so amounts are dollars): deposit,
// status, unlock, a withdraw refused before the delay with the time it opens, and withdraw after it.
import { createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliFixture, startCliFixture } from "./testSupport.js";

let cli: CliFixture | undefined;

beforeAll(async () => {
  cli = await startCliFixture("channels");
}, 60_000);
afterAll(() => cli?.stop());

const ocx = (args: string[]) => (cli as CliFixture).ocx(args);
const net = () => (cli as CliFixture).net;

describe("ocx channels", () => {
  it("deposits, shows, unlocks and withdraws after the delay", async () => {
    const payee = net().wallet(2).account.address;
    const deposited = await ocx(["--dev-account", "1", "channels", "deposit", payee, "5"]);
    expect(deposited.code, deposited.stderr).toBe(0);
    expect(deposited.stdout).toMatch(/deposited \$5\.00 for 0x.*; the channel holds \$5\.00/);

    const status = await ocx(["--dev-account", "1", "channels", "status", payee, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ balance: "5000000000000000000", redeemed: "0", unlockAt: "0" });

    const unlock = await ocx(["--dev-account", "1", "channels", "unlock", payee]);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/unlock requested: .* opens at /);
    const early = await ocx(["--dev-account", "1", "channels", "withdraw", payee]);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/PaymentChannelsStillLocked/);

    const { anvil } = net();
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    await test.increaseTime({ seconds: 3_600 });
    await test.mine({ blocks: 1 });
    const withdrawn = await ocx(["--dev-account", "1", "channels", "withdraw", payee, "--json"]);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(JSON.parse(withdrawn.stdout)).toMatchObject({ amount: "5000000000000000000" });

    const bad = await ocx(["--dev-account", "1", "channels", "deposit", "nope", "5"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/"nope" is not an address/);
  }, 90_000);
});
