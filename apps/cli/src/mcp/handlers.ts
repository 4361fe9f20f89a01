// What each tool of `ocx mcp` does (tools.ts says what the agent sees): handlers over the SDK, the same steps
// `ocx run`, `ocx job` and `ocx deploy` take, money spent through spending.ts. Imported after the MCP handshake.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import {
  closeService,
  connectProvider,
  DEFAULT_MAX_RESULT_BYTES,
  deployService,
  describeVerdict,
  explainMatch,
  FINAL_PHASES,
  fetchResults,
  fromLabel,
  getResultHash,
  getServiceStatus,
  getTokenBalance,
  LeaseState,
  launchLease,
  leaseStateName,
  type Manifest,
  manifestFromDocument,
  OcxError,
  OcxUsageError,
  type OfferTerms,
  offerPricePerGpuHour,
  offerStateName,
  type ProviderLeaseStatus,
  parseManifest,
  searchOffers,
} from "@ocx/sdk";
import { type Address, parseUnits } from "viem";
import { providerEndpoint, readLease, spaced } from "../chain.js";
import { formatAmount, type PaymentUnit } from "./budget.js";
import { settleEndedLeases, settleWhenClosed, spendOnLease } from "./spending.js";
import {
  balanceTool,
  closeServiceTool,
  deployServiceTool,
  explainNoMatchTool,
  findOffersTool,
  type JobArgs,
  jobLogsTool,
  jobResultsTool,
  jobStatusTool,
  runJobTool,
  serviceStatusTool,
  type ToolAnswer,
  type ToolArgs,
  type ToolEnvironment,
  type ToolSpec,
} from "./tools.js";

/** A tool's handler: its parsed arguments and the server's environment in, an answer out. */
export type ToolHandler = (args: Record<string, unknown>, env: ToolEnvironment) => Promise<ToolAnswer>;

const handle = <Spec extends ToolSpec>(
  _spec: Spec,
  run: (args: ToolArgs<Spec>, env: ToolEnvironment) => Promise<ToolAnswer>,
) => run as unknown as ToolHandler;

/** The job's manifest from a tool's arguments, or a usage error saying what is wrong with them. */
function jobManifest(args: JobArgs, kind: "job" | "service"): Manifest {
  if ((args.manifest === undefined) === (args.command === undefined) && kind === "job") {
    throw new OcxUsageError("give either `manifest` (YAML) or `command` (argv), not both and not neither");
  }
  if (args.manifest !== undefined) {
    const manifest = parseManifest(args.manifest, { source: "the manifest argument" });
    if ((manifest.kind === "service") !== (kind === "service")) {
      throw new OcxUsageError(
        kind === "service"
          ? `manifest "${manifest.name}" is a batch job: deploy_service takes \`kind: service\` manifests; use run_job`
          : `manifest "${manifest.name}" is a service: run_job takes batch jobs; use deploy_service`,
      );
    }
    return checkNoInputs(manifest);
  }
  return checkNoInputs(
    manifestFromDocument(
      {
        version: 1,
        name: "mcp",
        command: args.command,
        ...(args.image ? { image: args.image } : {}),
        resources: {
          gpu: { count: args.gpus ?? 0, ...(args.gpuModel ? { models: [args.gpuModel] } : {}) },
          cpu: args.cpu ?? 1,
          memory: args.memory ?? "1Gi",
          disk: args.disk ?? "1Gi",
        },
        outputs: args.outputs ?? [],
        env: args.env ?? {},
        maxDuration: args.maxDuration ?? "10m",
        ...(args.maxPricePerGpuHour ? { maxPricePerGpuHour: args.maxPricePerGpuHour } : {}),
      },
      { source: "the run_job arguments" },
    ),
  );
}

/** Local files would leave this machine for a provider chosen by the agent: refused, the job fetches its own data. */
function checkNoInputs(manifest: Manifest): Manifest {
  if (manifest.inputs.length > 0) {
    throw new OcxUsageError(
      `manifest "${manifest.name}" has inputs (${manifest.inputs.map((i) => i.path).join(", ")}): ocx mcp sends no local files to a provider; fetch the data in the command, or bake it into the image`,
    );
  }
  return manifest;
}

