// Runs the built `ocx channels` against a local chain (credits settle the market, so amounts are dollars): deposit,
// status, unlock, a withdraw refused before the delay with the time it opens, and withdraw after it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import { writeDeployment } from "@ocx/sdk";
import { createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/ocx.js", import.meta.url));

let net: Localnet | undefined;
let home: string | undefined;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  home = await mkdtemp(path.join(os.tmpdir(), "ocx-channels-"));
  net = await startLocalnet();
  await writeDeployment(net.deployment, path.join(home, "deployments"));
}, 60_000);
afterAll(async () => {
  await net?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function ocx(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { anvil } = net as Localnet;
  const global = ["--rpc-url", anvil.rpcUrl, "--deployments", path.join(home as string, "deployments")];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...global, ...args],
      { env: { ...process.env, OCX_HOME: home }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("ocx channels", () => {
  it("deposits, shows, unlocks and withdraws after the delay", async () => {
    const payee = (net as Localnet).wallet(2).account.address;
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

    const { anvil } = net as Localnet;
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
