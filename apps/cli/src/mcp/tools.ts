// The tools of `ocx mcp` as an agent sees them: each a name, a description an LLM can act on, a zod input schema,
// and whether it only reads. What each does is in handlers.ts, imported after the MCP handshake (listing the tools
// needs none of the SDK's code); the server (server.ts) wraps both with the allow-list, the budget and errors.
import type { Address } from "viem";
import { z } from "zod";
import type { Context } from "../context.js";
import type { Budget, PaymentUnit } from "./budget.js";

/** What a tool handler works with: the CLI's chain context, the budget, and where results may be written. */
export interface ToolEnvironment {
  context: Context;
  /** The server's account (its key is loaded at start). */
  account: Address;
  /** The persisted budget: what is spent and reserved, across server starts (budget.ts). */
  budget: Budget;
  unit: PaymentUnit;
  /** The only folder job_results writes into (each lease in its own `lease-<id>/`). */
  resultsDir: string;
  /** Reports progress to the client when it asked for it (a progress token); a no-op otherwise. */
  progress: (message: string) => Promise<void>;
  log: (message: string) => void;
}

/** A tool's answer: one paragraph for the model to read, and the same facts as structured data. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
}

/** One tool as the agent sees it: its name, description, input schema, and whether it only reads. */
export interface ToolSpec<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: Shape;
  /** Reads only: no transaction, nothing written outside the results folder. Allowed by default. */
  readOnly: boolean;
}

/** The arguments a tool's handler receives: its input schema, parsed. */
export type ToolArgs<Spec> = Spec extends ToolSpec<infer Shape> ? z.infer<z.ZodObject<Shape>> : never;

/** Carries `Shape` through, so each handler (handlers.ts) is typed by its tool's schema. */
const spec = <Shape extends z.ZodRawShape>(tool: ToolSpec<Shape>) => tool;

const leaseId = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,76}$/)])
  .describe("the lease id (run_job and deploy_service return it)");

const amount = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .describe(
      `${what}, a decimal amount of the marketplace's payment token (balance_and_spending names it), e.g. "2.5"`,
    );

/** The job to run or to explain: a manifest, or a command with its resources (as `ocx run` takes them). */
export const jobShape = {
  manifest: z
    .string()
    .max(64 * 1024)
    .optional()
    .describe("an OCX job manifest in YAML (see docs/manifest.md); give either this or `command`"),
  command: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('the command to run, as argv, e.g. ["sh", "-c", "mkdir -p out && echo hi > out/hi.txt"]'),
  image: z.string().optional().describe("container image (providers that run containers); default: the provider's"),
  gpus: z.number().int().min(0).max(64).optional().describe("GPUs (default 0: a CPU job)"),
  gpuModel: z.string().optional().describe("acceptable GPU model id, e.g. nvidia-h100-80gb"),
  cpu: z.number().positive().max(256).optional().describe("CPU cores (default 1)"),
  memory: z.string().optional().describe('memory, e.g. "1Gi" (default)'),
  disk: z.string().optional().describe('scratch disk, e.g. "1Gi" (default)'),
  outputs: z
    .array(z.string())
    .optional()
    .describe("files or folders (relative to the job's working folder) to bring back as results"),
  env: z.record(z.string(), z.string()).optional().describe("environment variables"),
  maxDuration: z
    .string()
    .optional()
    .describe('longest the job may run, e.g. "5m" (default "10m"); the deposit pays for this long'),
  maxPricePerGpuHour: amount("the most to pay per GPU-hour (per hour for a CPU job)").optional(),
};

export type JobArgs = z.infer<z.ZodObject<typeof jobShape>>;

export const findOffersTool = spec({
  name: "find_offers",
  title: "Find compute offers",
  description:
    "List the GPU/CPU offers on the OCX market that a job could take, cheapest first. Filter by GPU model, GPU count, " +
    "price per GPU-hour and verified hardware. Prices are in the marketplace's payment token. Read-only.",
  readOnly: true,
  input: {
    gpuModel: z.string().optional().describe('GPU model id, e.g. "nvidia-h100-80gb"; "cpu" for CPU offers'),
    minGpus: z.number().int().min(0).optional().describe("at least this many GPUs in the bundle"),
    maxPricePerGpuHour: amount("only offers at or below this price per GPU-hour").optional(),
    verified: z.boolean().optional().describe("only offers whose GPUs hold a current hardware attestation"),
    region: z.string().optional().describe('e.g. "eu-west"'),
    limit: z.number().int().min(1).max(100).optional().describe("at most this many offers (default 20)"),
  },
});

export const explainNoMatchTool = spec({
  name: "explain_no_match",
  title: "Explain why a job matches no offer",
  description:
    "For a job (a manifest, or a command with resources, as run_job takes it), say for every active offer which of " +
    "the job's needs excludes it, or that it matches, with the same rules run_job uses. Read-only.",
  readOnly: true,
  input: jobShape,
});

