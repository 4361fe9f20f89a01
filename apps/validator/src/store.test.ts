import { describe, expect, it } from "vitest";
import { ValidatorStore } from "./store.js";

const provider = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;

describe("ValidatorStore", () => {
  it("keeps targets, challenges and every move with its reason", () => {
    const store = new ValidatorStore(":memory:");
    try {
      expect(store.addTarget({ provider, model: "cpu", gpuIndex: 0 }, 1000)).toBe(true);
      expect(store.addTarget({ provider, model: "cpu", gpuIndex: 0 }, 2000)).toBe(false);
      store.updateTarget({ provider, model: "cpu", gpuIndex: 0 }, { issuing: "challenge:x", nextDueAt: 5 });
      expect(store.getTarget({ provider, model: "cpu", gpuIndex: 0 })).toMatchObject({
        firstSeenAt: 1000,
        issuing: "challenge:x",
        nextDueAt: 5,
      });
      store.insertChallenge({ id: 7n, provider, model: "cpu", gpuIndex: 0, deadlineAt: 99, reason: "challenged" }, 10);
      store.moveChallenge(7n, "issued", "committed", "committed root 0xab");
      store.moveChallenge(7n, "committed", "responded", "responded");
      store.moveChallenge(7n, "responded", "disputing", "row 3 refused", {
        fault: "row-inconsistent",
        dispute: { kind: "row", row: 3 },
      });
      expect(store.openChallenges().map((c) => c.id)).toEqual([7n]);
      store.moveChallenge(7n, "disputing", "faulted", "slashed");
      expect(store.openChallenges()).toEqual([]);
      const record = store.getChallenge(7n);
      expect(record).toMatchObject({ state: "faulted", fault: "row-inconsistent", dispute: { kind: "row", row: 3 } });
      expect(record?.finalAt).not.toBeNull();
      expect(store.movesOf(7n).map((m) => m.to)).toEqual(["committed", "responded", "disputing", "faulted"]);
      expect(() => store.moveChallenge(7n, "issued", "committed", "again")).toThrow(/is faulted, not issued/);
      expect(store.countByState()).toEqual({ faulted: 1 });
    } finally {
      store.close();
    }
  });
});
