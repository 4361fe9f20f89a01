// `ocx stats` refusals, without a chain or an indexer: a bad --window and an indexer that does not answer.
// (Its figures against a real indexer and chain are checked in e2e/dashboard.test.ts.)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { headlineFigures } from "./stats.js";

const CLI = path.resolve("apps/cli/bin/ocx.js");
const ocx = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 30_000 });

describe("ocx stats", () => {
  it("refuses an unknown window, naming it and the ones it knows", () => {
    const run = ocx(["stats", "--window", "2d"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--window must be one of 1h, 24h, 7d, 30d, got "2d"');
  });

  it("says which indexer did not answer and what to do", () => {
    const run = ocx(["stats", "--indexer", "http://127.0.0.1:9"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("the indexer at http://127.0.0.1:9 did not answer /metrics/network?window=24h");
  });

  it("writes amounts rounded down to 6 decimals, as the dashboard", () => {
    const figures = headlineFigures({
      start: 0,
      end: 3600,
      utilization: 0.125,
      gpuSecondsLeased: 450,
      gpuSecondsOffered: 3600,
      gpuHoursServed: 0.125,
      revenue: "1999999999999999999",
      revenueUsd: null,
      fees: "1",
      ocxBurned: "0",
      ocxEmitted: "5000000000000000000",
      creditsMinted: "0",
      creditsBurned: "0",
      activeProviders: 1,
      activeBuyers: 2,
      jobsCompleted: 3,
      jobsFailed: 1,
      jobsCancelled: 0,
      medianRequestToRunningSeconds: 4.4,
      noShows: 0,
    });
    const text = Object.fromEntries(figures.map((f) => [f.key, f.text]));
    expect(text).toMatchObject({
      utilization: "12.5%",
      revenue: "1.999999 OCX",
      revenueUsd: "— (no price feed)",
      fees: "<0.000001 OCX",
      ocxEmitted: "5 OCX",
      medianRequestToRunningSeconds: "4 s",
    });
  });
});
