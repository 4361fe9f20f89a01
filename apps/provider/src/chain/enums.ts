// The contracts' enums as the provider compares them. These are to be the SDK's generated enums
// (packages/sdk/src/generated/enums.ts, written by `npm run gen:abis`); until that file lands this
// module is the one place the provider spells them, and swapping it for a re-export is the whole change.

/** `IMarketplace.LeaseState`. */
export const LeaseState = { None: 0, Pending: 1, Active: 2, Closed: 3 } as const;
/** `IMarketplace.OfferState`. */
export const OfferState = { None: 0, Active: 1, Paused: 2, Withdrawn: 3 } as const;
/** `IMarketplace.RequestState`. */
export const RequestState = { None: 0, Open: 1, Closed: 2, Cancelled: 3 } as const;
/** `IMarketplace.CloseReason`. */
export const CloseReason = { Completed: 0, ClosedByBuyer: 1, Cancelled: 2, Exhausted: 3 } as const;

/** The name of enum value `value`, e.g. `nameOf(OfferState, 2)` → "Paused". */
export function nameOf<E extends Record<string, number>>(values: E, value: number): keyof E & string {
  const found = Object.entries(values).find(([, v]) => v === value);
  if (!found) throw new Error(`${value} is not a known value of this enum (${Object.keys(values).join(", ")})`);
  return found[0] as keyof E & string;
}
