// The transition tables of the lease and bid reservation machines: every allowed move works and is
// persisted with its reason; every move not in the table throws, naming both states.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, createMetrics } from "@ocx/node-kit";
import { describe, expect, it } from "vitest";
import { RESERVATION_MACHINE, type ReservationState } from "../market/reservation.js";
import {
  FINAL_PHASES,
  LEASE_MACHINE,
  type LeasePhase,
  type MachineDefinition,
  recordMove,
  SERVICE_LEASE_MACHINE,
  TransitionError,
  transitionCounter,
} from "./machine.js";
import { ProviderStore } from "./store.js";

const openStore = () => new ProviderStore(path.join(mkdtempSync(path.join(tmpdir(), "ocx-machine-")), "provider.db"));

/** Inserts lease `id` and walks it along `path` of phases from pending, through the store's one path. */
function leaseAt(store: ProviderStore, id: bigint, route: LeasePhase[], machine = LEASE_MACHINE) {
  store.insertLease({
    id,
    buyer: "0x0000000000000000000000000000000000000001",
    offerId: 1n,
    requestId: 0n,
    pricePerSecond: 1n,
    deposit: 100n,
    manifestHash: `0x${"00".repeat(32)}`,
    ackDeadline: 0,
  });
  let from: LeasePhase = "pending";
  for (const to of route) {
    store.moveLease(id, from, to, machine.check(`lease ${id}`, from, to));
    from = to;
  }
}

/** A shortest route of moves from pending to `phase`, through the table. */
function routeTo(phase: LeasePhase, machine: MachineDefinition<LeasePhase> = LEASE_MACHINE): LeasePhase[] {
  const queue: LeasePhase[][] = [[]];
  while (queue.length > 0) {
    const route = queue.shift() as LeasePhase[];
    const at = route[route.length - 1] ?? "pending";
    if (at === phase) return route;
    for (const next of machine.next(at)) if (!route.includes(next)) queue.push([...route, next]);
  }
  throw new Error(`${phase} cannot be reached from pending`);
}

/** The phases a lease of this machine can be in. */
const reachable = (machine: MachineDefinition<LeasePhase>) =>
  machine.states.filter((phase) => {
    try {
      routeTo(phase, machine);
      return true;
    } catch {
      return false;
    }
  });

describe("the service lease machine", () => {
  const moves = reachable(SERVICE_LEASE_MACHINE).flatMap((from) =>
    SERVICE_LEASE_MACHINE.next(from).map((to) => [from, to] as const),
  );

  it("never finishes nor completes, and ends running leases only through stopping", () => {
    expect(reachable(SERVICE_LEASE_MACHINE)).not.toContain("finishing");
    expect(reachable(SERVICE_LEASE_MACHINE)).not.toContain("completed");
    expect(SERVICE_LEASE_MACHINE.next("running")).toEqual(["stopping"]);
    expect(SERVICE_LEASE_MACHINE.next("stopping").sort()).toEqual(["closed", "exhausted"]);
    expect(() => SERVICE_LEASE_MACHINE.check("lease 7", "running", "finishing")).toThrow(TransitionError);
  });

  it.each(moves)("allows %s → %s, persisting the move", (from, to) => {
    const store = openStore();
    leaseAt(store, 7n, routeTo(from, SERVICE_LEASE_MACHINE), SERVICE_LEASE_MACHINE);
    const moved = store.moveLease(7n, from, to, SERVICE_LEASE_MACHINE.check("lease 7", from, to));
    expect(moved.phase).toBe(to);
    expect(moved.finalAt !== null).toBe(FINAL_PHASES.includes(to));
    store.close();
  });
});

