// `ocx mcp`'s server: the tools of tools.ts on an MCP server (the official SDK), each call checked against the
// allow-list the human gave, answered as text plus structured data, and every decision logged to stderr (stdout
// is the protocol's).
import path from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { OcxUsageError, toOcxError } from "@ocx/sdk";
import { type Address, erc20Abi } from "viem";
import type { Context } from "../context.js";
import { jsonReplacer } from "../options.js";
import { Budget, checkBudgetText, defaultBudgetFile, formatAmount, type PaymentUnit, parseBudget } from "./budget.js";
import type { ToolHandler } from "./handlers.js";
import { READ_ONLY_TOOLS, TOOLS, type ToolEnvironment } from "./tools.js";

/** How the human configured the server. */
export interface McpServerOptions {
  /** `--budget`: the most the tools may spend and hold in escrow, in the payment token, counted across starts. */
  budget: string;
  /** `--budget-name`: which budget of this chain and account the server counts against. */
  budgetName: string;
  /** `--budget-file`: the SQLite file the budgets are kept in (default `defaultBudgetFile()`). */
  budgetFile?: string;
  /** `--budget-reset`: forget what this budget spent and holds before serving. */
  budgetReset?: boolean;
  /** `--allow`: tool names; default the read-only tools. */
  allow?: string[];
  /** Where job_results unpacks results. */
  resultsDir: string;
  version: string;
}

