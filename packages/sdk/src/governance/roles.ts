// Governance proposals over the OCX contracts' roles: `grant validatorRegistry VALIDATOR_ADMIN_ROLE 0x…` → a
// grantRole call, checked against the contract's own `…_ROLE` constants and who holds them; and such a call →
// "ValidatorRegistry.grantRole: VALIDATOR_ADMIN_ROLE of 0x… not held → held", against the holders at a block.
import type { AbiFunction, Address, Hex } from "viem";
import { encodeFunctionData, getAddress, isAddress, parseAbi } from "viem";
import { readContract } from "viem/actions";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import {
  type CallDescription,
  GovernanceParameterError,
  type GovernedContract,
  governedContracts,
  showChanges,
} from "./governed.js";
import type { DescribeDecodedCallParameters, EncodedChange } from "./parameters.js";

/** OpenZeppelin AccessControl's functions, common to every role-holding OCX contract. */
const accessControlAbi = parseAbi([
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function getRoleAdmin(bytes32 role) view returns (bytes32)",
  "function grantRole(bytes32 role, address account)",
  "function revokeRole(bytes32 role, address account)",
]);

/** Whether a role is granted or revoked. */
export type RoleAction = "grant" | "revoke";

const functionNames = { grant: "grantRole", revoke: "revokeRole" } as const;

/** The contracts that hold roles (OpenZeppelin AccessControl): those whose ABI has `hasRole`. */
function roleContracts(deployment: Deployment): GovernedContract[] {
  return governedContracts(deployment).filter((c) => c.abi.some((i) => i.type === "function" && i.name === "hasRole"));
}

/**
 * The names of a contract's roles, as its ABI declares them: every `…_ROLE()` constant.
 * @example
 * roleNames(validatorRegistryAbi); // ["BOND_ROLE", "DEFAULT_ADMIN_ROLE", "PARAMETER_ADMIN_ROLE", "VALIDATOR_ADMIN_ROLE"]
 */
export function roleNames(abi: GovernedContract["abi"]): string[] {
  return abi
    .filter((i): i is AbiFunction => i.type === "function" && i.name.endsWith("_ROLE") && i.inputs.length === 0)
    .map((i) => i.name)
    .sort();
}

/** Whether the contract moves DEFAULT_ADMIN_ROLE only in two steps (OpenZeppelin AccessControlDefaultAdminRules). */
const twoStepAdmin = (contract: GovernedContract) =>
  contract.abi.some((i) => i.type === "function" && i.name === "beginDefaultAdminTransfer");

/** Each role of the contract by its bytes32 value, read from the contract's constants (at a block if given). */
async function rolesByValue(
  client: ReadClient,
  contract: GovernedContract,
  blockNumber?: bigint,
): Promise<Map<Hex, string>> {
  const names = roleNames(contract.abi);
  const values = await Promise.all(
    names.map(
      (functionName) =>
        readContract(client, {
          address: contract.address,
          abi: contract.abi,
          functionName,
          ...(blockNumber === undefined ? {} : { blockNumber }),
        }) as Promise<Hex>,
    ),
  );
  return new Map(values.map((value, i) => [value, names[i] as string]));
}

const hasRole = (client: ReadClient, contract: GovernedContract, role: Hex, account: Address, blockNumber?: bigint) =>
  readContract(client, {
    address: contract.address,
    abi: accessControlAbi,
    functionName: "hasRole",
    args: [role, account],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });

/** Parameters of `encodeRoleChange`. */
export interface EncodeRoleChangeParameters {
  deployment: Deployment;
  action: RoleAction;
  /** The contract's deployment key (`validatorRegistry`, `token`, `credits`, `timelock`, …) or name (`OcxToken`). */
  contract: string;
  /** One of the contract's `…_ROLE` constants, e.g. `VALIDATOR_ADMIN_ROLE` (case does not matter). */
  role: string;
  /** The account that gains or loses the role. */
  account: string;
}

/**
 * One `grantRole` or `revokeRole` call for a proposal, with its description. Refused before any transaction: a
 * contract without roles, a role the contract does not declare (the message lists those it does), a two-step
 * DEFAULT_ADMIN_ROLE, a grant to an account that holds the role already or a revoke from one that does not, and
 * a role whose admin role the timelock (the proposal's executor) does not hold.
 * @example
 * const { call, summary } = await encodeRoleChange(publicClient, {
 *   deployment, action: "grant", contract: "validatorRegistry", role: "VALIDATOR_ADMIN_ROLE", account: "0x7099…",
 * });
 */
