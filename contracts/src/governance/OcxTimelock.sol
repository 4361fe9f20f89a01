// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OcxTimelock
/// @notice The address that owns the OCX protocol: it holds every admin and parameter role of the OCX contracts
/// and runs what the OcxGovernor passed, no sooner than `minDelay` seconds after the vote queued it, so anyone
/// who disagrees with a change has that long to act (withdraw, close a lease, unstake) before it applies.
/// @dev OpenZeppelin 5's TimelockController as is, under the project's name so that its ABI and bytecode are
/// generated with the other contracts. Deployment: proposers = cancellers = [governor], executors = [address(0)]
/// (anyone executes a ready operation), admin = address(0) once the roles are set (the timelock administers
/// itself; a deployer admin is only for wiring and renounces at the end of deployment).
contract OcxTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and executing an operation.
    /// @param proposers Accounts that queue and cancel (the governor).
    /// @param executors Accounts that execute ready operations; address(0) lets anyone.
    /// @param admin Optional extra admin for wiring at deployment; address(0) for none.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
