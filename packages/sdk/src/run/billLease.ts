// Step 7 of a job: what the lease cost, from the chain's own records.
import { getLeaseEvents } from "../actions/events.js";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";

/** Parameters of `billLease`. */
export interface BillLeaseParameters {
  deployment: Pick<Deployment, "marketplace" | "startBlock">;
  leaseId: bigint;
}

/**
 * The bill: `paid` to the provider (the fee included) over all settlements, of which `fee` went to the protocol,
 * `refund` returned to the buyer when the lease closed, and `seconds` billed = paid ÷ pricePerSecond (exact:
 * the contract settles whole seconds).
 */
export interface LeaseBill {
  pricePerSecond: bigint;
  seconds: bigint;
  paid: bigint;
  fee: bigint;
  refund: bigint;
}

/**
 * Reads lease `leaseId`'s settlements and close from its events and adds them up exactly.
 * @example
 * const bill = await billLease(publicClient, { deployment, leaseId: 7n });
 * console.log(`${bill.seconds} s for ${formatOcx(bill.paid)}, ${formatOcx(bill.refund)} back`);
 */
export async function billLease(client: ReadClient, parameters: BillLeaseParameters): Promise<LeaseBill> {
  const events = await getLeaseEvents(client, parameters);
  let pricePerSecond = 0n;
  let paid = 0n;
  let fee = 0n;
  let refund = 0n;
  for (const event of events) {
    if (event.eventName === "LeaseCreated") pricePerSecond = event.args.pricePerSecond;
    if (event.eventName === "LeaseSettled") {
      paid += event.args.paid;
      fee += event.args.fee;
    }
    if (event.eventName === "LeaseClosed") refund = event.args.refund;
  }
  return { pricePerSecond, seconds: pricePerSecond === 0n ? 0n : paid / pricePerSecond, paid, fee, refund };
}
