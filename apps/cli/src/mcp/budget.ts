// The spending limit of `ocx mcp`: the human sets it at start (--budget); every tool that can move money reserves
// the most it can spend (a lease's deposit) before any transaction, and a call past the limit is refused with the
// budget, what is spent, what is reserved and what was asked. What is spent and reserved is kept in a SQLite file,
// per chain, account and budget name, so a restarted server (or a second one) counts what the first one spent.
import os from "node:os";
import path from "node:path";
import { openStore, type Store } from "@ocx/node-kit";
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

/** `--budget` without its "$" or trailing symbol, or a usage error when it is not a decimal amount at all. */
function budgetDigits(text: string, symbol = "[A-Za-z]+"): string {
  const plain = text
    .trim()
    .replace(/^\$/, "")
    .replace(new RegExp(`\\s*${symbol}$`, "i"), "")
    .trim();
  if (!/^\d+(\.\d+)?$/.test(plain)) {
    throw new OcxUsageError(
      `--budget must be an amount of the marketplace's payment token such as "5" or "$2.50", got "${text}"`,
    );
  }
  return plain;
}

/**
 * Checks that `--budget` reads as an amount before the payment token is known (its symbol and decimals are read
 * from the chain later); `parseBudget` reads it exactly then.
 * @example
 * checkBudgetText("$2.50"); // fine
 * checkBudgetText("five"); // throws OcxUsageError
 */
export function checkBudgetText(text: string): void {
  budgetDigits(text);
}

/**
 * Reads `--budget`: a decimal amount of the payment token, optionally written with a leading "$" (credits are
 * dollars) or a trailing symbol ("5 OCX"). Exact: more decimals than the token has are refused, not rounded.
 * @example
 * parseBudget("$2.5", { address, symbol: "OCXC", decimals: 18 }); // 2_500_000_000_000_000_000n
 */
export function parseBudget(text: string, unit: PaymentUnit): bigint {
  const usage = () =>
    new OcxUsageError(
      `--budget must be an amount of ${unit.symbol} such as "5" or "$2.50" (at most ${unit.decimals} decimals), got "${text}"`,
    );
  let plain: string;
  try {
    plain = budgetDigits(text, unit.symbol.replace(/[^A-Za-z0-9]/g, ""));
  } catch {
    throw usage();
  }
  if ((plain.split(".")[1]?.length ?? 0) > unit.decimals) throw usage();
  return parseUnits(plain, unit.decimals);
}

/** Formats an amount of the payment token, exact (no rounding): "2.5 OCXC". */
export function formatAmount(amount: bigint, unit: PaymentUnit): string {
  return `${formatUnits(amount, unit.decimals)} ${unit.symbol}`;
}

/**
 * The file the budgets are kept in when `--budget-file` is not given: `mcp-budget.db` beside the wallets, in
 * `$OCX_HOME` or `~/.ocx`.
 */
export function defaultBudgetFile(): string {
  return path.join(process.env.OCX_HOME ?? path.join(os.homedir(), ".ocx"), "mcp-budget.db");
}

/** Whose budget a server counts against: one chain, one account, one name (`--budget-name`). */
export interface BudgetKey {
  chainId: number;
  account: `0x${string}`;
  name: string;
}

/**
 * One amount held against a budget. `reserved`: a tool call's most, before its lease exists; `leased`: the deposit
 * of lease `leaseId`, until it ends; `settled`: what the ended lease cost; `released`: nothing (no transaction
 * was sent, or the budget was reset; the amount is kept for the record).
 */
export interface BudgetHold {
  id: number;
  tool: string;
  what: string;
  state: "reserved" | "leased" | "settled" | "released";
  amount: bigint;
  leaseId: bigint | null;
  /** The block the lease was created in: its bill is read from there. */
  fromBlock: bigint | null;
}

/** What `Budget.snapshot` reports (amounts in the token's smallest units). */
export interface BudgetSnapshot {
  name: string;
  limit: bigint;
  /** What ended leases cost. */
  spent: bigint;
  /** Held for calls in flight and leases still open (their deposits). */
  reserved: bigint;
  /** limit − spent − reserved, or 0. */
  remaining: bigint;
  symbol: string;
  decimals: number;
}

const MIGRATIONS = [
  `CREATE TABLE hold (
     id INTEGER PRIMARY KEY,
     chain_id INTEGER NOT NULL,
     account TEXT NOT NULL,
     name TEXT NOT NULL,
     tool TEXT NOT NULL,
     what TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('reserved', 'leased', 'settled', 'released')),
     amount TEXT NOT NULL,
     lease_id TEXT,
     from_block TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX hold_budget ON hold (chain_id, account, name, state);`,
];

interface HoldRow {
  id: number;
  tool: string;
  what: string;
  state: BudgetHold["state"];
  amount: string;
  lease_id: string | null;
  from_block: string | null;
}

const toHold = (row: HoldRow): BudgetHold => ({
  id: row.id,
  tool: row.tool,
  what: row.what,
  state: row.state,
  amount: BigInt(row.amount),
  leaseId: row.lease_id === null ? null : BigInt(row.lease_id),
  fromBlock: row.from_block === null ? null : BigInt(row.from_block),
});

const now = () => Math.floor(Date.now() / 1000);

