// Governance beyond the contract calls: its deployment step, and what a proposal can set (parameters, roles, the
// proof model table), each encoded from words and described in words against the values it changes.
export * from "./deployGovernance.js";
export * from "./describeCall.js";
export {
  type CallChange,
  type CallDescription,
  type ContractKey,
  contractAt,
  GovernanceParameterError,
  type GovernedContract,
  governedContracts,
} from "./governed.js";
export * from "./parameters.js";
export * from "./proofModels.js";
export * from "./roles.js";
