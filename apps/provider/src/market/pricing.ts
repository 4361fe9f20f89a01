// How the node prices its bids on buyers' requests: a strategy behind one interface.
import { spawn } from "node:child_process";
import { fromLabel, perHourToPerSecond, type ResourceBundle } from "@ocx/sdk";
import { parseEther } from "viem";
import type { PricingConfig } from "../config.js";

/** A request as a pricing strategy sees it (amounts in wei, as decimal strings in the script's JSON). */
export interface PricingRequest {
  requestId: bigint;
  buyer: `0x${string}`;
  gpuModel: string;
  gpuCount: number;
  gpuVramMiB: number;
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
  region: string;
  maxPricePerSecond: bigint;
  deposit: bigint;
  biddingDeadline: number;
  /** Share of this node's GPUs in use, 0–1. */
  utilization: number;
}

/** Prices a request: the bid per second for the whole bundle, or null to not bid. */
export interface PricingStrategy {
  readonly name: string;
  price(request: PricingRequest): Promise<bigint | null>;
}

const units = (gpuCount: number) => BigInt(Math.max(gpuCount, 1));

/**
 * A configured price per GPU-hour, marked up with utilization: `price × (1 + markup × utilization)`.
 * @example
 * fixedPricing({ pricePerGpuHour: parseEther("2"), utilizationMarkup: 0.5 }) // 2 OCX idle, 3 OCX when full
 */
export function fixedPricing(options: { pricePerGpuHour: bigint; utilizationMarkup: number }): PricingStrategy {
  return {
    name: "fixed",
    async price(request) {
      const markupBps = BigInt(Math.round(options.utilizationMarkup * request.utilization * 10_000));
      const perHour = (options.pricePerGpuHour * units(request.gpuCount) * (10_000n + markupBps)) / 10_000n;
      const perSecond = perHourToPerSecond(perHour);
      return perSecond > 0n ? perSecond : null;
    },
  };
}

/**
 * Runs the provider's own program for each request: it gets the request as JSON on stdin (with the
 * buyer's address, for allow-lists and discounts) and prints a price per GPU-hour in OCX, or `skip`.
 * @example
 * scriptPricing({ command: "./price.sh", timeoutMs: 2000 })
 */
export function scriptPricing(options: { command: string; timeoutMs: number }): PricingStrategy {
  return {
    name: "script",
    price(request) {
      return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", options.command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`pricing script took longer than ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        child.stdout.on("data", (d) => {
          stdout += d;
        });
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          const answer = stdout.trim();
          if (code !== 0) return reject(new Error(`pricing script exited with ${code}: ${stderr.trim()}`));
          if (answer === "skip") return resolve(null);
          if (!/^\d+(\.\d{1,18})?$/.test(answer)) {
            return reject(
              new Error(`pricing script printed "${answer}"; expected a price in OCX per GPU-hour or "skip"`),
            );
          }
          const perSecond = perHourToPerSecond(parseEther(answer) * units(request.gpuCount));
          resolve(perSecond > 0n ? perSecond : null);
        });
        child.stdin.end(JSON.stringify(request, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
      });
    },
  };
}

/** The strategy a config names. */
export function pricingFrom(config: PricingConfig): PricingStrategy {
  return config.type === "fixed"
    ? fixedPricing({ pricePerGpuHour: config.pricePerGpuHour, utilizationMarkup: config.utilizationMarkup })
    : scriptPricing({ command: config.command, timeoutMs: config.timeoutMs });
}

/** Decodes a request's requirements into what a strategy sees. */
export function pricingRequestOf(
  requestId: bigint,
  request: {
    buyer: `0x${string}`;
    maxPricePerSecond: bigint;
    deposit: bigint;
    biddingDeadline: number;
    requirements: ResourceBundle;
  },
  utilization: number,
): PricingRequest {
  const r = request.requirements;
  return {
    requestId,
    buyer: request.buyer,
    gpuModel: fromLabel(r.gpuModel),
    gpuCount: r.gpuCount,
    gpuVramMiB: r.gpuVramMiB,
    cpuMillicores: r.cpuMillicores,
    memoryMiB: r.memoryMiB,
    diskMiB: r.diskMiB,
    region: fromLabel(r.region),
    maxPricePerSecond: request.maxPricePerSecond,
    deposit: request.deposit,
    biddingDeadline: request.biddingDeadline,
    utilization,
  };
}
