// What an ended service lease kept (its services' `retain`, docs/services.md): downloaded from its provider by the
// lease's buyer and checked against the provider's signed sha256. A service lease records no result hash on-chain.
import { connectProvider, OcxUsageError, ProviderApiError } from "@ocx/sdk";
import { type Address, type Hex, isAddressEqual } from "viem";
import { providerEndpoint } from "./chain.js";
import type { Context } from "./context.js";

/** Hints for the two refusals of {@link downloadRetained}: to a stranger, and from a provider that holds nothing. */
export interface RetainedHints {
  /** Said to an account that did not buy the lease. */
  stranger?: string;
  /** Said when the provider holds nothing: the lease still runs, or its services retain nothing. */
  nothing?: string;
}

/**
 * Streams the archive of what lease `lease.leaseId` kept to `file`, as its buyer; the provider's signed sha256 is
 * checked (the file appears only once it matches). Refused before any download to anyone but the lease's buyer; a
 * provider with nothing to give says why (`OcxUsageError`).
 * @example
 * const { sha256, bytes } = await downloadRetained(context, lease, "/tmp/kept.tar.gz");
 */
export async function downloadRetained(
  context: Context,
  lease: { leaseId: bigint; buyer: Address; provider: Address },
  file: string,
  hints: RetainedHints = {},
): Promise<{ sha256: Hex; bytes: number }> {
  const account = await context.account();
  if (!isAddressEqual(lease.buyer, account.address))
    throw new OcxUsageError(
      `lease #${lease.leaseId} was bought by ${lease.buyer}, not ${account.address}: what it kept goes to its buyer alone`,
      hints.stranger === undefined ? {} : { hint: hints.stranger },
    );
  const provider = connectProvider({
    publicClient: context.publicClient,
    deployment: context.deployment,
    account,
    lease: { provider: lease.provider, endpoint: await providerEndpoint(context, lease.provider) },
  });
  try {
    return await provider.downloadResults(lease.leaseId, file);
  } catch (error) {
    if (error instanceof ProviderApiError && error.status === 409)
      throw new OcxUsageError(String(error.body.error ?? error.message), hints.nothing ? { hint: hints.nothing } : {});
    throw error;
  }
}