const price = (args: { maxPricePerGpuHour?: string | undefined }, unit: PaymentUnit) =>
  args.maxPricePerGpuHour === undefined ? undefined : parseUnits(args.maxPricePerGpuHour, unit.decimals);

/** An offer as the tools answer it: labels decoded, prices exact (smallest units) and in words. */
function offerData(offer: OfferTerms, unit: PaymentUnit) {
  const r = offer.resources;
  return {
    offerId: offer.offerId,
    provider: offer.provider,
    state: spaced(offerStateName(offer.state)),
    gpuModel: fromLabel(r.gpuModel) || "cpu",
    gpuCount: r.gpuCount,
    gpuVramMiB: r.gpuVramMiB,
    cpuMillicores: r.cpuMillicores,
    memoryMiB: r.memoryMiB,
    diskMiB: r.diskMiB,
    region: fromLabel(r.region),
    pricePerSecond: offer.pricePerSecond,
    pricePerGpuHour: offerPricePerGpuHour(offer),
    pricePerGpuHourText: formatAmount(offerPricePerGpuHour(offer), unit),
    freeCapacity: Math.max(offer.maxLeases - offer.activeLeases, 0),
    minDurationSeconds: offer.minDuration,
    maxDurationSeconds: offer.maxDuration,
    verified: offer.verified ?? null,
    reputation: offer.reputation ?? null,
  };
}

/** Signs requests to the lease's provider with this server's key. */
async function providerOf(env: ToolEnvironment, provider: Address) {
  const { context } = env;
  return connectProvider({
    publicClient: context.publicClient,
    deployment: context.deployment,
    account: await context.account(),
    lease: { provider, endpoint: await providerEndpoint(context, provider) },
  });
}

/** A lease of this server's account, or a usage error (someone else's leases are not the agent's to touch). */
async function ownLease(env: ToolEnvironment, id: bigint) {
  const lease = await readLease(env.context, id);
  const me = (await env.context.account()).address;
  if (lease.buyer.toLowerCase() !== me.toLowerCase()) {
    throw new OcxUsageError(`lease #${id} belongs to ${lease.buyer}, not to this server's account ${me}`);
  }
  return lease;
}

