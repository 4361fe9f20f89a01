// Issue 11's governance on the devnet, process by process: `ocx devnet` (chain and contracts only) deploys governance
// by default, and a proposal goes through `ocx gov propose|vote|show|queue|execute` in real time — the devnet's own
// idle-block clock opens and closes the vote and the timelock's 10 s pass on the wall clock — until the fee changed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@ocx/node-kit";
import { DEVNET_GOVERNANCE, getMarketplaceParameters, loadDeployment } from "@ocx/sdk";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = path.resolve("apps/cli/bin/ocx.js");

let dir: string;
let devnet: ChildProcess | undefined;
let devnetErr = "";
let summary: { rpcUrl: string; governor?: string; timelock?: string };

/** Runs the built CLI as anvil account `account` against the devnet. */
function ocx(args: string[], account = 0) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--rpc-url",
        summary.rpcUrl,
        "--deployments",
        path.join(dir, "deployments"),
        "--dev-account",
        String(account),
        ...args,
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OCX_HOME: dir } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Retries `ocx args` every second until it exits 0 (the chain's clock has to move first), for up to `seconds`. */
async function ocxWhenReady(args: string[], seconds: number, account = 0) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await ocx(args, account);
    if (result.code === 0 || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocx-e2e-governance-"));
  const port = await freePort();
  devnet = spawn(
    process.execPath,
    [
      CLI,
      "--deployments",
      path.join(dir, "deployments"),
      "--json",
      "devnet",
      "--port",
      String(port),
      "--state-dir",
      path.join(dir, "devnet"),
      ...["--no-provider", "--no-validator", "--no-indexer", "--no-demo"],
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  devnet.stderr?.on("data", (d) => {
    devnetErr += d;
  });
  summary = await new Promise((resolve, reject) => {
    let out = "";
    devnet?.stdout?.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    devnet?.once("exit", (code) => reject(new Error(`ocx devnet exited with ${code}: ${devnetErr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (devnet && devnet.exitCode === null && devnet.signalCode === null) {
    const exited = new Promise((resolve) => devnet?.once("exit", resolve));
    devnet.kill("SIGTERM");
    const timeout = setTimeout(() => devnet?.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timeout);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("governance on ocx devnet", () => {
  it("passes a fee change through ocx gov in real time", async () => {
    expect(summary.governor).toMatch(/^0x/);
    expect(summary.timelock).toMatch(/^0x/);

    const proposed = await ocx(["gov", "propose", "marketplace.feeBps", "300", "--description", "Fee 3 %", "--json"]);
    expect(proposed.code, proposed.stderr).toBe(0);
    const { proposalId, summary: change } = JSON.parse(proposed.stdout);
    expect(change).toBe("Marketplace.setParameters: feeBps 250 → 300");
    const id = String(proposalId);

    // The vote opens a block after the proposal: the devnet mines one within a second even when idle.
    const yes = await ocxWhenReady(["gov", "vote", id, "for"], 20);
    expect(yes.code, yes.stderr).toBe(0);
    const no = await ocx(["gov", "vote", id, "against"], 2); // a dev account with delegated votes
    expect(no.code, no.stderr).toBe(0);
    expect(no.stdout).toMatch(/voted against .* with 100000 OCX/);

    // It closes after votingPeriod blocks, about as many seconds on an idle devnet.
    const queued = await ocxWhenReady(["gov", "queue", id], DEVNET_GOVERNANCE.votingPeriod + 30);
    expect(queued.code, queued.stderr).toBe(0);
    const executed = await ocxWhenReady(["gov", "execute", id], Number(DEVNET_GOVERNANCE.timelockDelay) + 30);
    expect(executed.code, executed.stderr).toBe(0);

    const shown = await ocx(["gov", "show", id]);
    expect(shown.stdout).toMatch(/executed: Fee 3 %/);
    const deployment = await loadDeployment(31337, path.join(dir, "deployments"));
    const client = createPublicClient({ transport: http(summary.rpcUrl) });
    expect((await getMarketplaceParameters(client, { deployment })).feeBps).toBe(300);
  }, 180_000);
});
