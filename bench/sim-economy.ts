// `npm run sim:economy`: three years of weekly epochs under four demand scenarios (flat, growing, a crash, a
// spike), with Emissions' own formulas (@ocx/sdk economy). Writes SVG charts and their PNG renderings (resvg), a
// Markdown table and the raw series as JSON to bench/results/economy/; docs/economy.md embeds the charts.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_EMISSION_SCHEDULE,
  type EmissionScheduleSegment,
  emissionOf,
  netBurnBps,
  rewardOf,
  usageBurn,
} from "@ocx/sdk";
import { Resvg } from "@resvg/resvg-js";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results/economy");
const WEI = 10n ** 18n;
const EPOCHS = 156; // three years of weekly epochs
const INITIAL_SUPPLY = 1_000_000_000; // OCX, deployOcx's default
const FEE_BPS = 250; // the marketplace's default protocol fee, burned
const SPREAD_BPS = 50; // the credits' spread, deployCredits' default
const GPU_HOUR_USD = 2; // what a buyer pays per GPU-hour
const TOKEN_USD = 1; // OCX's price, held fixed except in the crash (the model's simplest assumption)

/** A demand scenario: GPU-hours bought in each week, and the token's price that week. */
interface Scenario {
  name: string;
  describe: string;
  gpuHours(week: number): number;
  tokenUsd(week: number): number;
}

const scenarios: Scenario[] = [
  { name: "flat", describe: "100,000 GPU-hours a week throughout", gpuHours: () => 100_000, tokenUsd: () => TOKEN_USD },
  {
    name: "growing",
    describe: "10,000 GPU-hours a week, growing 5 % a week",
    gpuHours: (w) => 10_000 * 1.05 ** w,
    tokenUsd: () => TOKEN_USD,
  },
  {
    name: "crash",
    describe:
      "grows 5 % a week from 10,000, then demand falls 80 % and the token 70 % in week 52, recovering 2 % a week",
    gpuHours: (w) => (w < 52 ? 10_000 * 1.05 ** w : 0.2 * 10_000 * 1.05 ** 52 * 1.02 ** (w - 52)),
    tokenUsd: (w) => (w < 52 ? TOKEN_USD : 0.3 * TOKEN_USD),
  },
  {
    name: "spike",
    describe: "100,000 GPU-hours a week, ten times that in weeks 30–33",
    gpuHours: (w) => (w >= 30 && w < 34 ? 1_000_000 : 100_000),
    tokenUsd: () => TOKEN_USD,
  },
];

interface Week {
  week: number;
  gpuHours: number;
  usageUsd: number;
  emittedOcx: number;
  burnedOcx: number;
  supplyOcx: number;
  providerUsd: number;
  providerEmissionUsd: number;
  creditsOutstandingUsd: number;
  breakEvenGpuHours: number;
}

const schedule: EmissionScheduleSegment = {
  firstEpoch: 0n,
  start: 0n,
  length: BigInt(DEFAULT_EMISSION_SCHEDULE.epochLength),
  emission: DEFAULT_EMISSION_SCHEDULE.emission,
  decay: DEFAULT_EMISSION_SCHEDULE.decay,
};
const burnBps = netBurnBps(FEE_BPS, SPREAD_BPS);
const ocx = (wei: bigint) => Number(wei / 10n ** 12n) / 1e6;

