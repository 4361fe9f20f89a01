// `npm run devnet` (`ocx devnet`) prints the dashboard's URL, and the page shows the first job's figures: the devnet
// as a person starts it (its own indexer, its demo job; the validator left out to save time), the printed URL opened
// in Debian's Chromium, and the page's figures equal to those the chain's events give.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@ocx/node-kit";
import { loadDeployment, marketplaceAbi } from "@ocx/sdk";
import { type Browser, chromium } from "playwright-core";
import { createPublicClient, http } from "viem";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import type { BrowserDocument } from "./harness/browser.js";

/** The page's document, in the functions that run in the browser. */
declare const document: BrowserDocument;

const CLI = path.resolve("apps/cli/bin/ocx.js");
const CHROMIUM = "/usr/bin/chromium";

let dir = "";
let devnet: ChildProcess | undefined;
let browser: Browser | undefined;
let output = "";

afterAll(async () => {
  await browser?.close().catch(() => {});
  if (devnet && devnet.exitCode === null && devnet.signalCode === null) {
    const exited = new Promise((resolve) => devnet?.once("exit", resolve));
    devnet.kill("SIGTERM");
    const timer = setTimeout(() => devnet?.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

/** Waits until the devnet's output matches `pattern` (it prints to stderr for people). */
async function printed(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output);
    if (match) return match;
    if (devnet?.exitCode !== null) throw new Error(`ocx devnet exited (${devnet?.exitCode}):\n${output.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`ocx devnet did not print ${pattern}:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("npm run devnet and its dashboard", () => {
  it("prints the dashboard's URL, and the page shows the first job's figures", { timeout: 420_000 }, async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    dir = await mkdtemp(path.join(tmpdir(), "ocx-e2e-devnet-dashboard-"));
    const deployments = path.join(dir, "deployments");
    const port = await freePort();
    devnet = spawn(
      process.execPath,
      [CLI, "--deployments", deployments, "devnet", "--port", String(port), "--state-dir", path.join(dir, "devnet")],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    );
    const keep = (d: Buffer) => {
      output += d;
    };
    devnet.stdout?.on("data", keep);
    devnet.stderr?.on("data", keep);

    const [, dashboard] = await printed(/\(dashboard (http:\/\/127\.0\.0\.1:\d+\/) /, 300_000);
    const [, exitCode] = await printed(/exit code (-?\d+) after/, 300_000);
    expect(exitCode).toBe("0");

    const deployment = await loadDeployment(31337, deployments);
    const publicClient = createPublicClient({ chain: foundry, transport: http(`http://127.0.0.1:${port}`) });
    const events = (eventName: "LeaseCreated" | "LeaseSettled" | "LeaseCompleted") =>
      publicClient.getContractEvents({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName,
        fromBlock: BigInt(deployment.startBlock),
      }) as Promise<{ args: Record<string, bigint | string> }[]>;
    const created = await events("LeaseCreated");
    expect(created).toHaveLength(1);
    const settled = await events("LeaseSettled");
    const expected = {
      jobsCompleted: (await events("LeaseCompleted")).length,
      revenue: settled.reduce((sum, e) => sum + BigInt(e.args.paid as bigint), 0n),
      fees: settled.reduce((sum, e) => sum + BigInt(e.args.fee as bigint), 0n),
      activeProviders: 1,
      activeBuyers: 1,
    };
    expect(expected.jobsCompleted).toBe(1);
    expect(expected.revenue).toBeGreaterThan(0n);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const head = Number(await publicClient.getBlockNumber());
    await page.goto(dashboard as string);
    const figure = async (key: string) => page.locator(`[data-figure="${key}"] dd`).getAttribute("data-value");
    // The page follows the chain live: once it says it is indexed to the job's last block, its figures include the
    // job (the indexer names only a block whose rows are all written).
    await page.waitForFunction((n) => Number(document.body.dataset.block ?? -1) >= n, head, { timeout: 60_000 });
    for (const [key, value] of Object.entries(expected)) {
      expect(await figure(key), `${key} on the page`).toBe(String(value));
    }
    // A market settling in credits shows its revenue in dollars.
    const revenueText = (await page.locator('[data-figure="revenue"] dd').textContent())?.trim() ?? "";
    expect(revenueText).toMatch(deployment.paymentToken === deployment.token ? / OCX$/ : /^\$/);
  });
});