/**
 * The ledger of one budget (chain, account, name) in a SQLite file that outlives the server. `reserve` checks and
 * records in one immediate transaction, so neither two calls in flight nor two servers on the same file can both
 * pass a limit only one of them fits. A lease's deposit stays held until the lease ends; then `settle` replaces it
 * with what the lease cost, and the rest is free again. Amounts are stored as decimal text and added exactly.
 * @example
 * const budget = Budget.open(defaultBudgetFile(), { chainId, account, name: "default" }, limit, unit);
 * const hold = budget.reserve("run_job", deposit, "a lease of offer #1");
 * budget.lease(hold, leaseId, deposit, fromBlock);
 * budget.settle(hold, paid); // the rest of the deposit is free again
 */
export class Budget {
  readonly #db: Store;
  readonly #key: [number, string, string];

  private constructor(
    db: Store,
    readonly key: BudgetKey,
    readonly limit: bigint,
    readonly unit: PaymentUnit,
  ) {
    this.#db = db;
    this.#key = [key.chainId, key.account.toLowerCase(), key.name];
  }

  /** Opens (or creates) the ledger file and the budget `key` in it; `limit` is this start's --budget. */
  static open(file: string, key: BudgetKey, limit: bigint, unit: PaymentUnit): Budget {
    let db: Store;
    try {
      db = openStore(file, MIGRATIONS);
    } catch (error) {
      throw new OcxUsageError(
        `cannot open the budget file ${file}: ${(error as Error).message}; give another with --budget-file`,
        { cause: error },
      );
    }
    return new Budget(db, key, limit, unit);
  }

  /** The holds that count against this budget (all but released ones). */
  holds(): BudgetHold[] {
    return (
      this.#db
        .prepare(
          "SELECT id, tool, what, state, amount, lease_id, from_block FROM hold WHERE chain_id = ? AND account = ? AND name = ? AND state != 'released' ORDER BY id",
        )
        .all(...this.#key) as HoldRow[]
    ).map(toHold);
  }

  /** The leases whose deposits are held: each to be settled once it ends. */
  openLeases(): BudgetHold[] {
    return this.holds().filter((h) => h.state === "leased");
  }

  snapshot(): BudgetSnapshot {
    let spent = 0n;
    let reserved = 0n;
    for (const hold of this.holds()) {
      if (hold.state === "settled") spent += hold.amount;
      else reserved += hold.amount;
    }
    const used = spent + reserved;
    return {
      name: this.key.name,
      limit: this.limit,
      spent,
      reserved,
      remaining: this.limit > used ? this.limit - used : 0n,
      symbol: this.unit.symbol,
      decimals: this.unit.decimals,
    };
  }

  /**
   * Holds `amount` for `tool` and returns the hold's id, or throws `OcxBudgetError` naming the budget, what is
   * spent and reserved, and what was asked, when it does not fit. Call it before sending any transaction.
   */
  reserve(tool: string, amount: bigint, what: string): number {
    return this.#db
      .transaction(() => {
        const budget = this.snapshot();
        if (amount > budget.remaining) {
          const f = (a: bigint) => formatAmount(a, this.unit);
          throw new OcxBudgetError(
            `${tool} refused: ${what} may spend up to ${f(amount)}, but the budget "${budget.name}" is ${f(this.limit)} ` +
              `and ${f(budget.spent)} is already spent and ${f(budget.reserved)} reserved for open leases ` +
              `(${f(budget.remaining)} left); no transaction was sent`,
            {
              hint:
                "ask for less (a shorter maxDuration or fewer hours), or wait for an open lease to end (its unused " +
                "escrow frees the budget), or ask the human to restart `ocx mcp` with a larger --budget",
            },
          );
        }
        const t = now();
        return Number(
          this.#db
            .prepare(
              "INSERT INTO hold (chain_id, account, name, tool, what, state, amount, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?, ?)",
            )
            .run(...this.#key, tool, what, amount.toString(), t, t).lastInsertRowid,
        );
      })
      .immediate();
  }

  /** The reservation became lease `leaseId` with `deposit` in escrow (at most what was reserved: the rest is freed). */
  lease(id: number, leaseId: bigint, deposit: bigint, fromBlock: bigint): void {
    this.#db
      .prepare(
        "UPDATE hold SET state = 'leased', amount = ?, lease_id = ?, from_block = ?, updated_at = ? WHERE id = ? AND state = 'reserved'",
      )
      .run(deposit.toString(), leaseId.toString(), fromBlock.toString(), now(), id);
  }

  /** The lease ended: what it cost replaces its deposit (at most the deposit), the rest is free again. Returns the hold. */
  settle(id: number, cost: bigint): BudgetHold | undefined {
    return this.#db
      .transaction(() => {
        const row = this.#db
          .prepare("SELECT id, tool, what, state, amount, lease_id, from_block FROM hold WHERE id = ?")
          .get(id) as HoldRow | undefined;
        if (row?.state !== "leased") return undefined;
        const held = BigInt(row.amount);
        const amount = cost < held ? cost : held;
        this.#db
          .prepare("UPDATE hold SET state = 'settled', amount = ?, updated_at = ? WHERE id = ?")
          .run(amount.toString(), now(), id);
        return { ...toHold(row), state: "settled" as const, amount };
      })
      .immediate();
  }

  /** Nothing was sent for this reservation: it no longer counts. */
  release(id: number): void {
    this.#db
      .prepare("UPDATE hold SET state = 'released', updated_at = ? WHERE id = ? AND state = 'reserved'")
      .run(now(), id);
  }

  /** Forgets everything this budget holds (`--budget-reset`); returns how many holds were dropped. */
  reset(): number {
    return this.#db
      .prepare(
        "UPDATE hold SET state = 'released', updated_at = ? WHERE chain_id = ? AND account = ? AND name = ? AND state != 'released'",
      )
      .run(now(), ...this.#key).changes;
  }

  close(): void {
    this.#db.close();
  }
}
