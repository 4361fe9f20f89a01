// State machines with an explicit transition table, in the spirit of akash's bidengine/order.go:
// every state and every allowed move is named in one table, a move not in it throws (naming both
// states), and each move is persisted, logged with its reason and counted in /metrics.
import {
  type Counter,
  defineMachine,
  type MachineDefinition,
  transitionCounter as nodeKitTransitionCounter,
  type Registry,
} from "@ocx/node-kit";
import type { ProviderLeaseStatus } from "@ocx/sdk";

export {
  defineMachine,
  type MachineDefinition,
  recordMove,
  TransitionError,
  type TransitionTable,
} from "@ocx/node-kit";

/** Where a lease stands on this node (the SDK's type, shared with the node's clients). */
export type LeasePhase = ProviderLeaseStatus["phase"];

/**
 * The lease machine. The happy batch lease: pending (seen on-chain) → acknowledged (payment runs;
 * waiting for the manifest and inputs) → running → finishing (the workload exited; packing outputs,
 * completing on-chain) → completed. A lease taken through a provider-signed quote is created
 * already active and moves pending → acknowledged without a transaction.
 *
 * A service lease (kind "service") has its own table, {@link SERVICE_LEASE_MACHINE}: it never
 * finishes nor completes. `stopping` belongs to it only; here it has no way in.
 *
 * Room for what comes next, without a rewrite:
 * - Validator challenges and checkpoints are sub-states of `running` ("challenged",
 *   "checkpointing"): a second, small machine over a `sub_phase` column, entered and left while
 *   the lease stays `running`, so billing and the escrow watch, which look at the phase, need no change.
 */
export const LEASE_MACHINE = defineMachine<LeasePhase>("lease", {
  pending: {
    acknowledged: "acknowledged on-chain (or created active by a signed quote)",
    cancelled: "the buyer cancelled, or the acknowledgement deadline passed",
    closed: "the lease closed on-chain before the node acknowledged it",
    failed: "the node cannot run it (no free GPUs): not acknowledged, the buyer can cancel for a full refund",
  },
  acknowledged: {
    running: "the buyer started the job",
    closed: "the buyer closed the lease before starting it",
    exhausted: "the escrow ran out before the job started",
    cancelled: "the lease was cancelled on-chain",
    failed: "the node could not start the workload",
  },
  running: {
    running: "the workload was restarted after a node restart, as its manifest allows",
    finishing: "the workload exited; packing outputs and completing on-chain",
    closed: "the buyer closed the lease; workload stopped",
    exhausted: "the escrow ran out; workload stopped",
  },
  finishing: {
    completed: "completed on-chain with the result hash",
    closed: "the lease closed on-chain before the node completed it",
    exhausted: "the escrow ran out before the node completed it",
  },
  // A service lease's state only (see SERVICE_LEASE_MACHINE): no batch move leads here.
  stopping: {
    closed: "its services are stopped",
    exhausted: "its services are stopped",
  },
  completed: {},
  cancelled: {},
  closed: {},
  exhausted: {},
  failed: {},
});

/**
 * The service lease machine: pending → acknowledged → running (its services start, restart and
 * are supervised while the lease is paid) → stopping (the buyer closed it, or its escrow ran
 * out: services stopped, volumes deleted) → closed or exhausted. There is no exit to wait for:
 * it never enters `finishing`, and the node never calls `complete` for it (both rows are empty,
 * so the table refuses any move into them). A node restart keeps it `running`: its services are
 * re-attached, with their network and volumes (leases/recovery.ts).
 */
export const SERVICE_LEASE_MACHINE = defineMachine<LeasePhase>("service-lease", {
  pending: LEASE_MACHINE.table.pending,
  acknowledged: {
    running: "the buyer started the services",
    closed: "the buyer closed the lease before starting it",
    exhausted: "the escrow ran out before the services started",
    cancelled: "the lease was cancelled on-chain",
    failed: "the node could not start the services",
  },
  running: {
    stopping: "the lease ends (closed by the buyer, or the escrow ran out): stopping its services",
  },
  stopping: {
    closed: "the buyer closed the lease; services stopped, volumes deleted",
    exhausted: "the escrow ran out; services stopped, volumes deleted",
  },
  finishing: {},
  completed: {},
  cancelled: {},
  closed: {},
  exhausted: {},
  failed: {},
});

/** The machine of a lease of this kind. */
export const machineOf = (kind: "batch" | "service"): MachineDefinition<LeasePhase> =>
  kind === "service" ? SERVICE_LEASE_MACHINE : LEASE_MACHINE;

/** Terminal lease phases: nothing runs, nothing more is written on-chain for the lease. */
export const FINAL_PHASES: readonly LeasePhase[] = LEASE_MACHINE.finals;

/** The counter of moves, by machine and by from/to, registered once per metrics registry. */
export const transitionCounter = (metrics: Registry): Counter<"machine" | "from" | "to"> =>
  nodeKitTransitionCounter(
    metrics,
    "ocx_provider_transitions_total",
    "State machine moves (leases, bid reservations), by machine and by from/to state",
  );
