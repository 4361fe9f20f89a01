// The budget of `ocx mcp`: how --budget reads, and the ledger in its SQLite file — a reservation past the limit
// refused with the figures, a lease's bill replacing its deposit, the totals surviving a reopen (a restart), two
// ledgers on one file (two servers) unable to pass the limit together, and --budget-reset.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Budget, checkBudgetText, OcxBudgetError, parseBudget } from "./budget.js";

const unit = { address: "0x0000000000000000000000000000000000000001", symbol: "OCXC", decimals: 18 } as const;
const ONE = 10n ** 18n;
const key = { chainId: 31337, account: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", name: "default" } as const;

describe("parseBudget", () => {
  it("reads plain, dollar and symbol forms exactly", () => {
    expect(parseBudget("5", unit)).toBe(5n * ONE);
    expect(parseBudget("$2.50", unit)).toBe(25n * 10n ** 17n);
    expect(parseBudget("0.000000000000000001 OCXC", unit)).toBe(1n);
  });

  it("refuses what is not an amount, or more precise than the token", () => {
    for (const bad of ["", "-1", "1e3", "five", "0.0000000000000000001", "$", "5 OCX"]) {
      expect(() => parseBudget(bad, unit), bad).toThrow(/--budget must be an amount of OCXC/);
    }
    for (const bad of ["", "-1", "1e3", "five", "$"]) expect(() => checkBudgetText(bad), bad).toThrow(/--budget/);
    expect(() => checkBudgetText("$2.50")).not.toThrow();
  });
});

describe("Budget", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-budget-"));
    file = path.join(dir, "budget.db");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reserves up to the limit, then refuses naming the budget, what is spent, reserved and asked", () => {
    const budget = Budget.open(file, { ...key, name: "refusal" }, ONE, unit);
    budget.reserve("run_job", 6n * 10n ** 17n, "a lease of offer #1");
    expect(budget.snapshot()).toMatchObject({ spent: 0n, reserved: 6n * 10n ** 17n, remaining: 4n * 10n ** 17n });
    expect(() => budget.reserve("run_job", 5n * 10n ** 17n, "a lease of offer #1")).toThrow(OcxBudgetError);
    expect(() => budget.reserve("run_job", 5n * 10n ** 17n, "a lease of offer #1")).toThrow(
      'run_job refused: a lease of offer #1 may spend up to 0.5 OCXC, but the budget "refusal" is 1 OCXC and 0 OCXC is already spent and 0.6 OCXC reserved for open leases (0.4 OCXC left); no transaction was sent',
    );
    budget.reserve("deploy_service", 4n * 10n ** 17n, "a service lease");
    expect(budget.snapshot()).toMatchObject({ limit: ONE, reserved: ONE, remaining: 0n });
    budget.close();
  });

  it("replaces a lease's deposit by its bill when it ends, and releases what was never sent", () => {
    const budget = Budget.open(file, { ...key, name: "bill" }, ONE, unit);
    const hold = budget.reserve("run_job", ONE, "a lease of offer #1");
    budget.lease(hold, 7n, 9n * 10n ** 17n, 100n); // a quote below the posted price: less in escrow
    expect(budget.snapshot()).toMatchObject({ spent: 0n, reserved: 9n * 10n ** 17n });
    expect(budget.openLeases()).toEqual([expect.objectContaining({ leaseId: 7n, fromBlock: 100n })]);
    expect(budget.settle(hold, 123n)).toMatchObject({ state: "settled", amount: 123n });
    expect(budget.settle(hold, 123n)).toBeUndefined(); // once
    expect(budget.snapshot()).toMatchObject({ spent: 123n, reserved: 0n, remaining: ONE - 123n });
    const failed = budget.reserve("run_job", 5n, "a lease of offer #1");
    budget.release(failed);
    expect(budget.snapshot()).toMatchObject({ spent: 123n, reserved: 0n });
    budget.close();
  });

  it("survives a reopen, is shared by two ledgers on one file, and --budget-reset forgets it", () => {
    const first = Budget.open(file, { ...key, name: "shared" }, ONE, unit);
    const second = Budget.open(file, { ...key, name: "shared" }, ONE, unit);
    first.reserve("run_job", 7n * 10n ** 17n, "a lease");
    expect(() => second.reserve("run_job", 7n * 10n ** 17n, "a lease")).toThrow(OcxBudgetError);
    first.close();
    const reopened = Budget.open(file, { ...key, name: "shared" }, 2n * ONE, unit);
    expect(reopened.snapshot()).toMatchObject({ reserved: 7n * 10n ** 17n, remaining: 13n * 10n ** 17n });
    // Another name, account or chain is another budget.
    const other = Budget.open(file, { ...key, account: "0x0000000000000000000000000000000000000002" }, ONE, unit);
    expect(other.snapshot().reserved).toBe(0n);
    expect(reopened.reset()).toBe(1);
    expect(second.snapshot()).toMatchObject({ reserved: 0n, remaining: ONE });
    for (const budget of [second, reopened, other]) budget.close();
  });
});
