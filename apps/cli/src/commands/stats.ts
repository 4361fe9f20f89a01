// `ocx stats`: the network's headline figures from the indexer, the same ones the dashboard's top row shows
// (utilization, GPU-hours, revenue, fees burned, OCX burned and emitted, active providers and buyers, jobs by
// outcome, median request → running, no-shows), plus the providers and live leases counts.
import {
  createIndexerClient,
  deploymentIndexerUrl,
  formatMoney,
  formatOcx,
  formatUsd,
  type MetricsWindow,
  type NetworkMetricsPoint,
  type NetworkMetricsResponse,
  OcxUsageError,
  type PaymentUnit,
} from "@ocx/sdk";
import { Command } from "commander";
import { createContext } from "../context.js";
import { jsonReplacer } from "../options.js";

/** Where `ocx devnet`'s indexer listens by default: asked when nothing else names an indexer. */
export const DEFAULT_INDEXER_URL = "http://127.0.0.1:42069";

const WINDOWS: readonly MetricsWindow[] = ["1h", "24h", "7d", "30d"];
const WINDOW_TEXT: Record<MetricsWindow, string> = {
  "1h": "last hour",
  "24h": "last 24 hours",
  "7d": "last 7 days",
  "30d": "last 30 days",
};

/** One headline figure: a label for people and its text (amounts in $ or OCX rounded down to 6 decimals, as the dashboard). */
export interface HeadlineFigure {
  key: keyof NetworkMetricsPoint;
  label: string;
  text: string;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const seconds = (value: number | null) =>
  value === null ? "—" : value < 120 ? `${Math.round(value)} s` : `${(value / 60).toFixed(1)} min`;

/**
 * The headline figures of a window's totals, in the dashboard's order and with its formatting.
 * @example
 * headlineFigures((await indexer.networkMetrics({ window: "24h" })).totals)[0] // { key: "utilization", label: "GPU utilization", text: "12.5%" }
 */
export function headlineFigures(totals: NetworkMetricsPoint, unit: PaymentUnit = "ocx"): HeadlineFigure[] {
  // A market settling in credits counts in dollars already; one settling in OCX adds its revenue at the feed's price.
  const credits: HeadlineFigure[] =
    unit === "usd"
      ? [
          { key: "creditsMinted", label: "Credits minted", text: formatUsd(BigInt(totals.creditsMinted ?? "0")) },
          { key: "creditsBurned", label: "Credits burned", text: formatUsd(BigInt(totals.creditsBurned ?? "0")) },
        ]
      : [];
  return [
    { key: "utilization", label: "GPU utilization", text: percent(totals.utilization) },
    { key: "gpuHoursServed", label: "GPU-hours served", text: totals.gpuHoursServed.toFixed(2) },
    { key: "revenue", label: "Revenue", text: formatMoney(BigInt(totals.revenue), unit) },
    ...(unit === "usd"
      ? []
      : [
          {
            key: "revenueUsd" as const,
            label: "Revenue ($)",
            text: totals.revenueUsd === null ? "— (no price feed)" : `$${totals.revenueUsd.toFixed(2)}`,
          },
        ]),
    { key: "fees", label: "Fees burned", text: formatMoney(BigInt(totals.fees), unit) },
    { key: "ocxBurned", label: "OCX burned", text: formatOcx(BigInt(totals.ocxBurned)) },
    { key: "ocxEmitted", label: "OCX emitted", text: formatOcx(BigInt(totals.ocxEmitted)) },
    ...credits,
    { key: "activeProviders", label: "Active providers", text: String(totals.activeProviders) },
    { key: "activeBuyers", label: "Active buyers", text: String(totals.activeBuyers) },
    { key: "jobsCompleted", label: "Jobs completed", text: String(totals.jobsCompleted) },
    { key: "jobsFailed", label: "Jobs failed", text: String(totals.jobsFailed) },
    { key: "jobsCancelled", label: "Jobs cancelled", text: String(totals.jobsCancelled) },
    {
      key: "medianRequestToRunningSeconds",
      label: "Median request → running",
      text: seconds(totals.medianRequestToRunningSeconds),
    },
    { key: "noShows", label: "No-shows", text: String(totals.noShows) },
  ];
}

/** What `ocx stats --json` prints. Amounts are wei as decimal strings, exactly as the indexer answered. */
export interface StatsReport {
  indexer: string;
  window: MetricsWindow;
  from: number;
  to: number;
  block: NetworkMetricsResponse["block"];
  totals: NetworkMetricsPoint;
  providers: number;
  verifiedProviders: number;
  liveLeases: number;
}

/**
 * The indexer to ask when --indexer is not given: OCX_INDEXER_URL, else the one the deployment file names (`ocx devnet`
 * writes it there), else the devnet's default. A chain or deployment that cannot be read only means the default.
 */
async function defaultIndexerUrl(command: Command): Promise<string> {
  if (process.env.OCX_INDEXER_URL) return process.env.OCX_INDEXER_URL;
  try {
    const context = await createContext(command);
    return deploymentIndexerUrl(context.deployment) ?? DEFAULT_INDEXER_URL;
  } catch {
    return DEFAULT_INDEXER_URL;
  }
}

export function statsCommand(): Command {
  return new Command("stats")
    .description("the network's headline figures (utilization, GPU-hours, revenue, burns, jobs) from the indexer")
    .option("--window <window>", `time window: ${WINDOWS.join(", ")}`, "24h")
    .option(
      "--indexer <url>",
      `the indexer's URL (default: env OCX_INDEXER_URL, else the deployment file's "indexer", else ${DEFAULT_INDEXER_URL})`,
    )
    .addHelpText(
      "after",
      `
The same figures as the top row of the dashboard the indexer serves at its URL (\`ocx devnet\` prints it).
Token amounts are rounded down to 6 decimals for people; --json gives them exactly, in wei.

Examples:
  $ ocx stats
  $ ocx stats --window 7d --json
  $ ocx stats --indexer http://indexer.example:42069
`,
    )
    .action(async (options: { window: string; indexer?: string }, command: Command) => {
      const json = Boolean(command.optsWithGlobals().json);
      if (!WINDOWS.includes(options.window as MetricsWindow)) {
        throw new OcxUsageError(`--window must be one of ${WINDOWS.join(", ")}, got "${options.window}"`);
      }
      const window = options.window as MetricsWindow;
      const indexer = createIndexerClient(options.indexer ?? (await defaultIndexerUrl(command)));
      const [metrics, providers, leases] = await Promise.all([
        indexer.networkMetrics({ window }),
        indexer.providers(),
        indexer.leases({ live: true, limit: 1000 }),
      ]);
      const report: StatsReport = {
        indexer: indexer.url,
        window,
        from: metrics.from,
        to: metrics.to,
        block: metrics.block,
        totals: metrics.totals,
        providers: providers.providers.length,
        verifiedProviders: providers.providers.filter((p) => p.verified).length,
        liveLeases: leases.leases.length,
      };
      if (json) {
        process.stdout.write(`${JSON.stringify(report, jsonReplacer, 2)}\n`);
        return;
      }
      const rows: [string, string][] = [
        ...headlineFigures(metrics.totals, metrics.unit).map((f): [string, string] => [f.label, f.text]),
        ["Providers (verified)", `${report.providers} (${report.verifiedProviders})`],
        ["Live leases", String(report.liveLeases)],
      ];
      const width = Math.max(...rows.map(([label]) => label.length));
      const where = metrics.block ? `indexed to block ${metrics.block.number}` : "nothing indexed yet";
      const lines = [`OCX network, ${WINDOW_TEXT[window]} (${where}; ${indexer.url})`];
      for (const [label, text] of rows) lines.push(`  ${label.padEnd(width)}  ${text}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
