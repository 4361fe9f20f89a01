// How the dashboard writes figures: exact integer arithmetic on wei strings (BigInt), the same rounding as the
// SDK's formatOcx (down, to 6 decimals) so the page, `ocx stats` and the tests agree to the digit.

const WEI_PER_OCX = 10n ** 18n;

/**
 * Wei (a decimal string or bigint) as OCX, rounded down to `decimals` places (default 6), trailing zeros dropped;
 * a non-zero amount below one step reads "<0.000001".
 * @example formatOcx("2500000000000000000") // "2.5 OCX"
 */
export function formatOcx(wei, { decimals = 6, unit = true } = {}) {
  const value = BigInt(wei);
  const step = 10n ** BigInt(18 - decimals);
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  let text;
  if (magnitude > 0n && magnitude < step) text = `<${decimalText(step)}`;
  else text = `${sign}${decimalText((magnitude / step) * step)}`;
  return unit ? `${text} OCX` : text;
}

function decimalText(wei) {
  const whole = wei / WEI_PER_OCX;
  const fraction = (wei % WEI_PER_OCX).toString().padStart(18, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/**
 * Credits wei ($1 = 10^18) in dollars, rounded down to 6 decimals with at least cents, as the SDK's formatUsd:
 * "$8.64", "$0.0015", "<$0.000001".
 * @example formatCredits("8640000000000000000") // "$8.64"
 */
export function formatCredits(wei) {
  const value = BigInt(wei);
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  const micros = magnitude / 10n ** 12n;
  if (magnitude > 0n && micros === 0n) return `${sign}<$0.000001`;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${micros / 1_000_000n}.${fraction}`;
}

/**
 * An amount of the market's payment token: dollars when it settles in credits (`unit` "usd"), else OCX, as the
 * SDK's formatMoney. `{ unit: false }` drops the OCX suffix (dollars keep their sign).
 * @example formatMoney("1080000000000000000", "usd") // "$1.08"
 */
export function formatMoney(wei, unit, { symbol = true } = {}) {
  return unit === "usd" ? formatCredits(wei) : formatOcx(wei, { unit: symbol });
}

/** Wei as a float of OCX (or dollars of credits), for chart axes only (charts plot, they do not account). */
export function ocxNumber(wei) {
  const value = BigInt(wei);
  return Number(value / 10n ** 12n) / 1e6;
}

/** Dollars with cents, or "—" when the network has no price feed yet (null). */
export function formatUsd(usd) {
  if (usd === null || usd === undefined) return "—";
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A share in [0, 1] as a percentage with one decimal, rounded to nearest. */
export function formatPercent(share) {
  if (share === null || share === undefined) return "—";
  return `${(share * 100).toFixed(1)}%`;
}

/** GPU-hours with two decimals (rounded to nearest). */
export function formatGpuHours(hours) {
  return hours.toFixed(2);
}

/** Seconds as "42 s", "3.5 min" or "—" when there is no figure. */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${(seconds / 60).toFixed(1)} min`;
}

/** 0x1234…abcd */
export function shortAddress(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/**
 * The headline figures of a network-metrics answer's totals, in display order: what the dashboard's top row and
 * `ocx stats` print. Each has a stable key, a label, the exact value (wei strings stay strings) and its text.
 */
export function headlineFigures(totals, unit = "ocx") {
  return [
    {
      key: "utilization",
      label: "GPU utilization",
      value: totals.utilization,
      text: formatPercent(totals.utilization),
    },
    {
      key: "gpuHoursServed",
      label: "GPU-hours served",
      value: totals.gpuHoursServed,
      text: formatGpuHours(totals.gpuHoursServed),
    },
    { key: "revenue", label: "Revenue", value: totals.revenue, text: formatMoney(totals.revenue, unit) },
    // Credits are dollars: the revenue above already is; an OCX market's is converted at the feed's price.
    ...(unit === "usd"
      ? []
      : [{ key: "revenueUsd", label: "Revenue ($)", value: totals.revenueUsd, text: formatUsd(totals.revenueUsd) }]),
    { key: "fees", label: "Fees burned", value: totals.fees, text: formatMoney(totals.fees, unit) },
    { key: "ocxBurned", label: "OCX burned", value: totals.ocxBurned, text: formatOcx(totals.ocxBurned) },
    { key: "ocxEmitted", label: "OCX emitted", value: totals.ocxEmitted, text: formatOcx(totals.ocxEmitted) },
    ...(unit === "usd"
      ? [
          {
            key: "creditsMinted",
            label: "Credits minted",
            value: totals.creditsMinted,
            text: formatCredits(totals.creditsMinted ?? "0"),
          },
          {
            key: "creditsBurned",
            label: "Credits burned",
            value: totals.creditsBurned,
            text: formatCredits(totals.creditsBurned ?? "0"),
          },
        ]
      : []),
    {
      key: "activeProviders",
      label: "Active providers",
      value: totals.activeProviders,
      text: String(totals.activeProviders),
    },
    { key: "activeBuyers", label: "Active buyers", value: totals.activeBuyers, text: String(totals.activeBuyers) },
    { key: "jobsCompleted", label: "Jobs completed", value: totals.jobsCompleted, text: String(totals.jobsCompleted) },
    { key: "jobsFailed", label: "Jobs failed", value: totals.jobsFailed, text: String(totals.jobsFailed) },
    { key: "jobsCancelled", label: "Jobs cancelled", value: totals.jobsCancelled, text: String(totals.jobsCancelled) },
    {
      key: "medianRequestToRunningSeconds",
      label: "Median request → running",
      value: totals.medianRequestToRunningSeconds,
      text: formatSeconds(totals.medianRequestToRunningSeconds),
    },
    { key: "noShows", label: "No-shows", value: totals.noShows, text: String(totals.noShows) },
  ];
}
