// The OCX network dashboard: reads the indexer's API (same origin, relative paths), draws the metrics over time
// with uPlot, and refreshes when the indexer's /events stream says a block was indexed.

import { formatMoney, formatOcx, formatPercent, headlineFigures, ocxNumber, shortAddress } from "./format.js";
import uPlot from "./vendor/uPlot.esm.js";

const WINDOW_LABELS = { "1h": "last hour", "24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days" };
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed"];

/** The charts: a title, and the series each draws from one metrics bucket. */
const CHARTS = [
  { id: "utilization", title: "GPU utilization (%)", series: [["leased ÷ offered", (p) => p.utilization * 100]] },
  { id: "gpu-hours", title: "GPU-hours served", series: [["GPU-hours", (p) => p.gpuHoursServed]] },
  {
    id: "revenue",
    title: "Revenue (payment token, and $)",
    series: [
      ["payment token", (p) => ocxNumber(p.revenue)],
      ["$", (p) => p.revenueUsd],
    ],
  },
  { id: "fees", title: "Fees burned (payment token)", series: [["fees", (p) => ocxNumber(p.fees)]] },
  {
    id: "credits",
    title: "Credits minted vs burned ($)",
    series: [
      ["minted", (p) => ocxNumber(p.creditsMinted ?? "0")],
      ["burned", (p) => ocxNumber(p.creditsBurned ?? "0")],
    ],
  },
  {
    id: "burn-emit",
    title: "OCX burned vs emitted",
    series: [
      ["burned", (p) => ocxNumber(p.ocxBurned)],
      ["emitted", (p) => ocxNumber(p.ocxEmitted)],
    ],
  },
  {
    id: "active",
    title: "Active providers and buyers",
    series: [
      ["providers", (p) => p.activeProviders],
      ["buyers", (p) => p.activeBuyers],
    ],
  },
  {
    id: "jobs",
    title: "Jobs by outcome",
    series: [
      ["completed", (p) => p.jobsCompleted],
      ["failed", (p) => p.jobsFailed],
      ["cancelled", (p) => p.jobsCancelled],
      ["no-shows", (p) => p.noShows],
    ],
  },
];

const state = { window: "24h", unit: "ocx", plots: new Map(), refreshing: null, again: false };
const $ = (selector) => document.querySelector(selector);

async function api(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 200);
    try {
      message = JSON.parse(text).error ?? message;
    } catch {}
    throw new Error(`${path}: HTTP ${response.status} ${message}`);
  }
  return JSON.parse(text);
}

function cell(row, text, attributes = {}) {
  const td = document.createElement("td");
  td.textContent = text;
  for (const [name, value] of Object.entries(attributes)) td.setAttribute(name, value);
  row.append(td);
  return td;
}

function fillTable(selector, items, columns, emptyText) {
  const body = $(`${selector} tbody`);
  const rows = items.map((item) => {
    const row = document.createElement("tr");
    for (const [text, attributes] of columns(item)) cell(row, text, attributes);
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement("tr");
    cell(row, emptyText, { colspan: String($(`${selector} thead tr`).children.length), class: "empty" });
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

function renderHeadline(totals) {
  const items = headlineFigures(totals, state.unit).map((figure) => {
    const box = document.createElement("div");
    box.dataset.figure = figure.key;
    const dt = document.createElement("dt");
    dt.textContent = figure.label;
    const dd = document.createElement("dd");
    dd.textContent = figure.text;
    dd.dataset.value = figure.value === null ? "" : String(figure.value);
    box.append(dt, dd);
    return box;
  });
  $("#headline").replaceChildren(...items);
  $("#window-label").textContent = `(${WINDOW_LABELS[state.window]})`;
}

const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 });

/** A y-axis tick: compact for large numbers (1B), significant digits for small OCX amounts (0.0003). */
function axisNumber(value) {
  if (value === null) return "";
  const magnitude = Math.abs(value);
  if (magnitude === 0) return "0";
  if (magnitude < 1) return String(Number(value.toPrecision(2)));
  return COMPACT.format(value);
}

/** The y axis's width in px: room for its longest tick label (about 8 px a character at the page's font). */
function axisWidth(_plot, values) {
  const longest = Math.max(1, ...(values ?? []).map((v) => String(v).length));
  return Math.min(96, 20 + longest * 8);
}

function chartWidth(figure) {
  return Math.max(200, figure.clientWidth - 16);
}

function renderCharts(series) {
  const xs = series.map((p) => p.start);
  for (const chart of CHARTS) {
    const data = [xs, ...chart.series.map(([, pick]) => series.map((p) => pick(p) ?? null))];
    let plot = state.plots.get(chart.id);
    if (plot) {
      plot.setData(data);
      continue;
    }
    const figure = document.createElement("figure");
    figure.id = `chart-${chart.id}`;
    const caption = document.createElement("figcaption");
    caption.textContent = chart.title;
    const canvasBox = document.createElement("div");
    canvasBox.setAttribute("role", "img");
    canvasBox.setAttribute(
      "aria-label",
      `${chart.title} over the selected window: ${chart.series.map(([l]) => l).join(", ")}`,
    );
    figure.append(caption, canvasBox);
    $("#charts").append(figure);
    plot = new uPlot(
      {
        width: chartWidth(figure),
        height: 180,
        series: [{}, ...chart.series.map(([label], i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2 }))],
        axes: [{}, { size: axisWidth, values: (_plot, ticks) => ticks.map(axisNumber) }],
        legend: { live: false },
      },
      data,
      canvasBox,
    );
    state.plots.set(chart.id, plot);
    new ResizeObserver(() => plot.setSize({ width: chartWidth(figure), height: 180 })).observe(figure);
  }
}