function simulate(s: Scenario): Week[] {
  let supply = BigInt(INITIAL_SUPPLY) * WEI;
  const weeks: Week[] = [];
  for (let w = 0; w < EPOCHS; w++) {
    const price = s.tokenUsd(w);
    const gpuHours = s.gpuHours(w);
    const usageUsd = gpuHours * GPU_HOUR_USD;
    // The epoch's whole emission goes to the verified providers: Σ ⌊E·u_p/U⌋ over ten equal providers.
    const emission = emissionOf(schedule, BigInt(w));
    const providers = 10n;
    const paid = rewardOf(emission, 1n, providers) * providers;
    // Buyers mint the week's credits by burning OCX; the fee is burned in credits; providers redeem the rest for
    // minted OCX: OcxCredits' and the marketplace's own integer formulas (usageBurn), at an 8-decimal feed price.
    const usageCredits = (BigInt(Math.round(usageUsd * 100)) * WEI) / 100n;
    const rate = { price: BigInt(Math.round(price * 1e8)), feedUnit: 10n ** 8n, spreadBps: BigInt(SPREAD_BPS) };
    const { burned: burnedWei, minted: redeemedWei } = usageBurn(usageCredits, BigInt(FEE_BPS), rate);
    const burned = ocx(burnedWei - redeemedWei);
    supply += paid + redeemedWei - burnedWei;
    const providerUsd = ocx(redeemedWei) * price;
    weeks.push({
      week: w,
      gpuHours,
      usageUsd,
      emittedOcx: ocx(paid),
      burnedOcx: burned,
      supplyOcx: ocx(supply),
      providerUsd,
      providerEmissionUsd: ocx(paid) * price,
      // Buyers prepay about a week of usage into escrow: the credits outstanding that redemption must back.
      creditsOutstandingUsd: s.gpuHours(w + 1) * GPU_HOUR_USD,
      // Usage at which this week's net burn equals its emission: E·P / (net burn rate), in GPU-hours.
      breakEvenGpuHours: (ocx(emission) * price) / (burnBps / 10_000) / GPU_HOUR_USD,
    });
  }
  return weeks;
}

// ---------------------------------------------------------------- SVG line charts (no dependencies)

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