/** The names in `--allow` checked against the tools ("all" allows every tool); a usage error names an unknown one. */
export function parseAllowList(allow: string[] | undefined): Set<string> {
  if (allow === undefined) return new Set(READ_ONLY_TOOLS);
  const names = allow
    .flatMap((a) => a.split(","))
    .map((a) => a.trim())
    .filter(Boolean);
  if (names.includes("all")) return new Set(TOOLS.map((t) => t.name));
  const known = new Set(TOOLS.map((t) => t.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new OcxUsageError(
      `--allow names unknown tool(s): ${unknown.join(", ")}; the tools are ${[...known].join(", ")} (or "all")`,
    );
  }
  return new Set(names);
}

/** The marketplace's payment token (`deployment.paymentToken`, else OCX), with its symbol and decimals read on-chain. */
export async function readPaymentUnit(context: Context): Promise<PaymentUnit> {
  const deployment = context.deployment as Context["deployment"] & { paymentToken?: Address };
  const address = deployment.paymentToken ?? deployment.token;
  const token = { address, abi: erc20Abi } as const;
  const [symbol, decimals] = await Promise.all([
    context.publicClient.readContract({ ...token, functionName: "symbol" }),
    context.publicClient.readContract({ ...token, functionName: "decimals" }),
  ]);
  return { address, symbol, decimals };
}

const toStructured = (data: unknown) => JSON.parse(JSON.stringify(data, jsonReplacer)) as Record<string, unknown>;

type Log = (message: string) => void;

/** What the tools need from the chain and the budget file: read once, after the handshake. */
type Prepared = Pick<ToolEnvironment, "budget" | "unit">;

/**
 * Reads the payment token, opens the budget (reset first with --budget-reset) and settles the leases that ended
 * while no server ran. Done after the MCP handshake: connecting costs no chain round-trip.
 */
async function prepare(context: Context, account: Address, options: McpServerOptions, log: Log): Promise<Prepared> {
  const started = performance.now();
  const unit = await readPaymentUnit(context);
  const key = { chainId: context.deployment.chainId, account, name: options.budgetName };
  const file = options.budgetFile ?? defaultBudgetFile();
  const budget = Budget.open(file, key, parseBudget(options.budget, unit), unit);
  if (options.budgetReset) {
    log(`--budget-reset: forgot ${budget.reset()} hold(s) of budget "${key.name}"`);
  }
  const environment = { context, account, budget, unit, resultsDir: options.resultsDir, log, progress: async () => {} };
  const { settleEndedLeases } = await import("./spending.js");
  await settleEndedLeases(environment);
  const now = budget.snapshot();
  log(
    `budget "${now.name}" of ${account} on chain ${key.chainId}: ${formatAmount(now.limit, unit)}, ` +
      `${formatAmount(now.spent, unit)} spent and ${formatAmount(now.reserved, unit)} reserved so far ` +
      `(${file}); payment token ${unit.address}; ready in ${Math.round(performance.now() - started)} ms`,
  );
  return { budget, unit };
}

/**
 * Builds the MCP server: every tool registered (so an agent sees what exists), the ones outside the allow-list
 * refusing with a message that names the list. Loads the acting account's key first, so a missing password fails
 * at start rather than in the middle of a tool call; what needs the chain (`prepare`) waits for the handshake.
 */
export async function createOcxMcpServer(context: Context, options: McpServerOptions) {
  const allowed = parseAllowList(options.allow);
  checkBudgetText(options.budget);
  const account = (await context.account()).address;
  const log: Log = (message) => process.stderr.write(`ocx mcp: ${message}\n`);
  log(`account ${account}, allowed tools: ${[...allowed].join(", ")}`);
  // Prepared once; a failure (the chain down) is tried again by the next call.
  let preparing: Promise<Prepared> | undefined;
  const ready = () => {
    preparing ??= prepare(context, account, options, log).catch((error: unknown) => {
      preparing = undefined;
      throw error;
    });
    return preparing;
  };
  const server = new McpServer(
    { name: "ocx", version: options.version },
    {
      instructions:
        "OCX is a GPU compute marketplace. find_offers and explain_no_match read the market; run_job rents compute and " +
        "runs a command (follow it with job_status/job_logs, read outputs with job_results); deploy_service/" +
        "service_status/close_service run long-lived services; balance_and_spending shows the money. Spending tools " +
        "are bounded by a budget and an allow-list set by the human.",
    },
  );
  // The tools' code (the SDK's contract actions, the manifest parser…) is not needed to list them: it loads after
  // the handshake, beside the chain reads, instead of before it.
  let loading: Promise<typeof import("./handlers.js")> | undefined;
  const handlers = () => {
    loading ??= import("./handlers.js");
    return loading;
  };
  server.server.oninitialized = () => {
    log(`connected ${Math.round(performance.now())} ms after the process started`);
    ready().catch((error: unknown) => log(`not ready: ${toOcxError(error).message}`));
    handlers().catch((error: unknown) => log(`the tools' code did not load: ${toOcxError(error).message}`));
  };
  for (const tool of TOOLS) {
    const isAllowed = allowed.has(tool.name);
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: isAllowed
          ? tool.description
          : `[NOT ALLOWED on this server: the human did not include it in --allow] ${tool.description}`,
        inputSchema: tool.input,
        annotations: { readOnlyHint: tool.readOnly, openWorldHint: true },
      },
      async (args: Record<string, unknown>, extra) => {
        if (!isAllowed) {
          log(`${tool.name} refused: not in the allow-list`);
          return {
            isError: true,
            content: [
              {
                type: "text" as const,
                text: `${tool.name} is not allowed on this server: the human who started it allowed only ${[...allowed].join(", ") || "no tools"} (ocx mcp --allow); ask them to add ${tool.name}`,
              },
            ],
          };
        }
        const token = extra._meta?.progressToken;
        let step = 0;
        let prepared: Prepared | undefined;
        try {
          prepared = await ready();
          const env: ToolEnvironment = {
            context,
            account,
            ...prepared,
            resultsDir: options.resultsDir,
            log,
            progress: async (message) => {
              log(`${tool.name}: ${message}`);
              if (token === undefined) return;
              await extra.sendNotification({
                method: "notifications/progress",
                params: { progressToken: token, progress: ++step, message },
              });
            },
          };
          const { HANDLERS } = await handlers();
          const answer = await (HANDLERS[tool.name] as ToolHandler)(args, env);
          log(`${tool.name} answered`);
          return {
            content: [{ type: "text" as const, text: answer.text }],
            structuredContent: toStructured(answer.data),
          };
        } catch (caught) {
          const error = toOcxError(caught);
          log(`${tool.name} failed: ${error.shortMessage}`);
          return {
            isError: true,
            content: [{ type: "text" as const, text: error.message }],
            structuredContent: toStructured({
              error: { name: error.name, message: error.shortMessage, hint: error.hint ?? null },
              budget: prepared?.budget.snapshot() ?? null,
            }),
          };
        }
      },
    );
  }
  /** Closes the budget file, if it was opened. */
  const close = async () => (await preparing?.catch(() => undefined))?.budget.close();
  return { server, allowed, ready, close };
}

/** Serves the tools over stdio until the client closes the connection. */
export async function serveStdio(context: Context, options: McpServerOptions): Promise<void> {
  const { server, close } = await createOcxMcpServer(context, {
    ...options,
    resultsDir: path.resolve(options.resultsDir),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  process.stdin.once("end", () => void server.close());
  await closed;
  await close();
}
