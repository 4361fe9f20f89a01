// The bid reservation machine: one per open request that this node considers, in the spirit of
// akash's bidengine/order.go — should I bid → reserve → price → bid → win, loss or timeout → release.
import { defineMachine } from "../leases/machine.js";

/** Where a bid reservation stands; "none" is a request the node has not looked at yet (no row). */
export type ReservationState = "none" | "reserved" | "bid" | "won" | "lost" | "skipped" | "expired";

/** Every state of a reservation and every allowed move. */
export const RESERVATION_MACHINE = defineMachine<ReservationState>("reservation", {
  none: {
    reserved: "the request fits: GPUs reserved while pricing",
    skipped: "the request does not fit this machine, or no GPUs are free",
  },
  reserved: {
    bid: "bid placed on-chain",
    skipped: "pricing declined or failed, the price is above the buyer's limit, or the bid failed",
    won: "the auction closed with this node winning",
    lost: "the auction closed for another provider, or the request was cancelled",
  },
  bid: {
    won: "the auction closed with this node winning; the lease takes the reserved GPUs",
    lost: "the auction closed for another provider, or the request was cancelled",
    expired: "nobody closed the auction in time",
  },
  won: {},
  lost: {},
  skipped: {},
  expired: {},
});