function lineChart(title: string, yLabel: string, series: { name: string; values: number[] }[], log = false): string {
  const W = 720;
  const H = 360;
  const L = 80;
  const R = 150;
  const T = 40;
  const B = 50;
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = log ? Math.min(...all) : Math.min(0, ...all);
  let hi = Math.max(...all);
  if (hi === lo) hi = lo + 1;
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
  }
  const n = Math.max(...series.map((s) => s.values.length));
  const x = (i: number) => L + ((W - L - R) * i) / Math.max(1, n - 1);
  const y = (v: number) => {
    const t = log
      ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
      : (v - lo) / (hi - lo);
    return H - B - (H - T - B) * t;
  };
  const fmt = (v: number) =>
    Math.abs(v) >= 1e9
      ? `${(v / 1e9).toFixed(1)}B`
      : Math.abs(v) >= 1e6
        ? `${(v / 1e6).toFixed(1)}M`
        : Math.abs(v) >= 1e3
          ? `${(v / 1e3).toFixed(0)}k`
          : v >= 10
            ? v.toFixed(0)
            : // A log axis reaches below 0.01: enough significant digits to tell its ticks apart.
              String(Number(v.toPrecision(2)));
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => lo + ((hi - lo) * i) / 5);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">${yLabel}</text>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">week</text>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (let i = 0; i < n; i += 13) parts.push(`<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle">${i}</text>`);
  series.forEach((s, k) => {
    const d = s.values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<path d="${d}" fill="none" stroke="${palette[k % palette.length]}" stroke-width="2"/>`);
    parts.push(
      `<rect x="${W - R + 12}" y="${T + 18 * k}" width="12" height="3" fill="${palette[k % palette.length]}"/>`,
    );
    parts.push(`<text x="${W - R + 30}" y="${T + 18 * k + 5}">${s.name}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

// ---------------------------------------------------------------- run

mkdirSync(out, { recursive: true });
/** Writes a chart as `name.svg` and, rendered at twice its size with the system's fonts, as `name.png`. */
function chart(name: string, svg: string): void {
  writeFileSync(path.join(out, `${name}.svg`), svg);
  const png = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "white",
    font: { loadSystemFonts: true, sansSerifFamily: "DejaVu Sans", defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
  writeFileSync(path.join(out, `${name}.png`), png);
}

const results = new Map(scenarios.map((s) => [s.name, simulate(s)]));
/** A scenario's weeks, by name. */
const weeksOf = (name: string): Week[] => {
  const weeks = results.get(name);
  if (!weeks?.length) throw new Error(`no scenario named ${name}`);
  return weeks;
};
const pick = (f: (w: Week) => number) => scenarios.map((s) => ({ name: s.name, values: weeksOf(s.name).map(f) }));

chart(
  "supply",
  lineChart(
    "OCX supply",
    "OCX",
    pick((w) => w.supplyOcx),
  ),
);
chart(
  "burn-vs-emission",
  lineChart(
    "Net burn ÷ emission per week (above 1: supply shrinks)",
    "ratio",
    pick((w) => w.burnedOcx / w.emittedOcx),
    true,
  ),
);
chart(
  "provider-revenue",
  lineChart(
    "Providers' weekly revenue: usage + emissions",
    "USD",
    pick((w) => w.providerUsd + w.providerEmissionUsd),
    true,
  ),
);
chart(
  "break-even",
  lineChart(
    "GPU-hours a week at which burns equal emissions",
    "GPU-hours",
    [{ name: "break-even", values: weeksOf("flat").map((w) => w.breakEvenGpuHours) }, ...pick((w) => w.gpuHours)],
    true,
  ),
);

const crossing = (weeks: Week[]) => weeks.find((w) => w.burnedOcx >= w.emittedOcx)?.week;
const rows = scenarios.map((s) => {
  const weeks = weeksOf(s.name);
  const last = weeks[weeks.length - 1] as Week;
  const emitted = weeks.reduce((a, w) => a + w.emittedOcx, 0);
  const burned = weeks.reduce((a, w) => a + w.burnedOcx, 0);
  const revenue = weeks.reduce((a, w) => a + w.providerUsd + w.providerEmissionUsd, 0);
  const x = crossing(weeks);
  return `| ${s.name} | ${s.describe} | ${Math.round(emitted).toLocaleString("en-US")} | ${Math.round(burned).toLocaleString("en-US")} | ${Math.round(last.supplyOcx).toLocaleString("en-US")} | ${x === undefined ? "never" : `week ${x}`} | ${Math.round(revenue).toLocaleString("en-US")} | ${Math.round(last.creditsOutstandingUsd).toLocaleString("en-US")} |`;
});
const table = [
  `Emission schedule: ${ocx(schedule.emission).toLocaleString("en-US")} OCX in week 0, ${Number(schedule.decay) / 1e16} % less each week; net burn ${burnBps} bps of usage (fee ${FEE_BPS} bps, spread ${SPREAD_BPS} bps); $${GPU_HOUR_USD}/GPU-hour; OCX at $${TOKEN_USD} unless the scenario moves it; ${EPOCHS} weekly epochs.`,
  "",
  "| scenario | demand | OCX emitted | OCX burned (net) | supply at the end | burns ≥ emissions from | provider revenue, $ (usage + emissions) | credits outstanding at the end, $ |",
  "|---|---|---:|---:|---:|---|---:|---:|",
  ...rows,
  "",
  `Break-even usage in week 0: ${Math.round((weeksOf("flat")[0] as Week).breakEvenGpuHours).toLocaleString("en-US")} GPU-hours a week; in week ${EPOCHS - 1}: ${Math.round((weeksOf("flat")[EPOCHS - 1] as Week).breakEvenGpuHours).toLocaleString("en-US")}.`,
].join("\n");
writeFileSync(path.join(out, "table.md"), `${table}\n`);
writeFileSync(path.join(out, "series.json"), `${JSON.stringify(Object.fromEntries(results), null, 1)}\n`);
console.log(table);
console.log(
  `\nwrote supply, burn-vs-emission, provider-revenue and break-even (.svg and .png), table.md, series.json to ${out}`,
);
