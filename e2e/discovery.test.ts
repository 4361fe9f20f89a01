// `ocx market offers` through the indexer prints exactly what it prints from the chain: the built CLI runs each query
// twice against one anvil with a real indexer (PGlite), once with OCX_INDEXER_URL and once without, and the two
// --json answers must be equal — the same offers, in the same order, with the same `total`, for every filter, sort
// and limit a buyer can give. Then the indexer goes away, and the CLI says so and answers from the chain.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createCleanup, freePort, type Localnet, registerStakedProvider, startLocalnet } from "@ocx/node-kit";
import { createIndexerClient, postOfferSync, toLabel } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningIndexer, startIndexer } from "../apps/indexer/launch.js";
import { jsonOf, runOcx } from "./harness/cli.js";
import { makeTempDir } from "./harness/tempDir.js";

const HOUR = 3600n;

const cleanup = createCleanup();
let net: Localnet | undefined;
let indexer: RunningIndexer | undefined;
let dir = "";

interface Answer {
  unit: string;
  total: number;
  offers: { offerId: string; gpuModel: string; gpuCount: number; region: string; pricePerGpuHour: string }[];
}

/** Runs the built `ocx --json market offers <args>`, through the indexer at `indexerUrl` ("" for the chain). */
async function offers(args: string[], indexerUrl: string): Promise<{ answer: Answer; stderr: string }> {
  const run = await runOcx(["--json", "market", "offers", ...args], {
    rpcUrl: (net as Localnet).anvil.rpcUrl,
    deployments: dir,
    env: { OCX_INDEXER_URL: indexerUrl, OCX_HOME: dir },
    timeoutMs: 60_000,
  });
  return { answer: jsonOf<Answer>(run), stderr: run.stderr };
}

beforeAll(async () => {
  dir = await makeTempDir("discovery", cleanup.defer);
  net = await startLocalnet();
  cleanup.defer(() => net?.stop());
  const { deployment, publicClient } = net;
  writeFileSync(path.join(dir, `${deployment.chainId}.json`), JSON.stringify(deployment));
  // Three providers, 24 offers: four models (CPU among them), two regions, 1–8 GPUs, prices with ties.
  const models = ["h100", "a100", "l4", ""] as const;
  let n = 0;
  for (const index of [1, 2, 3]) {
    const provider = net.wallet(index);
    await registerStakedProvider(net, provider, { endpoint: `https://p${index}.example.com`, committedGpus: 64n });
    for (let i = 0; i < 8; i++, n++) {
      const gpuCount = models[n % 4] === "" ? 0 : 1 + (n % 8);
      await postOfferSync(provider, {
        deployment,
        resources: {
          gpuModel: toLabel(models[n % 4] as string),
          region: toLabel(n % 3 === 0 ? "us-east" : "eu-west"),
          gpuCount,
          gpuVramMiB: gpuCount > 0 ? 81920 : 0,
          cpuMillicores: 8000,
          memoryMiB: 65536,
          diskMiB: 100000,
        },
        // $1.00 to $3.00 per GPU-hour in steps of 25 cents, so that several offers share a price.
        pricePerSecond: ((100n + 25n * BigInt(n % 9)) * 10n ** 16n * BigInt(Math.max(gpuCount, 1))) / HOUR,
        maxLeases: 2,
        minDuration: 60,
        maxDuration: 86_400,
      });
    }
  }
  indexer = await startIndexer({
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile: path.join(dir, `${deployment.chainId}.json`),
    port: await freePort(),
    dataDir: path.join(dir, "pglite"),
    timeoutMs: 240_000,
  });
  cleanup.defer(() => indexer?.stop());
  // Ready means the backfill is done; the last blocks (inside Ponder's finality window) are indexed just after.
  const head = Number(await publicClient.getBlockNumber());
  const client = createIndexerClient(indexer.url);
  for (const deadline = Date.now() + 60_000; ((await client.status()).block?.number ?? 0) < head; ) {
    if (Date.now() > deadline) throw new Error(`the indexer did not reach block ${head} within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 360_000);

afterAll(() => cleanup.run());

describe("ocx market offers through the indexer", () => {
  const queries: string[][] = [
    [],
    ["--sort", "price"],
    ["--gpu-model", "h100"],
    ["--gpu-model", "cpu"],
    ["--region", "us-east", "--sort", "price"],
    ["--min-gpus", "4"],
    ["--max-price", "2.00", "--sort", "price"],
    ["--min-reputation", "0.5"],
    ["--verified"],
    ["--limit", "5", "--sort", "price"],
    ["--limit", "0"],
    ["--all", "--limit", "3"],
  ];

  it.each(queries.map((q) => [q.join(" ") || "(no options)", q]))(
    "answers %s as the chain does",
    async (_name, query) => {
      const url = (indexer as RunningIndexer).url;
      const [viaIndexer, viaChain] = await Promise.all([offers(query, url), offers(query, "")]);
      expect(viaIndexer.stderr, "the indexer answered").not.toContain("reading the chain instead");
      expect(viaIndexer.answer).toEqual(viaChain.answer);
    },
    120_000,
  );

  it("applies every filter, the sort and the limit", async () => {
    const url = (indexer as RunningIndexer).url;
    const all = (await offers(["--limit", "0"], url)).answer;
    expect(all.total).toBe(24);
    expect(all.offers).toHaveLength(24);
    // The default limit is 100; a smaller one keeps `total` at the number matching.
    const first = (await offers(["--limit", "5", "--sort", "price"], url)).answer;
    expect(first.total).toBe(24);
    expect(first.offers).toHaveLength(5);
    const prices = first.offers.map((o) => BigInt(o.pricePerGpuHour));
    expect(prices).toEqual([...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const cpu = (await offers(["--gpu-model", "cpu"], url)).answer;
    expect(cpu.total).toBe(6);
    expect(cpu.offers.every((o) => o.gpuModel === "" && o.gpuCount === 0)).toBe(true);
    const big = (await offers(["--min-gpus", "4"], url)).answer;
    expect(big.total).toBeGreaterThan(0);
    expect(big.offers.every((o) => o.gpuCount >= 4)).toBe(true);
    const cheap = (await offers(["--max-price", "2.00"], url)).answer;
    expect(cheap.offers.every((o) => BigInt(o.pricePerGpuHour) <= 2n * 10n ** 18n)).toBe(true);
    expect(cheap.total).toBeLessThan(24);
  }, 120_000);

  it("says on stderr how many more match than the table shows", async () => {
    const table = await runOcx(["market", "offers", "--limit", "4"], {
      rpcUrl: (net as Localnet).anvil.rpcUrl,
      deployments: dir,
      env: { OCX_INDEXER_URL: (indexer as RunningIndexer).url, OCX_HOME: dir },
      timeoutMs: 60_000,
    });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trim().split("\n")).toHaveLength(5); // the header and 4 rows
    expect(table.stderr).toContain("showing 4 of 24 matching offers; --limit 0 shows them all");
  }, 60_000);

  it("falls back to the chain, and says so, when the indexer does not answer", async () => {
    const port = await freePort();
    const { answer, stderr } = await offers(["--gpu-model", "h100"], `http://127.0.0.1:${port}`);
    expect(stderr).toMatch(/the indexer at http:\/\/127\.0\.0\.1:\d+ did not answer .*; reading the chain instead/);
    expect(answer.total).toBe(6);
    expect(answer.offers.map((o) => o.gpuModel)).toEqual(Array(6).fill("h100"));
  }, 60_000);
});
