// The budget of `ocx mcp`: how --budget reads, and that a reservation past the limit is refused with the figures.
import { describe, expect, it } from "vitest";
import { Budget, OcxBudgetError, parseBudget } from "./budget.js";

const unit = { address: "0x0000000000000000000000000000000000000001", symbol: "OCXC", decimals: 18 } as const;

describe("parseBudget", () => {
  it("reads plain, dollar and symbol forms exactly", () => {
    expect(parseBudget("5", unit)).toBe(5n * 10n ** 18n);
    expect(parseBudget("$2.50", unit)).toBe(25n * 10n ** 17n);
    expect(parseBudget("0.000000000000000001 OCXC", unit)).toBe(1n);
  });

  it("refuses what is not an amount, or more precise than the token", () => {
    for (const bad of ["", "-1", "1e3", "five", "0.0000000000000000001", "$"]) {
      expect(() => parseBudget(bad, unit), bad).toThrow(/--budget must be an amount of OCXC/);
    }
  });
});

describe("Budget", () => {
  it("reserves up to the limit, then refuses naming the budget, what is spent and what was asked", () => {
    const budget = new Budget(10n ** 18n, unit);
    budget.reserve("run_job", 6n * 10n ** 17n, "a lease of offer #1");
    expect(budget.remaining).toBe(4n * 10n ** 17n);
    expect(() => budget.reserve("run_job", 5n * 10n ** 17n, "a lease of offer #1")).toThrow(OcxBudgetError);
    expect(() => budget.reserve("run_job", 5n * 10n ** 17n, "a lease of offer #1")).toThrow(
      "run_job refused: a lease of offer #1 may spend up to 0.5 OCXC, but this server's budget is 1 OCXC and 0.6 OCXC is already spent (0.4 OCXC left); no transaction was sent",
    );
    expect(budget.spent).toBe(6n * 10n ** 17n);
    budget.reserve("deploy_service", 4n * 10n ** 17n, "a service lease");
    expect(budget.snapshot()).toMatchObject({ limit: 10n ** 18n, spent: 10n ** 18n, remaining: 0n });
  });
});