export async function encodeRoleChange(
  client: ReadClient,
  parameters: EncodeRoleChangeParameters,
): Promise<EncodedChange> {
  const { deployment, action } = parameters;
  if (action !== "grant" && action !== "revoke") {
    throw new GovernanceParameterError(`role action "${action}": say grant or revoke`);
  }
  const all = governedContracts(deployment);
  const withRoles = roleContracts(deployment);
  const wanted = parameters.contract.toLowerCase();
  const named = all.find((c) => c.key.toLowerCase() === wanted || c.name.toLowerCase() === wanted);
  const choices = withRoles.map((c) => `${c.key} (${c.name})`).join(", ");
  if (!named) {
    throw new GovernanceParameterError(
      `"${parameters.contract}" is not an OCX contract of this deployment; contracts with roles: ${choices}`,
    );
  }
  const contract = withRoles.find((c) => c.key === named.key);
  if (!contract) {
    throw new GovernanceParameterError(
      `${named.name} has no roles (it has one admin, moved in two steps, which governance already is); contracts with roles: ${choices}`,
    );
  }
  const names = roleNames(contract.abi);
  const role = parameters.role.toUpperCase();
  if (!names.includes(role)) {
    throw new GovernanceParameterError(
      `${contract.name} has no role "${parameters.role}"; its roles: ${names.join(", ")}`,
    );
  }
  if (role === "DEFAULT_ADMIN_ROLE" && twoStepAdmin(contract)) {
    throw new GovernanceParameterError(
      `${contract.name}'s DEFAULT_ADMIN_ROLE changes hands only in two steps (beginDefaultAdminTransfer, then the new admin accepts); ${action}Role of it reverts. Propose one of its other roles: ${names.filter((n) => n !== role).join(", ")}`,
    );
  }
  if (!isAddress(parameters.account)) {
    throw new GovernanceParameterError(`"${parameters.account}" is not an address (0x and 40 hex digits)`);
  }
  const account = getAddress(parameters.account);
  const value = (await readContract(client, {
    address: contract.address,
    abi: contract.abi,
    functionName: role,
  })) as Hex;
  const held = await hasRole(client, contract, value, account);
  if (held === (action === "grant")) {
    throw new GovernanceParameterError(
      `${account} ${held ? "already holds" : "does not hold"} ${contract.name}'s ${role}: the proposal would change nothing`,
    );
  }
  const timelock = deployment.timelock;
  if (timelock) {
    const admin = await readContract(client, {
      address: contract.address,
      abi: accessControlAbi,
      functionName: "getRoleAdmin",
      args: [value],
    });
    if (!(await hasRole(client, contract, admin, timelock))) {
      const adminName = (await rolesByValue(client, contract)).get(admin) ?? admin;
      throw new GovernanceParameterError(
        `the timelock, which runs passed proposals, does not hold ${contract.name}'s ${adminName}, the admin role of ${role}: the ${action} would fail at execution`,
      );
    }
  }
  const functionName = functionNames[action];
  const args = [value, account] as const;
  const calldata = encodeFunctionData({ abi: accessControlAbi, functionName, args });
  const described = await describeRoleCall(client, { contract, functionName, args });
  return { call: { target: contract.address, value: 0n, calldata }, summary: described?.text ?? functionName };
}

/**
 * A `grantRole` or `revokeRole` call in words and values, against the holders at `blockNumber` (the latest when
 * absent): "ValidatorRegistry.grantRole: VALIDATOR_ADMIN_ROLE of 0x… not held → held". `undefined` for any other
 * call.
 * @example
 * await describeRoleCall(publicClient, { contract, functionName: "grantRole", args: [role, account] });
 */
export async function describeRoleCall(
  client: ReadClient,
  parameters: DescribeDecodedCallParameters,
): Promise<CallDescription | undefined> {
  const { contract, functionName, args, blockNumber } = parameters;
  if (functionName !== "grantRole" && functionName !== "revokeRole") return undefined;
  const [role, account] = args as [Hex, Address];
  const name = (await rolesByValue(client, contract, blockNumber)).get(role) ?? role;
  const before = (await hasRole(client, contract, role, account, blockNumber)) ? "held" : "not held";
  const after = functionName === "grantRole" ? "held" : "not held";
  const setting = `${name} of ${account}`;
  const changes = before === after ? [] : [{ setting, before, after }];
  return {
    contract: contract.name,
    functionName,
    text: `${contract.name}.${functionName}: ${changes.length > 0 ? showChanges(changes) : `${setting} already ${before} (no change)`}`,
    changes,
  };
}
