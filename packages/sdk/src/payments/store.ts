// The payee's durable books: per payer, what it owes (cumulative), what was redeemed, and its latest voucher.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { type Address, getAddress, type Hex } from "viem";
import { OcxUsageError } from "../errors.js";
import type { SignedVoucher } from "./voucher.js";

/** One payer's account at the payee. Amounts are cumulative since the channel opened. */
export interface PayerAccount {
  payer: Address;
  /** Charged in all (≤ the latest voucher's cumulativeAmount). */
  owed: bigint;
  /** Redeemed on-chain in all, as far as this payee knows. */
  redeemed: bigint;
  /** The voucher with the largest cumulativeAmount seen. */
  latest?: SignedVoucher;
}

/** SQLite books (better-sqlite3, WAL). Amounts are stored as decimal text: they exceed 2^63. */
export class PaymentStore {
  private readonly db: Database.Database;

  /**
   * @param payee the payee these books belong to (every stored voucher names it)
   * @param options.existing books that must already be there: a file that is not a payee's books (no such file, or
   * a SQLite database without its table) is refused with `OcxUsageError` instead of becoming empty books
   */
  constructor(
    file: string,
    private readonly payee: Address,
    options: { existing?: boolean } = {},
  ) {
    if (options.existing) {
      if (!existsSync(file)) throw new OcxUsageError(`${file}: no such file`);
    } else if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    if (options.existing) {
      const held = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'payer_account'").get();
      if (held === undefined) {
        this.db.close();
        throw new OcxUsageError(
          `${file} is a SQLite database, but not a payee's books: it has no payer_account table`,
          {
            hint: "give the model server's books: the file it was started with as --store",
          },
        );
      }
    }
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`CREATE TABLE IF NOT EXISTS payer_account (
      payer TEXT PRIMARY KEY,
      owed TEXT NOT NULL,
      redeemed TEXT NOT NULL,
      cumulative TEXT,
      signature TEXT
    )`);
  }

  /** The account of `payer` (zeros when unknown). */
  get(payer: Address): PayerAccount {
    const row = this.db
      .prepare("SELECT owed, redeemed, cumulative, signature FROM payer_account WHERE payer = ?")
      .get(payer.toLowerCase()) as
      | { owed: string; redeemed: string; cumulative: string | null; signature: string | null }
      | undefined;
    if (!row) return { payer, owed: 0n, redeemed: 0n };
    return {
      payer,
      owed: BigInt(row.owed),
      redeemed: BigInt(row.redeemed),
      latest:
        row.cumulative !== null && row.signature !== null
          ? {
              voucher: { payer, payee: this.payee, cumulativeAmount: BigInt(row.cumulative) },
              signature: row.signature as Hex,
            }
          : undefined,
    };
  }

  /** Every payer with something owed and not yet redeemed. */
  unredeemed(): Address[] {
    const rows = this.db.prepare("SELECT payer, owed, redeemed FROM payer_account").all() as {
      payer: Address;
      owed: string;
      redeemed: string;
    }[];
    return rows.filter((r) => BigInt(r.owed) > BigInt(r.redeemed)).map((r) => getAddress(r.payer));
  }

  /** Writes `account` (owed, redeemed and latest voucher) in one statement. */
  put(account: PayerAccount): void {
    this.db
      .prepare(
        `INSERT INTO payer_account (payer, owed, redeemed, cumulative, signature) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(payer) DO UPDATE SET owed = excluded.owed, redeemed = excluded.redeemed,
           cumulative = excluded.cumulative, signature = excluded.signature`,
      )
      .run(
        account.payer.toLowerCase(),
        account.owed.toString(),
        account.redeemed.toString(),
        account.latest?.voucher.cumulativeAmount.toString() ?? null,
        account.latest?.signature ?? null,
      );
  }

  close(): void {
    this.db.close();
  }
}