describe("the lease machine", () => {
  const moves = reachable(LEASE_MACHINE).flatMap((from) => LEASE_MACHINE.next(from).map((to) => [from, to] as const));
  const forbidden = LEASE_MACHINE.states.flatMap((from) =>
    LEASE_MACHINE.states.filter((to) => !LEASE_MACHINE.next(from).includes(to)).map((to) => [from, to] as const),
  );

  it("names every phase the SDK's clients know, and the final ones", () => {
    expect([...LEASE_MACHINE.states].sort()).toEqual(
      [
        "acknowledged",
        "cancelled",
        "closed",
        "completed",
        "exhausted",
        "failed",
        "finishing",
        "pending",
        "running",
        "stopping",
      ].sort(),
    );
    expect([...FINAL_PHASES].sort()).toEqual(["cancelled", "closed", "completed", "exhausted", "failed"]);
    // Every phase but the service lease's `stopping` is reachable from pending.
    expect(reachable(LEASE_MACHINE)).toEqual(LEASE_MACHINE.states.filter((p) => p !== "stopping"));
  });

  it.each(moves)("allows %s → %s, persisting the move with its reason", (from, to) => {
    const store = openStore();
    leaseAt(store, 7n, routeTo(from));
    const reason = LEASE_MACHINE.check("lease 7", from, to);
    const moved = store.moveLease(7n, from, to, reason);
    expect(moved.phase).toBe(to);
    expect(moved.message).toBe(reason);
    expect(store.transitions("lease", "7").at(-1)).toMatchObject({ from, to, reason });
    expect(moved.finalAt !== null).toBe(FINAL_PHASES.includes(to));
    store.close();
  });

  it.each(forbidden)("refuses %s → %s with an error naming both phases", (from, to) => {
    expect(() => LEASE_MACHINE.check("lease 7", from, to)).toThrow(TransitionError);
    expect(() => LEASE_MACHINE.check("lease 7", from, to)).toThrow(`from "${from}" to "${to}"`);
  });

  it("refuses a move from a phase the lease has already left (another path moved it first)", () => {
    const store = openStore();
    leaseAt(store, 8n, ["acknowledged", "running"]);
    expect(() => store.moveLease(8n, "acknowledged", "closed", "late")).toThrow(
      'lease 8 moved from "acknowledged" to "running" before it could move to "closed"',
    );
    store.close();
  });

  it("never lets a plain update change the phase", () => {
    const store = openStore();
    leaseAt(store, 9n, []);
    expect(() => store.updateLease(9n, { phase: "running" } as never)).toThrow("only through the lease machine");
    store.close();
  });

  it("counts each move in /metrics by machine and from/to", async () => {
    const metrics = createMetrics("test_");
    const counter = transitionCounter(metrics);
    const log = createLogger({ level: "error" });
    recordMove(LEASE_MACHINE, counter, log, { from: "running", to: "finishing", reason: "exited" });
    recordMove(LEASE_MACHINE, counter, log, { from: "running", to: "finishing", reason: "exited" });
    expect(transitionCounter(metrics)).toBe(counter);
    const text = await metrics.metrics();
    expect(text).toContain('ocx_provider_transitions_total{machine="lease",from="running",to="finishing"} 2');
  });
});

describe("the bid reservation machine", () => {
  const states = RESERVATION_MACHINE.states;
  const allowed: [ReservationState, ReservationState][] = [
    ["none", "reserved"],
    ["none", "skipped"],
    ["reserved", "bid"],
    ["reserved", "skipped"],
    ["reserved", "won"],
    ["reserved", "lost"],
    ["bid", "won"],
    ["bid", "lost"],
    ["bid", "expired"],
  ];

  it("allows exactly the moves of an order's life: reserve, price, bid, win/lose/expire, release", () => {
    const moves = states.flatMap((from) => RESERVATION_MACHINE.next(from).map((to) => [from, to]));
    expect(moves.sort()).toEqual([...allowed].sort());
    expect([...RESERVATION_MACHINE.finals].sort()).toEqual(["expired", "lost", "skipped", "won"]);
  });

  it.each(
    states.flatMap((from) =>
      states.filter((to) => !allowed.some(([f, t]) => f === from && t === to)).map((to) => [from, to] as const),
    ),
  )("refuses %s → %s, naming both states", (from, to) => {
    expect(() => RESERVATION_MACHINE.check("request 3", from, to)).toThrow(
      `reservation request 3 cannot move from "${from}" to "${to}"`,
    );
  });
});
