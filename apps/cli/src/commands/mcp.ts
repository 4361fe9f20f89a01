// `ocx mcp`: an MCP server over stdio whose tools let an AI agent use OCX (find offers, run jobs, deploy
// services, read results and spending), bounded by a budget and an allow-list the human sets here. The MCP SDK
// is imported only when this command runs.
import { Command } from "commander";
import { createContext } from "../context.js";
import type { McpServerOptions } from "../mcp/server.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The command's options: the server's, less the version this command fills in. */
type McpOptions = Omit<McpServerOptions, "version">;

export function mcpCommand(): Command {
  return new Command("mcp")
    .description("serve OCX to an AI agent over MCP (stdio), within a budget and an allow-list of tools")
    .requiredOption(
      "--budget <amount>",
      'the most the agent may spend and hold in escrow, in the marketplace\'s payment token (e.g. "5" or "$5"), counted across restarts',
    )
    .option("--budget-name <name>", "which budget of this chain and account to count against", "default")
    .option("--budget-file <file>", "where budgets are kept (SQLite; default $OCX_HOME/mcp-budget.db, ~/.ocx/…)")
    .option("--budget-reset", "forget what this budget has spent and holds, then serve")
    .option(
      "--allow <tools>",
      'tools the agent may call, comma-separated (repeatable; "all" for every tool); default: the read-only tools',
      collect,
    )
    .option("--results-dir <dir>", "the only folder job_results writes into", "ocx-mcp-results")
    .addHelpText(
      "after",
      `
Tools: find_offers, explain_no_match, job_status, job_logs, job_results, service_status and
balance_and_spending only read (the default allow-list); run_job and deploy_service put a deposit
into escrow, checked against --budget before any transaction; close_service sends a transaction.
The budget counts what ended leases cost and what open ones hold, across restarts: it is kept
per chain, account and --budget-name in --budget-file; --budget-reset starts it from zero.
The wallet's password comes from OCX_PASSWORD (stdin is the protocol). Logs go to stderr.

Examples:
  $ ocx mcp --budget 5
  $ ocx --wallet agent mcp --budget '$20' --allow find_offers,run_job,job_status,job_logs,job_results
  MCP client config: {"command": "ocx", "args": ["mcp", "--budget", "5", "--allow", "all"],
                      "env": {"OCX_PASSWORD": "…"}}
See docs/agents.md.
`,
    )
    .action(async (options: McpOptions, command: Command) => {
      const context = await createContext(command);
      const { serveStdio } = await import("../mcp/server.js");
      await serveStdio(context, { ...options, version: "0.1.0" });
    });
}
