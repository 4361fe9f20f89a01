// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IValidatorRegistry
/// @notice Who the validators are and the OCX stake that backs their challenges.
/// @dev Money rules, stated once:
/// - `stake` counts every token a validator has bonded, including the part locked as challenge bonds
///   (`locked <= stake` always). Free stake is `stake - locked`.
/// - A bond is locked by a holder of `BOND_ROLE` (ProofOfCompute, SpotChecks) when the validator opens a
///   challenge, and later either released (back to free stake) or forfeited: taken from the stake and sent
///   to the address the bond holder names (the provider that was falsely accused or abandoned).
/// - Locked stake cannot be unstaked. Unstaked tokens wait `unbondingDelay` seconds before withdrawal.
/// - The registry's token balance always equals the sum over validators of `stake + unbonding`.
/// A validator is *active* when the validator admin has admitted it and its free stake is at least `minStake`.
interface IValidatorRegistry {
    // ---------------------------------------------------------------- types

    /// @notice A validator's record.
    struct Validator {
        uint128 stake; // bonded stake, locked bonds included
        uint128 locked; // part of `stake` locked as open challenge bonds
        uint128 unbonding; // stake waiting out the unbonding delay
        uint64 readyAt; // when `unbonding` can be withdrawn
        bool admitted; // admitted by the validator admin (governance later)
    }

    /// @notice Protocol parameters of the validator registry.
    struct Parameters {
        uint128 minStake; // free stake an admitted validator needs to be active
        uint64 unbondingDelay; // seconds between an unstake request and its withdrawal
    }

    // ---------------------------------------------------------------- events

    /// @notice The validator admin admitted `validator`.
    event ValidatorAdmitted(address indexed validator);
    /// @notice The validator admin removed `validator`; its stake stays withdrawable through unstaking.
    event ValidatorRemoved(address indexed validator);
    /// @notice `amount` was added to the validator's stake, which is now `stake`.
    event ValidatorStaked(address indexed validator, uint256 amount, uint256 stake);
    /// @notice `amount` left the stake and can be withdrawn from `readyAt`.
    event ValidatorUnstakeRequested(address indexed validator, uint256 amount, uint256 unbonding, uint64 readyAt);
    /// @notice Unbonded stake went back to the validator.
    event ValidatorUnstaked(address indexed validator, uint256 amount);
    /// @notice `bondHolder` locked `amount` of the validator's free stake; `locked` is its new total.
    event BondLocked(address indexed validator, address indexed bondHolder, uint256 amount, uint256 locked);
    /// @notice `bondHolder` released `amount` of the validator's locked stake back to free stake.
    event BondReleased(address indexed validator, address indexed bondHolder, uint256 amount, uint256 locked);
    /// @notice `amount` of the validator's locked stake was taken and sent to `to`.
    event BondForfeited(address indexed validator, uint256 amount, address indexed to);
    /// @notice The parameter admin changed the registry's parameters.
    event ValidatorParametersChanged(uint256 minStake, uint64 unbondingDelay);

    // ---------------------------------------------------------------- errors

    /// @notice An amount of zero was given where tokens must move.
    error ValidatorZeroAmount();
    /// @notice The validator is already admitted.
    error ValidatorAlreadyAdmitted(address validator);
    /// @notice The validator is not admitted.
    error ValidatorNotAdmitted(address validator);
    /// @notice The zero address cannot be admitted or receive a forfeited bond.
    error ValidatorZeroAddress();
    /// @notice The unstake or bond asks for more than the validator's free (unlocked) stake.
    error ValidatorInsufficientFreeStake(address validator, uint256 requested, uint256 free);
    /// @notice The release or forfeit asks for more than the validator's locked stake.
    error ValidatorBondExceedsLocked(address validator, uint256 requested, uint256 locked);
    /// @notice Nothing is unbonding, or it is not ready before `readyAt`.
    error ValidatorUnbondingNotReady(uint256 unbonding, uint64 readyAt, uint64 now_);
    /// @notice A parameter is outside its allowed range.
    error ValidatorParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- validator actions

    /// @notice Adds `amount` tokens (pulled from the caller) to the caller's stake. Anyone may stake before admission.
    function stake(uint256 amount) external;

    /// @notice Starts unbonding `amount` of the caller's free stake. Adds to any amount already unbonding and
    /// restarts its delay.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller's unbonded stake back once its delay has passed.
    function withdrawUnbonded() external returns (uint256 amount);

    // ---------------------------------------------------------------- roles

    /// @notice Admits `validator` (VALIDATOR_ADMIN_ROLE).
    function admit(address validator) external;

    /// @notice Removes `validator` (VALIDATOR_ADMIN_ROLE). It can no longer open challenges; its open bonds
    /// still resolve and its stake still unbonds.
    function remove(address validator) external;

    /// @notice Locks `amount` of the validator's free stake as a bond (BOND_ROLE).
    function lockBond(address validator, uint256 amount) external;

    /// @notice Returns `amount` of the validator's locked bond to its free stake (BOND_ROLE).
    function releaseBond(address validator, uint256 amount) external;

    /// @notice Takes `amount` of the validator's locked bond out of its stake and sends it to `to` (BOND_ROLE).
    function forfeitBond(address validator, uint256 amount, address to) external;

    /// @notice Sets the registry's parameters, each checked against its bounds (PARAMETER_ADMIN_ROLE).
    function setParameters(Parameters calldata parameters) external;

    // ---------------------------------------------------------------- views

    /// @notice The validator's record (all zero for an unknown address).
    function getValidator(address validator) external view returns (Validator memory);

    /// @notice True when the validator is admitted and its free stake is at least `minStake`.
    function isActive(address validator) external view returns (bool);

    /// @notice The registry's parameters.
    function parameters() external view returns (Parameters memory);
}
