// Query parameters of the API's routes: each read and checked before the database is, a bad one thrown as
// BadRequest (answered 400 with a message naming it, what it got and what it takes).
import type { MetricsWindow } from "@ocx/sdk";
import { toLabel } from "@ocx/sdk";
import type { Context } from "hono";
import { getAddress, isAddress } from "viem";

/** A query parameter that is not what its route takes: answered 400 with this message. */
export class BadRequest extends Error {}

/** The metrics windows, in seconds. */
export const WINDOWS: Record<MetricsWindow, number> = { "1h": 3600, "24h": 86_400, "7d": 604_800, "30d": 2_592_000 };

/** `?window=` (1h, 24h, 7d, 30d), `fallback` when absent. */
export function windowOf(value: string | undefined, fallback: MetricsWindow): MetricsWindow {
  if (value === undefined) return fallback;
  if (!(value in WINDOWS)) throw new BadRequest(`window must be one of 1h, 24h, 7d, 30d, got ${JSON.stringify(value)}`);
  return value as MetricsWindow;
}

/** An integer query parameter from `min` to `max`, `fallback` when absent or empty. */
export function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BadRequest(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** 1/true or 0/false; undefined when absent. */
export function boolParam(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new BadRequest(`${name} must be 1 or 0 (true or false), got ${JSON.stringify(raw)}`);
}

/** A number from 0 to 1 (a share, a reputation), as decimal text. */
export function fractionParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || !(n >= 0 && n <= 1)) {
    throw new BadRequest(`${name} must be a number from 0 to 1 (e.g. 0.6), got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** An address, checksummed; undefined when absent. */
export function addressParam(value: string | undefined, name: string): `0x${string}` | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isAddress(value))
    throw new BadRequest(`${name} must be an address (0x + 40 hex digits), got ${JSON.stringify(value)}`);
  return getAddress(value);
}

/** A label ("h100", "eu-west") as its bytes32; undefined when absent. */
export function labelParam(value: string | undefined, name: string): `0x${string}` | undefined {
  if (value === undefined || value === "") return undefined;
  try {
    return toLabel(value);
  } catch {
    throw new BadRequest(
      `${name} must be a label of at most 31 printable ASCII characters, got ${JSON.stringify(value)}`,
    );
  }
}
