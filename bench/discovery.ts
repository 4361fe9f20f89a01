// Offer discovery at scale: posts OCX_BENCH_OFFERS offers (default 10,000) and enough token approvals to reach
// OCX_BENCH_EVENTS events (default 100,000) on a local anvil with pre-signed transactions (many per block, blocks
// mined by hand), then starts the indexer on that history and measures its backfill ingest rate, and times
// `ocx market offers --gpu-model h100` through the indexer and through the chain (the SDK call in-process, and the
// CLI command end to end when it is built). Prints the figures and writes bench/results/discovery.json.
//   npm run bench:discovery
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startLocalnet } from "@ocx/node-kit";
import {
  ensureAllowance,
  listOffers,
  marketplaceAbi,
  ocxTokenAbi,
  registerProviderSync,
  stakeSync,
  toLabel,
} from "@ocx/sdk";
import { createTestClient, encodeFunctionData, type Hex, http, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startIndexer } from "../apps/indexer/launch.js";

const OFFERS = Number(process.env.OCX_BENCH_OFFERS ?? 10_000);
const EVENTS = Number(process.env.OCX_BENCH_EVENTS ?? 100_000);
const BATCH = 1000;
const MODELS = ["h100", "a100", "l4", "rtx4090"];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

async function main() {
  const net = await startLocalnet({ deploy: { minStakePerGpu: 1n } });
  const dir = mkdtempSync(path.join(os.tmpdir(), "ocx-bench-discovery-"));
  let indexer: Awaited<ReturnType<typeof startIndexer>> | undefined;
  try {
    const { deployment, publicClient } = net;
    const rpc = net.anvil.rpcUrl;
    const testClient = createTestClient({ mode: "anvil", transport: http(rpc) });
    const provider = net.wallet(1);
    await registerProviderSync(provider, {
      deployment,
      endpoint: "https://bench.example.com",
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: BigInt(OFFERS) });
    await stakeSync(provider, { deployment, amount: BigInt(OFFERS) });

    // Pre-signed transactions, a batch per block: automine off, a huge block gas limit, evm_mine after each batch.
    await testClient.setAutomine(false);
    await publicClient.request({ method: "evm_setBlockGasLimit" as never, params: ["0x3b9aca00"] as never });
    const gasPrice = 2n * 10n ** 9n;
    const signer = (index: number) => privateKeyToAccount(net.key(index));
    const nonces = new Map<number, number>();
    const nextNonce = async (index: number) => {
      if (!nonces.has(index)) {
        nonces.set(
          index,
          await publicClient.getTransactionCount({ address: signer(index).address, blockTag: "pending" }),
        );
      }
      const n = nonces.get(index) as number;
      nonces.set(index, n + 1);
      return n;
    };
    const sign = async (index: number, to: Hex, data: Hex, gas: bigint) =>
      signer(index).signTransaction({
        to,
        data,
        gas,
        gasPrice,
        nonce: await nextNonce(index),
        chainId: deployment.chainId,
        type: "legacy",
      });
    const sendBatch = async (raw: Hex[]) => {
      for (let i = 0; i < raw.length; i += 64) {
        await Promise.all(
          raw.slice(i, i + 64).map((tx) => publicClient.request({ method: "eth_sendRawTransaction", params: [tx] })),
        );
      }
      await testClient.mine({ blocks: 1 });
    };
    const t0 = Date.now();
    for (let done = 0; done < OFFERS; done += BATCH) {
      const raw: Hex[] = [];
      for (let i = done; i < Math.min(OFFERS, done + BATCH); i++) {
        const data = encodeFunctionData({
          abi: marketplaceAbi,
          functionName: "postOffer",
          args: [
            {
              gpuModel: toLabel(MODELS[i % MODELS.length] as string),
              region: toLabel(i % 2 ? "eu-west" : "us-east"),
              gpuCount: 1,
              gpuVramMiB: 81920,
              cpuMillicores: 8000,
              memoryMiB: 65536,
              diskMiB: 100000,
            },
            10n ** 14n + BigInt(i),
            1n,
            60n,
            86_400n,
          ],
        } as never);
        raw.push(await sign(1, deployment.marketplace, data, 400_000n));
      }
      await sendBatch(raw);
    }
    const offersSeconds = (Date.now() - t0) / 1000;
    console.log(`posted ${OFFERS} offers in ${offersSeconds.toFixed(1)} s`);
    // Counted block by block: one getLogs over the whole history exceeds viem's 10 MB response limit.
    const countLogs = async () => {
      const last = await publicClient.getBlockNumber();
      let n = 0;
      for (let b = BigInt(deployment.startBlock); b <= last; b++) {
        n += (
          await publicClient.getLogs({
            address: [deployment.token, deployment.registry, deployment.marketplace],
            fromBlock: b,
            toBlock: b,
          })
        ).length;
      }
      return n;
    };
    let events = await countLogs();
    const t1 = Date.now();
    let approvals = 0;
    while (events + approvals < EVENTS) {
      const raw: Hex[] = [];
      for (let i = 0; i < BATCH && events + approvals < EVENTS; i++, approvals++) {
        const from = 2 + (approvals % 8);
        const data = encodeFunctionData({
          abi: ocxTokenAbi,
          functionName: "approve",
          args: [deployment.marketplace, BigInt(approvals + 1)],
        } as never);
        raw.push(await sign(from, deployment.token, data, 80_000n));
      }
      await sendBatch(raw);
    }
    // Past Ponder's 30-block finality window, so the whole history is backfilled rather than followed live.
    await testClient.mine({ blocks: 40 });
    await testClient.setAutomine(true);
    events = await countLogs();
    const approvalsSeconds = (Date.now() - t1) / 1000;
    const head = Number(await publicClient.getBlockNumber());
    console.log(
      `posted ${OFFERS} offers in ${offersSeconds.toFixed(1)} s and ${approvals} approvals in ${approvalsSeconds.toFixed(1)} s: ${events} events up to block ${head}`,
    );

    const deploymentsDir = path.join(dir, "deployments");
    mkdirSync(deploymentsDir);
    const deploymentFile = path.join(deploymentsDir, `${deployment.chainId}.json`);
    writeFileSync(deploymentFile, JSON.stringify(deployment));
    const port = await freePort();
    const started = Date.now();
    // The backfill's duration from Ponder's own log lines: "HH:MM:SS.mmm INFO  Started backfill indexing …" to
    // "… Completed backfill indexing across all chains (1m 15s)", by their millisecond timestamps.
    let backfillStartedMs: number | undefined;
    let backfillLogSeconds: number | undefined;
    const clockMs = (line: string) => {
      const m = /^(\d\d):(\d\d):(\d\d)\.(\d\d\d) /.exec(line);
      return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : undefined;
    };
    indexer = await startIndexer({
      rpcUrl: rpc,
      deploymentFile,
      port,
      dataDir: path.join(dir, "pglite"),
      timeoutMs: 1_200_000,
      onLog: (line) => {
        if (backfillStartedMs === undefined && line.includes("Started backfill indexing")) {
          backfillStartedMs = clockMs(line);
        }
        if (line.includes("Completed backfill indexing across all chains")) {
          const end = clockMs(line);
          if (backfillStartedMs !== undefined && end !== undefined) {
            // Past midnight the clock wraps once.
            backfillLogSeconds = ((end - backfillStartedMs + 86_400_000) % 86_400_000) / 1000;
          }
        }
      },
    });
    const readySeconds = (Date.now() - started) / 1000;
    const url = indexer.url;
    // Wait until the last block is indexed.
    for (;;) {
      const info = (await (await fetch(`${url}/info`)).json()) as { block: { number: number } | null };
      if ((info.block?.number ?? 0) >= head) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const indexedSeconds = (Date.now() - started) / 1000;
    const ingestRate = backfillLogSeconds ? events / backfillLogSeconds : undefined;
    if (process.env.OCX_BENCH_HOLD) {
      // For profiling by hand: keep the chain and the indexer up until interrupted.
      console.log(
        `holding: OCX_INDEXER_URL=${url} node apps/cli/bin/ocx.js --rpc-url ${rpc} --deployments ${deploymentsDir} --json market offers --gpu-model h100`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      return;
    }

    // Discovery: the SDK call `ocx market offers --gpu-model h100` makes, through the indexer and through the chain.
    const viaIndexer: number[] = [];
    const viaChain: number[] = [];
    let found = 0;
    for (let i = 0; i < 5; i++) {
      const a = performance.now();
      found = (await listOffers(publicClient, deployment, { indexerUrl: url, query: { gpuModel: "h100" } })).length;
      viaIndexer.push(performance.now() - a);
    }
    for (let i = 0; i < 2; i++) {
      const a = performance.now();
      await listOffers(publicClient, deployment, { indexerUrl: "" });
      viaChain.push(performance.now() - a);
    }
    // The CLI end to end, when built (npm run build): each run paired with a bare `node -e 0` right after it, so the
    // ratio holds while the shared machine's speed drifts. "Cold": a block was just indexed, so the indexer computes
    // the answer; "warm": the same question again at the same block (the indexer keeps its answer per block).
    // As a buyer types it, `ocx market offers` prints the first 100 matches (and how many match); `--limit 0` prints
    // all 2,500, which is measured too.
    const cli = path.resolve("apps/cli/bin/ocx.js");
    const cliRun = (indexerUrl: string, limit?: number) => {
      const a = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          cli,
          ...["--rpc-url", rpc, "--deployments", deploymentsDir, "--json", "market", "offers", "--gpu-model", "h100"],
          ...(limit === undefined ? [] : ["--limit", String(limit)]),
        ],
        { env: { ...process.env, OCX_INDEXER_URL: indexerUrl }, encoding: "utf8", maxBuffer: 1 << 28 },
      );
      if (r.status !== 0) throw new Error(`ocx market offers failed: ${r.stderr}`);
      const answer = JSON.parse(r.stdout) as { total: number; offers: unknown[] };
      const expected = limit === 0 ? found : Math.min(found, limit ?? 100);
      if (answer.offers.length !== expected || answer.total !== found) {
        throw new Error(
          `ocx market offers listed ${answer.offers.length} of ${answer.total} offers, expected ${expected} of ${found} (the SDK's count)`,
        );
      }
      return performance.now() - a;
    };
    const bareNode = () => {
      const a = performance.now();
      spawnSync(process.execPath, ["-e", "0"]);
      return performance.now() - a;
    };
    const newBlockIndexed = async () => {
      await testClient.mine({ blocks: 1 });
      const target = Number(await publicClient.getBlockNumber());
      for (;;) {
        const info = (await (await fetch(`${url}/info`)).json()) as { block: { number: number } | null };
        if ((info.block?.number ?? 0) >= target) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const cliCold: number[] = [];
    const cliWarm: number[] = [];
    const cliAll: number[] = [];
    const nodeBare: number[] = [];
    const ratioWarm: number[] = [];
    const ratioAll: number[] = [];
    const cliChain: number[] = [];
    let cliError: string | null = null;
    if (existsSync(cli)) {
      try {
        for (let i = 0; i < 5; i++) {
          await newBlockIndexed();
          cliCold.push(cliRun(url));
          const warm = cliRun(url);
          const bare = bareNode();
          const all = cliRun(url, 0);
          cliWarm.push(warm);
          nodeBare.push(bare);
          cliAll.push(all);
          ratioWarm.push(warm / bare);
          ratioAll.push(all / bare);
        }
        cliChain.push(cliRun(""));
      } catch (error) {
        cliError = (error as Error).message.slice(0, 500);
      }
    }
    const cliIndexer = cliWarm;
    const results = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, shared with other work`,
      offers: OFFERS,
      events,
      blocks: head,
      postingSeconds: { offers: offersSeconds, approvals: approvalsSeconds },
      indexer: {
        readySeconds,
        indexedToHeadSeconds: indexedSeconds,
        backfillSeconds: backfillLogSeconds ?? null,
        ingestEventsPerSecond: ingestRate ?? null,
        // A lower bound: events over the time from spawning the indexer (start-up included) to the head indexed.
        ingestEventsPerSecondIncludingStartup: events / indexedSeconds,
      },
      discovery: {
        offersMatchingH100: found,
        sdkViaIndexerMsMedian: median(viaIndexer),
        sdkViaChainMsMedian: median(viaChain),
        cliViaIndexerMsMedian: cliIndexer.length ? median(cliIndexer) : null,
        cliViaIndexerColdMsMedian: cliCold.length ? median(cliCold) : null,
        cliViaIndexerOverBareNodeMedian: ratioWarm.length ? median(ratioWarm) : null,
        cliAllMatchesViaIndexerMsMedian: cliAll.length ? median(cliAll) : null,
        cliAllMatchesOverBareNodeMedian: ratioAll.length ? median(ratioAll) : null,
        cliViaChainMs: cliChain.length ? median(cliChain) : null,
        bareNodeStartMsMedian: nodeBare.length ? median(nodeBare) : null,
        cliError,
        goalMs: 300,
      },
    };
    console.log(JSON.stringify(results, null, 2));
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/discovery.json", `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await indexer?.stop();
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