export const runJobTool = spec({
  name: "run_job",
  title: "Run a job on rented compute",
  description:
    "Rent the cheapest matching offer and run a batch job on it: takes a lease (the deposit, price × maxDuration, " +
    "goes into escrow and counts against this server's budget before any transaction), uploads the job and starts " +
    "it. Returns the lease id at once, or with waitSeconds waits for the job to end. Follow it with job_status and " +
    "job_logs; read its outputs with job_results. Unused escrow is refunded to the account when the job ends.",
  readOnly: false,
  input: {
    ...jobShape,
    offerId: z.string().regex(/^\d+$/).optional().describe("take this offer (find_offers) instead of the cheapest"),
    waitSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .optional()
      .describe("wait up to this long for the job to end (default 0: return once it started)"),
  },
});

export const jobStatusTool = spec({
  name: "job_status",
  title: "A job's status",
  description:
    "The lease on the chain (state, price, deposit, escrow left) and what its provider says about the job (phase: " +
    "pending, running, completed, failed…, exit code, result hash). Read-only.",
  readOnly: true,
  input: { leaseId },
});

/** The most job_logs returns in one call. */
const MAX_LOG_BYTES = 64 * 1024;

export const jobLogsTool = spec({
  name: "job_logs",
  title: "A job's output",
  description:
    "Read a job's stdout or stderr, bounded: without `offset`, the last `maxBytes` (a tail); with `offset`, from that " +
    "byte on. Returns `nextOffset`: pass it back to follow the output. With waitSeconds, waits for new output (or " +
    "the job's end) first. Read-only.",
  readOnly: true,
  input: {
    leaseId,
    stream: z.enum(["stdout", "stderr"]).optional().describe("default stdout"),
    offset: z.number().int().min(0).optional().describe("read from this byte (nextOffset of the last call)"),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_LOG_BYTES)
      .optional()
      .describe(`at most this many bytes (default 16384, at most ${MAX_LOG_BYTES})`),
    waitSeconds: z.number().int().min(0).max(60).optional().describe("wait up to this long for new output"),
    service: z.string().optional().describe("one service of a service lease"),
  },
});

export const jobResultsTool = spec({
  name: "job_results",
  title: "A job's results",
  description:
    "Download a completed job's results (the files it listed as outputs), check them against the hash its provider " +
    "committed on-chain, and unpack them into this server's results folder. Returns the files with their sizes " +
    "and the text of small text files. Spends nothing.",
  readOnly: true,
  input: { leaseId },
});

export const deployServiceTool = spec({
  name: "deploy_service",
  title: "Deploy a long-running service",
  description:
    "Deploy a service manifest (YAML with `kind: service`, see docs/services.md) on the cheapest matching offer and " +
    "wait until its services are healthy; returns the lease id and public URLs. The deposit (price × duration) " +
    "counts against this server's budget before any transaction. It runs until close_service or its escrow ends.",
  readOnly: false,
  input: {
    manifest: z
      .string()
      .max(64 * 1024)
      .describe("the service manifest, YAML"),
    offerId: z.string().regex(/^\d+$/).optional().describe("take this offer instead of the cheapest"),
    hours: z
      .number()
      .positive()
      .max(24 * 30)
      .optional()
      .describe("fund this many hours instead of the manifest's duration"),
    maxPricePerGpuHour: amount("the most to pay per GPU-hour (per hour for CPU)").optional(),
  },
});

export const serviceStatusTool = spec({
  name: "service_status",
  title: "A service's status",
  description:
    "Each service of a service lease (starting, healthy, unhealthy, crash-looping…), its public URLs and the escrow " +
    "left. Read-only.",
  readOnly: true,
  input: { leaseId },
});

export const closeServiceTool = spec({
  name: "close_service",
  title: "Close a service",
  description:
    "Close a service lease (or any lease of this account): settled to this second on-chain, the rest of the escrow " +
    "refunded; the provider stops the services and deletes their volumes. Sends a transaction; spends no budget.",
  readOnly: false,
  input: { leaseId },
});

export const balanceTool = spec({
  name: "balance_and_spending",
  title: "Balance and spending",
  description:
    "This server's account: its balance of the payment token the marketplace settles in, OCX and ETH (gas), the " +
    "escrow still held in the leases this server opened, and what it has spent against the budget the human set. " +
    "Read-only.",
  readOnly: true,
  input: {},
});

/** Every tool of `ocx mcp`, in the order they are listed. */
export const TOOLS: readonly ToolSpec[] = [
  findOffersTool,
  explainNoMatchTool,
  runJobTool,
  jobStatusTool,
  jobLogsTool,
  jobResultsTool,
  deployServiceTool,
  serviceStatusTool,
  closeServiceTool,
  balanceTool,
];

/** The tools allowed when `--allow` is not given: those that only read (no transaction, no spending). */
export const READ_ONLY_TOOLS: readonly string[] = TOOLS.filter((t) => t.readOnly).map((t) => t.name);
