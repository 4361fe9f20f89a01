// The dashboard end to end in a real browser: `ocx devnet` (anvil, the contracts, a provider node), three jobs
// through the SDK's runJob (two succeed, one exits 3), the real indexer (Ponder on PGlite) serving the page, and
// Debian's Chromium driven by playwright-core. The figures the page shows must equal those computed here from the
// chain's own events; at 375 px the page must not scroll sideways. Screenshots are kept in bench/results/.
import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { ANVIL_KEYS, createCleanup, freePort } from "@ocx/node-kit";
import {
  type Deployment,
  loadDeployment,
  marketplaceAbi,
  ocxTokenAbi,
  parseManifest,
  resolveInputs,
  runJob,
} from "@ocx/sdk";
import { type Browser, chromium, type Page } from "playwright-core";
import { createPublicClient, createWalletClient, http, type PublicClient, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserDocument } from "./harness/browser.js";
import { jsonOf, runOcx } from "./harness/cli.js";
import { type Devnet, startDevnet } from "./harness/devnet.js";
import { startProcess, type TestProcess } from "./harness/processes.js";
import { FatalWaitError, waitFor } from "./harness/wait.js";

/** The page's document, in the functions that run in the browser. */
declare const document: BrowserDocument;

const PONDER = path.resolve("node_modules/.bin/ponder");
const INDEXER_ROOT = path.resolve("apps/indexer");
const CHROMIUM = "/usr/bin/chromium";
const RESULTS = path.resolve("bench/results");
const BUYER = 2;

const cleanup = createCleanup();
let devnet: Devnet | undefined;
let indexer: TestProcess | undefined;
let browser: Browser | undefined;
let page: Page;
/** What the test and the page said, beside the processes' own logs. */
let notes = "";
let indexerUrl: string;
let publicClient: PublicClient;
let deployment: Deployment;

/** The recent output of the devnet, the indexer, the page and the test, for failure messages. */
const logs = () =>
  `[devnet] ${devnet?.process.log().slice(-2000) ?? ""}\n[indexer] ${indexer?.log().slice(-2000) ?? ""}\n${notes.slice(-2000)}`;

async function job(baseDir: string, name: string, script: string) {
  const manifest = await resolveInputs(
    parseManifest(
      `version: 1
name: ${name}
command: [sh, -c, ${JSON.stringify(script)}]
resources: { cpu: 1, memory: 128Mi, disk: 16Mi }
maxDuration: 1m
`,
      { source: name },
    ),
    baseDir,
  );
  const account = privateKeyToAccount(ANVIL_KEYS[BUYER]);
  return runJob({
    publicClient,
    walletClient: createWalletClient({ chain: foundry, transport: http(publicClient.transport.url), account }),
    account,
    deployment,
    manifest,
    baseDir,
  });
}

/** The page's figure `key` (its exact value and its text) from the headline row. */
async function figure(key: string) {
  const dd = page.locator(`[data-figure="${key}"] dd`);
  return { value: await dd.getAttribute("data-value"), text: (await dd.textContent())?.trim() };
}