/** Polls the provider until the job reaches a final phase or `waitMs` passes; the last status either way. */
async function waitForJob(
  env: ToolEnvironment,
  client: Awaited<ReturnType<typeof providerOf>>,
  id: bigint,
  waitMs: number,
): Promise<ProviderLeaseStatus> {
  const deadline = Date.now() + waitMs;
  let last = "";
  for (;;) {
    const status = await client.status(id);
    if (status.phase !== last) {
      last = status.phase;
      await env.progress(`lease #${id}: ${status.phase}${status.message ? ` (${status.message})` : ""}`);
    }
    if (FINAL_PHASES.includes(status.phase) || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** job_results returns the text of files up to this size, and of all of them together up to TEXT_TOTAL. */
const TEXT_FILE_BYTES = 16 * 1024;
const TEXT_TOTAL_BYTES = 64 * 1024;

/** Each tool's handler, by the tool's name. */
export const HANDLERS: Readonly<Record<string, ToolHandler>> = {
  [findOffersTool.name]: handle(findOffersTool, async (args, env) => {
    const { context, unit } = env;
    const maxPricePerGpuHour = price(args, unit);
    const offers = await searchOffers(context.publicClient, {
      deployment: context.deployment,
      sort: "price",
      ...(args.gpuModel !== undefined ? { gpuModel: args.gpuModel } : {}),
      ...(args.minGpus !== undefined ? { minGpus: args.minGpus } : {}),
      ...(args.region !== undefined ? { region: args.region } : {}),
      ...(args.verified !== undefined ? { verified: args.verified } : {}),
      ...(maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour } : {}),
    });
    const shown = offers.slice(0, args.limit ?? 20);
    const lines = shown.map((o) => {
      const j = offerData(o, unit);
      return `#${o.offerId}: ${j.gpuCount > 0 ? `${j.gpuCount}× ${j.gpuModel}` : "CPU"}, ${j.cpuMillicores / 1000} cores, ${j.memoryMiB} MiB, ${j.pricePerGpuHourText}/${j.gpuCount > 0 ? "GPU-h" : "h"}, ${j.freeCapacity} free, verified ${j.verified ?? "?"}, reputation ${j.reputation ?? "?"}`;
    });
    return {
      text:
        shown.length === 0
          ? "no offers match these filters; explain_no_match says which need excludes each offer"
          : `${offers.length} offer(s) match${offers.length > shown.length ? ` (showing ${shown.length})` : ""}, cheapest first:\n${lines.join("\n")}`,
      data: { count: offers.length, offers: shown.map((o) => offerData(o, unit)) },
    };
  }),
  [explainNoMatchTool.name]: handle(explainNoMatchTool, async (args, env) => {
    const { context, unit } = env;
    const manifest = jobManifest(args, args.manifest && /kind:\s*service/.test(args.manifest) ? "service" : "job");
    const maxPricePerGpuHour = price(args, unit);
    const explained = await explainMatch(context.publicClient, {
      deployment: context.deployment,
      manifest,
      ...(maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour } : {}),
    });
    const lines = explained.verdicts.map((v) => describeVerdict(v));
    return {
      text: [
        explained.needs,
        ...(lines.length ? lines : ["no active offers on the market"]),
        explained.conclusion,
      ].join("\n"),
      data: {
        needs: explained.needs,
        matches: explained.matching.map((v) => v.offer.offerId),
        offers: explained.verdicts.map((v) => ({
          ...offerData(v.offer, unit),
          matches: v.matches,
          reasons: v.mismatches.map((m) => m.message),
        })),
        conclusion: explained.conclusion,
      },
    };
  }),
  [runJobTool.name]: handle(runJobTool, async (args, env) => {
    const { context, unit } = env;
    const manifest = jobManifest(args, "job");
    const maxPricePerGpuHour = price(args, unit);
    const { lease, provider: client } = await spendOnLease(
      env,
      "run_job",
      ({ found }) => `a lease of offer #${found.kind === "offer" ? found.offer.offerId : "?"}`,
      async (hooks) =>
        launchLease({
          publicClient: context.publicClient,
          walletClient: await context.walletClient(),
          account: await context.account(),
          deployment: context.deployment,
          manifest,
          // No inputs (checkNoInputs): nothing is read from here.
          baseDir: env.resultsDir,
          market: "offer",
          ...(args.offerId !== undefined ? { offerId: BigInt(args.offerId) } : {}),
          ...(maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour } : {}),
          approve: hooks.approve,
          onEvent: (event) => {
            hooks.onEvent(event);
            if (event.type === "lease") void env.progress(`lease #${event.leaseId} taken; uploading the job`);
          },
        }),
    );
    const { deposit } = lease;
    const status = await waitForJob(env, client, lease.leaseId, (args.waitSeconds ?? 0) * 1000);
    const ended = FINAL_PHASES.includes(status.phase);
    // The provider completes the lease on-chain as the job ends: its bill then frees the rest of the deposit.
    const cost = ended ? await settleWhenClosed(env, lease.leaseId, 15_000) : undefined;
    const budget = env.budget.snapshot();
    return {
      text:
        `lease #${lease.leaseId} on offer #${lease.offerId} (provider ${lease.provider}), deposit ${formatAmount(deposit, unit)}; ` +
        (ended
          ? `the job ended: ${status.phase}, exit code ${status.exitCode}; read its outputs with job_results`
          : `the job is ${status.phase}; follow it with job_status / job_logs`) +
        (cost !== undefined ? `; it cost ${formatAmount(cost, unit)}, the rest of the deposit is refunded` : "") +
        `. Budget: ${formatAmount(budget.spent, unit)} spent and ${formatAmount(budget.reserved, unit)} reserved of ${formatAmount(budget.limit, unit)}.`,
      data: {
        leaseId: lease.leaseId,
        offerId: lease.offerId,
        provider: lease.provider,
        pricePerSecond: lease.pricePerSecond,
        deposit,
        phase: status.phase,
        exitCode: status.exitCode,
        resultHash: status.resultHash,
        cost: cost ?? null,
        budget,
      },
    };
  }),
  [jobStatusTool.name]: handle(jobStatusTool, async (args, env) => {
    const id = BigInt(args.leaseId);
    const lease = await ownLease(env, id);
    let node: ProviderLeaseStatus | { error: string };
    try {
      node = await (await providerOf(env, lease.provider)).status(id);
    } catch (error) {
      node = { error: (error as Error).message.split("\n")[0] ?? String(error) };
    }
    const state = spaced(leaseStateName(lease.state));
    const { unit } = env;
    return {
      text:
        `lease #${id}: ${state} on the chain; escrow left ${formatAmount(lease.escrowLeft, unit)} of a ${formatAmount(lease.deposit, unit)} deposit; ` +
        ("error" in node
          ? `its provider could not be asked: ${node.error}`
          : `the provider says ${node.phase}${node.message ? ` (${node.message})` : ""}${node.exitCode !== null ? `, exit code ${node.exitCode}` : ""}`),
      data: {
        leaseId: id,
        state,
        provider: lease.provider,
        pricePerSecond: lease.pricePerSecond,
        deposit: lease.deposit,
        escrowLeft: lease.escrowLeft,
        node,
      },
    };
  }),
  [jobLogsTool.name]: handle(jobLogsTool, async (args, env) => {
    const id = BigInt(args.leaseId);
    const lease = await ownLease(env, id);
    const client = await providerOf(env, lease.provider);
    const stream = args.stream ?? "stdout";
    const maxBytes = args.maxBytes ?? 16 * 1024;
    const read = async () => {
      // Reads from `offset` (or all, keeping only the tail) without holding more than maxBytes past the start.
      const chunks: Buffer[] = [];
      let held = 0;
      let start = args.offset ?? 0;
      let end = start;
      for await (const chunk of client.logs(id, {
        stream,
        offset: start,
        follow: false,
        ...(args.service ? { service: args.service } : {}),
      })) {
        end += chunk.byteLength;
        chunks.push(Buffer.from(chunk));
        held += chunk.byteLength;
        if (args.offset !== undefined && held >= maxBytes) break;
        while (args.offset === undefined && held - (chunks[0]?.byteLength ?? 0) >= maxBytes) {
          const dropped = chunks.shift() as Buffer;
          held -= dropped.byteLength;
          start += dropped.byteLength;
        }
      }
      let bytes = Buffer.concat(chunks);
      if (args.offset !== undefined) bytes = bytes.subarray(0, maxBytes);
      else if (bytes.byteLength > maxBytes) {
        start += bytes.byteLength - maxBytes;
        bytes = bytes.subarray(bytes.byteLength - maxBytes);
      }
      return { start, nextOffset: start + bytes.byteLength, total: end, text: bytes.toString("utf8") };
    };
    const deadline = Date.now() + (args.waitSeconds ?? 0) * 1000;
    let got = await read();
    let status = await client.status(id);
    while (got.text === "" && !FINAL_PHASES.includes(status.phase) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      got = await read();
      status = await client.status(id);
    }
    const ended = FINAL_PHASES.includes(status.phase);
    return {
      text:
        `${stream} of lease #${id}, bytes ${got.start}–${got.nextOffset}${got.total > got.nextOffset ? ` of ${got.total} (more: call again with offset ${got.nextOffset})` : ""}; the job is ${status.phase}${ended ? " (no more output will come)" : ""}:\n` +
        got.text,
      data: {
        leaseId: id,
        stream,
        offset: got.start,
        nextOffset: got.nextOffset,
        text: got.text,
        phase: status.phase,
        ended,
      },
    };
  }),
  [jobResultsTool.name]: handle(jobResultsTool, async (args, env) => {
    const id = BigInt(args.leaseId);
    const lease = await ownLease(env, id);
    const { context } = env;
    const hash = await getResultHash(context.publicClient, { deployment: context.deployment, leaseId: id });
    if (!hash) {
      throw new OcxError(
        `lease #${id} has no results yet: it is ${spaced(leaseStateName(lease.state))} and its provider has not completed it; check job_status`,
      );
    }
    const client = await providerOf(env, lease.provider);
    const dir = path.join(env.resultsDir, `lease-${id}`);
    const fetched = await fetchResults(client, {
      publicClient: context.publicClient,
      deployment: context.deployment,
      leaseId: id,
      url: await providerEndpoint(context, lease.provider),
      unpackTo: dir,
      maxUnpackedBytes: DEFAULT_MAX_RESULT_BYTES,
      retryMs: 20_000,
    });
    if (!fetched?.unpacked) throw new OcxError(`lease #${id} has no results on-chain`);
    const files: { path: string; bytes: number; text?: string }[] = [];
    let textBytes = 0;
    const utf8 = new TextDecoder("utf-8", { fatal: true });
    for (const file of fetched.unpacked.files) {
      const bytes = (await stat(file)).size;
      const entry: { path: string; bytes: number; text?: string } = { path: path.relative(dir, file), bytes };
      if (bytes <= TEXT_FILE_BYTES && textBytes + bytes <= TEXT_TOTAL_BYTES) {
        try {
          entry.text = utf8.decode(await readFile(file));
          textBytes += bytes;
        } catch {
          // not text: listed without its contents
        }
      }
      files.push(entry);
    }
    return {
      text:
        `${files.length} file(s) of lease #${id} in ${dir} (sha256 ${fetched.sha256} matches the chain):\n` +
        files.map((f) => `${f.path} (${f.bytes} bytes)${f.text !== undefined ? `:\n${f.text}` : ""}`).join("\n"),
      data: { leaseId: id, dir, sha256: fetched.sha256, files },
    };
  }),
  [deployServiceTool.name]: handle(deployServiceTool, async (args, env) => {
    const { context, unit } = env;
    const manifest = jobManifest({ manifest: args.manifest }, "service");
    const maxPricePerGpuHour = price(args, unit);
    const deployed = await spendOnLease(
      env,
      "deploy_service",
      ({ found }) => `a service lease of offer #${found.kind === "offer" ? found.offer.offerId : "?"}`,
      async (hooks) =>
        deployService({
          publicClient: context.publicClient,
          walletClient: await context.walletClient(),
          account: await context.account(),
          deployment: context.deployment,
          manifest,
          // No inputs (checkNoInputs): nothing is read from here.
          baseDir: env.resultsDir,
          ...(args.offerId !== undefined ? { offerId: BigInt(args.offerId) } : {}),
          ...(args.hours !== undefined ? { hours: args.hours } : {}),
          ...(maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour } : {}),
          healthTimeoutMs: 90_000,
          approve: hooks.approve,
          onEvent: hooks.onEvent,
        }),
    );
    const { deposit } = deployed;
    return {
      text:
        `service lease #${deployed.leaseId} on offer #${deployed.offerId}, deposit ${formatAmount(deposit, unit)}; ` +
        `${deployed.status.healthy ? "healthy" : "not healthy yet"}; URLs: ${deployed.urls.map((u) => `${u.service}:${u.port} ${u.url}`).join(", ") || "none"}`,
      data: {
        leaseId: deployed.leaseId,
        offerId: deployed.offerId,
        provider: deployed.provider,
        deposit,
        urls: deployed.urls,
        services: deployed.status.services,
        healthy: deployed.status.healthy,
        budget: env.budget.snapshot(),
      },
    };
  }),
  [serviceStatusTool.name]: handle(serviceStatusTool, async (args, env) => {
    const id = BigInt(args.leaseId);
    const lease = await ownLease(env, id);
    const status = await getServiceStatus(await providerOf(env, lease.provider), { leaseId: id });
    return {
      text:
        `service lease #${id}: ${status.phase}${status.healthy ? ", all healthy" : ""}; ` +
        status.services.map((s) => `${s.name} ${s.state}${s.reason ? ` (${s.reason})` : ""}`).join(", ") +
        (status.urls.length ? `; URLs: ${status.urls.map((u) => u.url).join(", ")}` : ""),
      data: {
        leaseId: id,
        phase: status.phase,
        healthy: status.healthy,
        services: status.services,
        urls: status.urls,
        escrowLeft: status.escrowLeft ?? null,
      },
    };
  }),
  [closeServiceTool.name]: handle(closeServiceTool, async (args, env) => {
    const id = BigInt(args.leaseId);
    const lease = await ownLease(env, id);
    if (lease.state === LeaseState.Closed) throw new OcxUsageError(`lease #${id} is already closed`);
    const closed = await closeService(await env.context.walletClient(), {
      deployment: env.context.deployment,
      leaseId: id,
    });
    const cost = (await settleEndedLeases(env)).find((s) => s.leaseId === id)?.cost;
    const budget = env.budget.snapshot();
    return {
      text:
        `lease #${id} closed; ${formatAmount(closed.refund, env.unit)} refunded (transaction ${closed.transactionHash})` +
        (cost !== undefined
          ? `; it cost ${formatAmount(cost, env.unit)}, which replaces its deposit in the budget`
          : "") +
        `. Budget: ${formatAmount(budget.spent, env.unit)} spent and ${formatAmount(budget.reserved, env.unit)} reserved of ${formatAmount(budget.limit, env.unit)}.`,
      data: { leaseId: id, refund: closed.refund, transaction: closed.transactionHash, cost: cost ?? null, budget },
    };
  }),
  [balanceTool.name]: handle(balanceTool, async (_args, env) => {
    const { context, unit, budget } = env;
    const me = env.account;
    await settleEndedLeases(env);
    const [payment, ocx, eth] = await Promise.all([
      getTokenBalance(context.publicClient, { deployment: { token: unit.address }, account: me }),
      getTokenBalance(context.publicClient, { deployment: context.deployment, account: me }),
      context.publicClient.getBalance({ address: me }),
    ]);
    const leases = await Promise.all(budget.openLeases().map((h) => readLease(context, h.leaseId as bigint)));
    const escrow = leases.reduce((sum, l) => sum + (l.state === LeaseState.Closed ? 0n : l.escrowLeft), 0n);
    const settlesInOcx = unit.address.toLowerCase() === context.deployment.token.toLowerCase();
    const snapshot = budget.snapshot();
    return {
      text:
        `account ${me}: ${formatAmount(payment, unit)} (the payment token)${settlesInOcx ? "" : `, ${formatAmount(ocx, { ...unit, symbol: "OCX", decimals: 18 })}`}, ` +
        `${formatAmount(eth, { ...unit, symbol: "ETH", decimals: 18 })}; escrow in the budget's ${leases.length} open lease(s): ${formatAmount(escrow, unit)}; ` +
        `budget "${snapshot.name}" ${formatAmount(snapshot.limit, unit)}: ${formatAmount(snapshot.spent, unit)} spent by ended leases, ` +
        `${formatAmount(snapshot.reserved, unit)} reserved for open ones, ${formatAmount(snapshot.remaining, unit)} left`,
      data: {
        account: me,
        paymentToken: { address: unit.address, symbol: unit.symbol, decimals: unit.decimals, balance: payment },
        ocx,
        eth,
        escrow,
        leases: leases.map((l) => ({
          leaseId: l.leaseId,
          state: spaced(leaseStateName(l.state)),
          escrowLeft: l.escrowLeft,
        })),
        budget: snapshot,
      },
    };
  }),
};