function renderPrices(models) {
  fillTable(
    "#prices",
    models,
    (m) => [
      [m.gpuModel, { "data-model": m.gpuModel }],
      [String(m.leases)],
      [formatMoney(m.median, state.unit, { symbol: false }), { "data-value": m.median }],
      [`${formatMoney(m.p25, state.unit, { symbol: false })} – ${formatMoney(m.p75, state.unit, { symbol: false })}`],
      [formatMoney(m.iqr, state.unit, { symbol: false }), { "data-value": m.iqr }],
    ],
    "No leases in the last 7 days.",
  );
}

function renderProviders(providers) {
  fillTable(
    "#providers",
    providers,
    (p) => [
      [shortAddress(p.address), { title: p.address, "data-address": p.address }],
      [p.region || "—"],
      [p.verified ? "✔ verified" : "not verified"],
      [p.reputation.toFixed(2), { "data-value": String(p.reputation) }],
      [formatPercent(p.uptime)],
      [String(p.leases), { "data-value": String(p.leases) }],
      [formatMoney(p.earnings, state.unit), { "data-value": p.earnings }],
    ],
    "No provider has registered yet.",
  );
}

function renderLeases(leases) {
  fillTable(
    "#leases",
    leases,
    (l) => [
      [`#${l.leaseId}`, { "data-lease": l.leaseId }],
      [l.state],
      [l.gpuCount > 0 ? `${l.gpuCount}× ${l.gpuModel}` : l.gpuModel || "cpu"],
      [shortAddress(l.provider), { title: l.provider }],
      [shortAddress(l.buyer), { title: l.buyer }],
      [formatMoney(BigInt(l.pricePerSecond) * 3600n, state.unit, { symbol: false })],
      [new Date((l.startedAt ?? l.createdAt) * 1000).toLocaleTimeString()],
    ],
    "No lease is running.",
  );
}

function renderProposals(proposals) {
  fillTable(
    "#proposals",
    proposals,
    (p) => [
      [
        p.description.length > 60 ? `${p.description.slice(0, 59)}…` : p.description,
        { title: p.description, "data-proposal": p.proposalId },
      ],
      [p.state, { "data-state": p.state }],
      [formatOcx(p.votes.for), { "data-value": p.votes.for }],
      [formatOcx(p.votes.against), { "data-value": p.votes.against }],
      [formatOcx(p.votes.abstain), { "data-value": p.votes.abstain }],
      [String(p.voteEnd)],
    ],
    "No proposal yet.",
  );
}

/** Reads every panel's data and draws it; a refresh asked for while one runs is done once it ends. */
async function refresh() {
  if (state.refreshing) {
    state.again = true;
    return state.refreshing;
  }
  state.refreshing = (async () => {
    try {
      const [metrics, prices, providers, leases, governance] = await Promise.all([
        api(`metrics/network?window=${state.window}`),
        api("prices?window=7d"),
        api("providers?sort=reputation"),
        api("leases?live=1&limit=50"),
        api("governance/proposals?limit=5"),
      ]);
      state.unit = metrics.unit ?? "ocx";
      for (const unitLabel of document.querySelectorAll("[data-unit]")) {
        unitLabel.textContent = state.unit === "usd" ? "$" : "OCX";
      }
      renderHeadline(metrics.totals);
      renderCharts(metrics.series);
      renderPrices(prices.models);
      renderProviders(providers.providers);
      renderLeases(leases.leases);
      renderProposals(governance.proposals);
      const block = metrics.block;
      if (block) {
        $("#block").textContent =
          `Indexed to block ${block.number} (${new Date(block.timestamp * 1000).toLocaleString()}).`;
        document.body.dataset.block = String(block.number);
      }
      document.body.dataset.window = state.window;
      const status = $("#status");
      if (status.classList.contains("error")) status.classList.remove("error");
    } catch (error) {
      const status = $("#status");
      status.className = "error";
      status.textContent = `could not read the indexer: ${error.message}; retrying on the next block`;
    } finally {
      state.refreshing = null;
      if (state.again) {
        state.again = false;
        refresh();
      }
    }
  })();
  return state.refreshing;
}

function listen() {
  const status = $("#status");
  const events = new EventSource("events");
  const onBlock = (message) => {
    try {
      const data = JSON.parse(message.data);
      const block = data.block ?? data;
      status.className = "live";
      status.textContent = `live: block ${block.number}`;
    } catch {}
    refresh();
  };
  events.addEventListener("block", onBlock);
  events.addEventListener("message", onBlock);
  events.addEventListener("open", () => {
    status.className = "live";
    status.textContent = "live";
  });
  events.addEventListener("error", () => {
    status.className = "error";
    status.textContent = "live updates interrupted; reconnecting…";
  });
}

for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => {
    state.window = button.dataset.window;
    for (const other of document.querySelectorAll("nav button"))
      other.setAttribute("aria-pressed", String(other === button));
    refresh();
  });
}

refresh();
listen();