describe("the dashboard in Chromium against the real indexer", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm test's pretest does)`);
    devnet = await startDevnet({
      name: "dashboard",
      flags: ["--no-validator", "--no-indexer"], // this test starts its own indexer, in its temporary folder
      graceMs: 5_000,
      defer: cleanup.defer,
    });
    const { summary, dir } = devnet;
    publicClient = createPublicClient({ chain: foundry, transport: http(summary.rpcUrl), pollingInterval: 50 });
    deployment = await loadDeployment(31337, devnet.deploymentsDir);

    const jobs = path.join(dir, "jobs");
    await mkdir(jobs, { recursive: true });
    const runs = [
      await job(jobs, "ok-1", "echo one"),
      await job(jobs, "ok-2", "sleep 2; echo two"),
      await job(jobs, "fails", "echo three; exit 3"),
    ];
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 3]);

    const indexerPort = await freePort();
    indexerUrl = `http://127.0.0.1:${indexerPort}`;
    indexer = startProcess({
      name: "the indexer",
      command: PONDER,
      args: ["--root", INDEXER_ROOT, "--log-level", "warn", "start", "--schema", "ocx", "--port", String(indexerPort)],
      cwd: INDEXER_ROOT,
      env: {
        OCX_RPC_URL: summary.rpcUrl,
        OCX_DEPLOYMENT_FILE: path.join(devnet.deploymentsDir, "31337.json"),
        OCX_INDEXER_DATA: path.join(dir, "pglite"),
      },
      defer: cleanup.defer,
      stopOptions: { graceMs: 5_000 },
    });
    const ponder = indexer;
    await waitFor(
      "the indexer to be ready",
      async () => {
        if (!ponder.running()) throw new FatalWaitError(`the indexer exited (${ponder.child.exitCode})`);
        return (await fetch(`${indexerUrl}/ready`)).ok;
      },
      // Ponder's start-up alone has taken 35-90 s on 2 shared cores, and over 120 s with other suites running.
      { timeoutMs: 240_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const launched = browser;
    cleanup.defer(() => launched.close().catch(() => {}));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (error) => {
      notes += `[page] ${error.message}\n`;
    });
  }, 480_000);
  afterAll(() => cleanup.run(), 30_000);

  it("shows the figures the chain's events give", { timeout: 120_000 }, async () => {
    const head = await publicClient.getBlockNumber();
    await page.goto(`${indexerUrl}/`);
    await page.waitForFunction((n) => Number(document.body.dataset.block ?? -1) >= n, Number(head), {
      timeout: 60_000,
    });

    const events = async (eventName: string) =>
      publicClient.getContractEvents({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName: eventName as never,
        fromBlock: 0n,
      }) as Promise<{ args: Record<string, bigint | string> }[]>;
    const created = await events("LeaseCreated");
    const completed = await events("LeaseCompleted");
    const settled = await events("LeaseSettled");
    const closed = await events("LeaseClosed");
    const completedIds = new Set(completed.map((e) => e.args.leaseId));
    const sum = (list: { args: Record<string, bigint | string> }[], key: string) =>
      list.reduce((total, e) => total + BigInt(e.args[key] as bigint), 0n);
    const transfers = (await publicClient.getContractEvents({
      address: deployment.token,
      abi: ocxTokenAbi,
      eventName: "Transfer" as never,
      fromBlock: 0n,
    })) as unknown as { args: { from: string; to: string; value: bigint } }[];

    expect(created).toHaveLength(3);
    const expected = {
      jobsCompleted: completed.filter((e) => BigInt(e.args.exitCode as bigint) === 0n).length,
      jobsFailed: completed.filter((e) => BigInt(e.args.exitCode as bigint) !== 0n).length,
      jobsCancelled: closed.filter((e) => !completedIds.has(e.args.leaseId)).length,
      revenue: sum(settled, "paid"),
      fees: sum(settled, "fee"),
      ocxBurned: transfers.filter((t) => t.args.to === zeroAddress).reduce((s, t) => s + t.args.value, 0n),
      ocxEmitted: transfers.filter((t) => t.args.from === zeroAddress).reduce((s, t) => s + t.args.value, 0n),
      activeProviders: new Set(created.map((e) => e.args.provider)).size,
      activeBuyers: new Set(created.map((e) => e.args.buyer)).size,
    };
    expect(expected).toMatchObject({ jobsCompleted: 2, jobsFailed: 1, jobsCancelled: 0 });
    expect(expected.fees).toBeGreaterThan(0n);
    // The page waited for the chain's head above, and the indexer names a block only once all of its rows are
    // written (docs/indexer.md): its figures include every event up to that block, with no retry.
    for (const [key, value] of Object.entries(expected)) {
      expect((await figure(key)).value, `${key} on the page`).toBe(String(value));
    }
    // `ocx stats` prints the same figures (exact wei with --json) and the same texts.
    const report = jsonOf<{ totals: Record<string, unknown>; providers: number }>(
      await runOcx(["--json", "stats", "--indexer", indexerUrl]),
    );
    for (const [key, value] of Object.entries(expected))
      expect(String(report.totals[key]), `ocx stats ${key}`).toBe(String(value));
    expect(report.providers).toBe(1);
    const text = await runOcx(["stats", "--indexer", indexerUrl]);
    expect(text.stdout).toMatch(
      new RegExp(`Fees burned\\s+${(await figure("fees")).text?.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`),
    );
    expect(text.stdout).toMatch(/Jobs failed\s+1\n/);

    // The text people read is the exact value rounded down to 6 decimals (the SDK's formatOcx rule).
    expect((await figure("jobsCompleted")).text).toBe("2");

    // The provider's row: its address and its earnings (what settlements paid it after fees).
    const provider = String(created[0]?.args.provider ?? "").toLowerCase();
    const rows = await page.locator("#providers tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        address: tr.querySelector("[data-address]")?.getAttribute("data-address")?.toLowerCase(),
        earnings: tr.querySelectorAll("td")[6]?.getAttribute("data-value"),
      })),
    );
    const earnings = rows.find((r) => r.address === provider)?.earnings;
    expect(earnings, `the provider's row in ${JSON.stringify(rows)}`).toBeDefined();
    expect(earnings).toBe(String(expected.revenue - expected.fees));

    // Charts drew (one canvas per chart) and the price index has the leases' model.
    expect(await page.locator("#charts canvas").count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator("#prices tbody tr").count()).toBeGreaterThanOrEqual(1);

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, "dashboard.png"), fullPage: true });
  });

  it("fits a 375-px phone screen without sideways scrolling", { timeout: 60_000 }, async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(300); // charts resize on their ResizeObserver
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: path.join(RESULTS, "dashboard-375.png"), fullPage: true });
  });

  it("updates live: a running job appears among the live leases, then in the jobs completed", {
    timeout: 120_000,
  }, async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const before = Number((await figure("jobsCompleted")).value);
    // No reload from here on: the page learns of new blocks through /events.
    const running = job(path.join((devnet as Devnet).dir, "jobs"), "ok-3", "sleep 6; echo four");
    await page.waitForSelector("#leases [data-lease]", { timeout: 60_000 });
    expect(await page.locator("#leases tbody tr").first().locator("td").nth(1).textContent()).toMatch(
      /pending|running/,
    );
    await page.screenshot({ path: path.join(RESULTS, "dashboard.png"), fullPage: true });
    expect((await running).exitCode).toBe(0);
    await page.waitForFunction(
      (n) => document.querySelector('[data-figure="jobsCompleted"] dd')?.getAttribute("data-value") === String(n),
      before + 1,
      { timeout: 60_000 },
    );
    await page.waitForSelector("#leases td.empty", { timeout: 30_000 });
  });
});

// Keeps the docs' image in step when asked: OCX_UPDATE_DOCS_IMAGE=1 copies the screenshot into docs/img/.
afterAll(async () => {
  if (process.env.OCX_UPDATE_DOCS_IMAGE === "1" && existsSync(path.join(RESULTS, "dashboard.png"))) {
    await copyFile(path.join(RESULTS, "dashboard.png"), path.resolve("docs/img/dashboard.png"));
  }
});
