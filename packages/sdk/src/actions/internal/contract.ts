// The one path every action takes to the chain: named arguments in, simulate, send, wait, decode.
// Internal: the actions re-export only the types their callers need.
import {
  type Abi,
  type AbiFunction,
  type AbiParameterToPrimitiveType,
  type Account,
  type Address,
  type Chain,
  type Client,
  type ContractEventName,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hash,
  isAddressEqual,
  type Log,
  parseEventLogs,
  type ReadContractErrorType,
  type SimulateContractErrorType,
  type TransactionReceipt,
  type Transport,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import {
  estimateContractGas,
  getTransaction,
  readContract,
  simulateContract,
  waitForTransactionReceipt,
  writeContract,
} from "viem/actions";
import { getAction } from "viem/utils";
import { decodeContractError, type OcxContractError } from "../../errors.js";
import {
  marketplaceAbi,
  ocxCreditsAbi,
  ocxGovernorAbi,
  ocxTimelockAbi,
  ocxTokenAbi,
  priceFeedAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "../../generated/abis.js";
import { OcxEventNotFoundError, OcxTransactionRevertedError } from "../errors.js";

/** A client that signs and sends: a `WalletClient` with an `account` and a `chain`. It also reads receipts and
 * simulates through its own transport, so the `…Sync` actions need no second client. */
export type WriteClient = Client<Transport, Chain, Account>;

/** A client that reads: a `PublicClient`, or a `WalletClient` (it reads through its transport). */
export type ReadClient = Client<Transport, Chain | undefined, Account | undefined>;

type WriteFunctionName<abi extends Abi> = ContractFunctionName<abi, "nonpayable" | "payable">;
type ReadFunctionName<abi extends Abi> = ContractFunctionName<abi, "view" | "pure">;

/** The arguments of `abi`'s function `fn`, keyed by their names in the ABI and typed by it. */
export type ContractArgs<abi extends Abi, fn extends string> = {
  [P in Extract<abi[number], { type: "function"; name: fn }>["inputs"][number] as P["name"] &
    string]: AbiParameterToPrimitiveType<P>;
};

/** What `abi`'s view function `fn` returns, typed by the ABI. */
export type ContractResult<abi extends Abi, fn extends ReadFunctionName<abi>> = ContractFunctionReturnType<
  abi,
  "view" | "pure",
  fn
>;

/** The decoded arguments of `abi`'s event `name`. */
export type EventArgs<abi extends Abi, name extends ContractEventName<abi>> = Log<
  bigint,
  number,
  false,
  undefined,
  true,
  abi,
  name
>["args"];

/** What a `…Sync` action returns: the receipt and the action's event, told apart by `eventName`. */
export type WriteSyncResult<abi extends Abi, names extends ContractEventName<abi>> = {
  [name in names]: { receipt: TransactionReceipt; eventName: name; event: EventArgs<abi, name> };
}[names];

/** The result of a `…Sync` action whose event is not always emitted. */
export type WriteSyncResultOrNone<abi extends Abi, names extends ContractEventName<abi>> =
  | WriteSyncResult<abi, names>
  | { receipt: TransactionReceipt; eventName: undefined; event: undefined };

/** Errors a write can throw: a decoded revert found in simulation, or viem's own. */
export type WriteErrorType = OcxContractError | SimulateContractErrorType | WriteContractErrorType;
/** Errors a `…Sync` write can throw. */
export type WriteSyncErrorType =
  | WriteErrorType
  | WaitForTransactionReceiptErrorType
  | OcxTransactionRevertedError
  | OcxEventNotFoundError;
/** Errors a read can throw. */
export type ReadErrorType = OcxContractError | ReadContractErrorType;

interface Call<abi extends Abi, fn extends string> {
  address: Address;
  abi: abi;
  functionName: fn;
  /** Named arguments (extra keys such as `deployment` are ignored). */
  parameters: ContractArgs<abi, fn>;
  /**
   * Simulate on the pending block instead of the latest: for a call that needs a block after the latest one
   * (ProofOfCompute's commit reads the hash of the challenge's block, which the latest block cannot).
   */
  simulateOnPending?: boolean;
}

/** Every OCX custom error: a call to one contract can revert with another's (the marketplace calls the registry
 * and the token), and simulation can only name the errors in the ABI it is given. */
const ocxErrors: Abi = [
  ...marketplaceAbi,
  ...providerRegistryAbi,
  ...ocxTokenAbi,
  ...validatorRegistryAbi,
  ...proofOfComputeAbi,
  ...spotChecksAbi,
  ...ocxCreditsAbi,
  ...priceFeedAbi,
  ...ocxGovernorAbi,
  ...ocxTimelockAbi,
].filter(
  (item, index, all) =>
    item.type === "error" && all.findIndex((other) => other.type === "error" && other.name === item.name) === index,
);

/** The call's ABI with every OCX error added, so that any revert decodes. */
const withOcxErrors = (abi: Abi): Abi => [
  ...abi,
  ...ocxErrors.filter(
    (error) => !abi.some((item) => item.type === "error" && item.name === (error as { name: string }).name),
  ),
];

/** Orders named arguments the way the ABI lists them. */
function toArgs(abi: Abi, functionName: string, parameters: object): unknown[] {
  const item = abi.find((i): i is AbiFunction => i.type === "function" && i.name === functionName);
  if (!item) throw new Error(`the ABI has no function ${functionName}`);
  return item.inputs.map((input, index) => {
    const name = input.name || `arg${index}`;
    if (!(name in parameters)) throw new TypeError(`${functionName}: missing argument "${name}"`);
    return (parameters as Record<string, unknown>)[name];
  });
}

/** Simulates the call (a revert throws `OcxContractError`), then sends it and returns its hash. */
export async function write<abi extends Abi, fn extends WriteFunctionName<abi>>(
  client: WriteClient,
  call: Call<abi, fn>,
): Promise<Hash> {
  const args = toArgs(call.abi, call.functionName, call.parameters);
  try {
    const { request } = await getAction(
      client,
      simulateContract,
      "simulateContract",
    )({
      address: call.address,
      abi: withOcxErrors(call.abi),
      functionName: call.functionName,
      args,
      account: client.account,
      chain: client.chain,
      ...(call.simulateOnPending ? { blockTag: "pending" as const } : {}),
    });
    // A fifth more gas than estimated: the estimate holds for the state it was made on, and a storage slot written
    // first in the next block (a vote or supply checkpoint pushed rather than updated, a zero slot set) costs
    // more there. Unused gas is not paid for.
    const estimate = await getAction(client, estimateContractGas, "estimateContractGas")(request);
    return await getAction(
      client,
      writeContract,
      "writeContract",
    )({ ...request, gas: estimate + estimate / GAS_HEADROOM });
  } catch (error) {
    throw decodeContractError(error);
  }
}

/** `write` gives a transaction its estimate plus 1/GAS_HEADROOM of it. */
const GAS_HEADROOM = 5n;

/** `write`, then waits for the receipt and decodes the first of `events` that the contract emitted. */
export async function writeSync<
  abi extends Abi,
  fn extends WriteFunctionName<abi>,
  names extends ContractEventName<abi>,
>(
  client: WriteClient,
  call: Call<abi, fn> & { events: readonly names[]; optional?: false },
): Promise<WriteSyncResult<abi, names>>;
export async function writeSync<
  abi extends Abi,
  fn extends WriteFunctionName<abi>,
  names extends ContractEventName<abi>,
>(
  client: WriteClient,
  call: Call<abi, fn> & { events: readonly names[]; optional: true },
): Promise<WriteSyncResultOrNone<abi, names>>;
export async function writeSync(
  client: WriteClient,
  call: Call<Abi, string> & { events: readonly string[]; optional?: boolean },
): Promise<{ receipt: TransactionReceipt; eventName: string | undefined; event: unknown }> {
  const hash = await write(client, call);
  const receipt = await getAction(client, waitForTransactionReceipt, "waitForTransactionReceipt")({ hash });
  if (receipt.status !== "success") {
    const sent = await getAction(client, getTransaction, "getTransaction")({ hash }).catch(() => undefined);
    throw new OcxTransactionRevertedError(call.functionName, receipt, sent?.gas);
  }
  const [log] = parseEventLogs({
    abi: call.abi,
    logs: receipt.logs,
    eventName: call.events as string[],
    strict: true,
  }).filter((l) => isAddressEqual(l.address, call.address));
  if (log) return { receipt, eventName: log.eventName, event: log.args };
  if (call.optional) return { receipt, eventName: undefined, event: undefined };
  throw new OcxEventNotFoundError(call.events, call.address, receipt.transactionHash);
}

/** Reads a view function; a revert throws `OcxContractError`. */
export async function read<abi extends Abi, fn extends ReadFunctionName<abi>>(
  client: ReadClient,
  call: Call<abi, fn>,
): Promise<ContractResult<abi, fn>> {
  const args = toArgs(call.abi, call.functionName, call.parameters);
  try {
    return (await getAction(
      client,
      readContract,
      "readContract",
    )({
      address: call.address,
      abi: withOcxErrors(call.abi),
      functionName: call.functionName,
      args,
    })) as ContractResult<abi, fn>;
  } catch (error) {
    throw decodeContractError(error);
  }
}
