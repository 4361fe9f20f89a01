// Money for people in the market's payment token: dollars when it settles in credits ($1 each, 18 decimals), OCX
// when a deployment settles in OCX. Rounded down, never up.
import { isAddressEqual } from "viem";
import type { Deployment } from "../deployment.js";
import { formatOcx } from "../units.js";

/** The unit the market's amounts are in: "usd" (credits) or "ocx". */
export type PaymentUnit = "usd" | "ocx";

/**
 * The unit of `deployment`'s market: "usd" when its payment token is credits, "ocx" when it is OCX.
 * @example
 * paymentUnit(await loadDeployment(31337)); // "usd"
 */
export function paymentUnit(deployment: Pick<Deployment, "token" | "paymentToken">): PaymentUnit {
  return isAddressEqual(deployment.paymentToken, deployment.token) ? "ocx" : "usd";
}

/**
 * An amount of compute credits (18 decimals, 1e18 = $1) in dollars, rounded down to 6 decimals and shown with at
 * least cents: "$495.00", "$0.0015", "<$0.000001" for a tiny non-zero amount.
 * @example
 * formatUsd(8_640_000_000_000_000_000n) // "$8.64"
 */
export function formatUsd(wei: bigint): string {
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  const micros = magnitude / 10n ** 12n; // rounded down to $0.000001
  if (magnitude > 0n && micros === 0n) return `${sign}<$0.000001`;
  const whole = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${whole}.${fraction}`;
}

/**
 * An amount of the payment token in `unit`: "$1.08" (usd) or "1.08 OCX" (ocx). Default unit: usd.
 * @example
 * formatMoney(1_080_000_000_000_000_000n, "usd") // "$1.08"
 */
export function formatMoney(wei: bigint, unit: PaymentUnit = "usd"): string {
  return unit === "usd" ? formatUsd(wei) : formatOcx(wei);
}
