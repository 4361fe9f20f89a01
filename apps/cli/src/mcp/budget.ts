// The spending limit of one `ocx mcp` server: the human sets it at start (--budget), every tool that can move
// money reserves the most it can spend (a lease's deposit) before any transaction is sent, and a call past the
// limit is refused with the budget, what is spent and what was asked.
import { OcxError, OcxUsageError } from "@ocx/sdk";
import { formatUnits, parseUnits } from "viem";

/** The token the marketplace settles in (`deployment.paymentToken`), as amounts are shown. */
export interface PaymentUnit {
  address: `0x${string}`;
  symbol: string;
  decimals: number;
}

/** A tool call refused because it could spend more than the budget has left (no transaction was sent). */
export class OcxBudgetError extends OcxError {
  override name = "OcxBudgetError";
}

/**
 * Reads `--budget`: a decimal amount of the payment token, optionally written with a leading "$" (credits are
 * dollars) or a trailing symbol ("5 OCX"). Exact: more decimals than the token has are refused, not rounded.
 * @example
 * parseBudget("$2.5", { address, symbol: "OCXC", decimals: 18 }); // 2_500_000_000_000_000_000n
 */
export function parseBudget(text: string, unit: PaymentUnit): bigint {
  const plain = text
    .trim()
    .replace(/^\$/, "")
    .replace(new RegExp(`\\s*${unit.symbol.replace(/[^A-Za-z0-9]/g, "")}$`, "i"), "")
    .trim();
  const decimals = plain.split(".")[1]?.length ?? 0;
  if (!/^\d+(\.\d+)?$/.test(plain) || decimals > unit.decimals) {
    throw new OcxUsageError(
      `--budget must be an amount of ${unit.symbol} such as "5" or "$2.50" (at most ${unit.decimals} decimals), got "${text}"`,
    );
  }
  return parseUnits(plain, unit.decimals);
}

/** Formats an amount of the payment token, exact (no rounding): "2.5 OCXC". */
export function formatAmount(amount: bigint, unit: PaymentUnit): string {
  return `${formatUnits(amount, unit.decimals)} ${unit.symbol}`;
}

/** What `Budget.snapshot` reports. */
export interface BudgetSnapshot {
  limit: bigint;
  spent: bigint;
  remaining: bigint;
  symbol: string;
  decimals: number;
}

/**
 * The running total of one server start. `reserve` is synchronous (check and add in one step), so two calls in
 * flight cannot both pass a limit only one of them fits. A reservation is never given back, not even when the
 * lease later refunds part of its escrow: the budget bounds what the agent may put at risk, not what it ends up
 * paying.
 */
export class Budget {
  #spent = 0n;

  constructor(
    readonly limit: bigint,
    readonly unit: PaymentUnit,
  ) {}

  get spent(): bigint {
    return this.#spent;
  }

  get remaining(): bigint {
    return this.limit > this.#spent ? this.limit - this.#spent : 0n;
  }

  /**
   * Counts `amount` as spent by `tool`, or throws `OcxBudgetError` naming the budget, what is spent and what was
   * asked, when it does not fit. Call it before sending any transaction.
   */
  reserve(tool: string, amount: bigint, what: string): void {
    if (amount > this.remaining) {
      throw new OcxBudgetError(
        `${tool} refused: ${what} may spend up to ${formatAmount(amount, this.unit)}, but this server's budget is ` +
          `${formatAmount(this.limit, this.unit)} and ${formatAmount(this.#spent, this.unit)} is already spent ` +
          `(${formatAmount(this.remaining, this.unit)} left); no transaction was sent`,
        {
          hint: "ask for less (a shorter maxDuration or fewer hours), or ask the human to restart `ocx mcp` with a larger --budget",
        },
      );
    }
    this.#spent += amount;
  }

  snapshot(): BudgetSnapshot {
    return {
      limit: this.limit,
      spent: this.#spent,
      remaining: this.remaining,
      symbol: this.unit.symbol,
      decimals: this.unit.decimals,
    };
  }
}
