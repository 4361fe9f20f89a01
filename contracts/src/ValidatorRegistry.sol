// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IOcxToken} from "./interfaces/IOcxToken.sol";
import {IValidatorRegistry} from "./interfaces/IValidatorRegistry.sol";

/// @title ValidatorRegistry
/// @notice Validators' stake and the bonds their challenges lock.
/// @dev The admin role changes hands in two steps (`beginDefaultAdminTransfer`, then
/// `acceptDefaultAdminTransfer`), with no delay: governance's timelock is the delay.
contract ValidatorRegistry is IValidatorRegistry, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IOcxToken;
    using SafeCast for uint256;

    /// @notice May change the registry's parameters (governance, later).
    bytes32 public constant PARAMETER_ADMIN_ROLE = keccak256("PARAMETER_ADMIN_ROLE");
    /// @notice May admit and remove validators (governance, later).
    bytes32 public constant VALIDATOR_ADMIN_ROLE = keccak256("VALIDATOR_ADMIN_ROLE");
    /// @notice May lock, release and forfeit validators' bonds (ProofOfCompute, SpotChecks).
    bytes32 public constant BOND_ROLE = keccak256("BOND_ROLE");

    uint256 public constant MAX_MIN_STAKE = 100_000_000 ether;
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;

    /// @notice The token that is staked.
    IOcxToken public immutable token;

    mapping(address validator => Validator) private _validators;
    Parameters private _parameters;

    constructor(IOcxToken token_, address admin, Parameters memory parameters_)
        AccessControlDefaultAdminRules(0, admin)
    {
        token = token_;
        _grantRole(PARAMETER_ADMIN_ROLE, admin);
        _grantRole(VALIDATOR_ADMIN_ROLE, admin);
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- validator actions

    /// @inheritdoc IValidatorRegistry
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ValidatorZeroAmount();
        Validator storage v = _validators[msg.sender];
        v.stake += amount.toUint128();
        emit ValidatorStaked(msg.sender, amount, v.stake);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IValidatorRegistry
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ValidatorZeroAmount();
        Validator storage v = _validators[msg.sender];
        uint256 free = v.stake - v.locked; // locked <= stake always
        if (amount > free) revert ValidatorInsufficientFreeStake(msg.sender, amount, free);
        // Cannot overflow or underflow: amount <= free <= stake, and stake + unbonding is bounded by the
        // token supply held here.
        unchecked {
            v.stake -= uint128(amount);
            v.unbonding += uint128(amount);
        }
        v.readyAt = uint64(block.timestamp) + _parameters.unbondingDelay;
        emit ValidatorUnstakeRequested(msg.sender, amount, v.unbonding, v.readyAt);
    }

    /// @inheritdoc IValidatorRegistry
    function withdrawUnbonded() external nonReentrant returns (uint256 amount) {
        Validator storage v = _validators[msg.sender];
        amount = v.unbonding;
        if (amount == 0 || block.timestamp < v.readyAt) {
            revert ValidatorUnbondingNotReady(amount, v.readyAt, uint64(block.timestamp));
        }
        v.unbonding = 0;
        emit ValidatorUnstaked(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- roles

    /// @inheritdoc IValidatorRegistry
    function admit(address validator) external onlyRole(VALIDATOR_ADMIN_ROLE) {
        if (validator == address(0)) revert ValidatorZeroAddress();
        Validator storage v = _validators[validator];
        if (v.admitted) revert ValidatorAlreadyAdmitted(validator);
        v.admitted = true;
        emit ValidatorAdmitted(validator);
    }

    /// @inheritdoc IValidatorRegistry
    function remove(address validator) external onlyRole(VALIDATOR_ADMIN_ROLE) {
        Validator storage v = _validators[validator];
        if (!v.admitted) revert ValidatorNotAdmitted(validator);
        v.admitted = false;
        emit ValidatorRemoved(validator);
    }

    /// @inheritdoc IValidatorRegistry
    function lockBond(address validator, uint256 amount) external onlyRole(BOND_ROLE) {
        if (amount == 0) revert ValidatorZeroAmount();
        Validator storage v = _validators[validator];
        uint256 free = v.stake - v.locked;
        if (amount > free) revert ValidatorInsufficientFreeStake(validator, amount, free);
        // Cannot overflow: locked + amount <= stake, a uint128.
        unchecked {
            v.locked += uint128(amount);
        }
        emit BondLocked(validator, msg.sender, amount, v.locked);
    }

    /// @inheritdoc IValidatorRegistry
    function releaseBond(address validator, uint256 amount) external onlyRole(BOND_ROLE) {
        Validator storage v = _validators[validator];
        if (amount > v.locked) revert ValidatorBondExceedsLocked(validator, amount, v.locked);
        // Cannot underflow: checked just above.
        unchecked {
            v.locked -= uint128(amount);
        }
        emit BondReleased(validator, msg.sender, amount, v.locked);
    }

    /// @inheritdoc IValidatorRegistry
    function forfeitBond(address validator, uint256 amount, address to) external onlyRole(BOND_ROLE) nonReentrant {
        if (to == address(0)) revert ValidatorZeroAddress();
        Validator storage v = _validators[validator];
        if (amount > v.locked) revert ValidatorBondExceedsLocked(validator, amount, v.locked);
        // Cannot underflow: amount <= locked <= stake.
        unchecked {
            v.locked -= uint128(amount);
            v.stake -= uint128(amount);
        }
        emit BondForfeited(validator, amount, to);
        if (amount > 0) token.safeTransfer(to, amount);
    }

    /// @inheritdoc IValidatorRegistry
    function setParameters(Parameters calldata parameters_) external onlyRole(PARAMETER_ADMIN_ROLE) {
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IValidatorRegistry
    function getValidator(address validator) external view returns (Validator memory) {
        return _validators[validator];
    }

    /// @inheritdoc IValidatorRegistry
    function isActive(address validator) external view returns (bool) {
        Validator storage v = _validators[validator];
        return v.admitted && v.stake - v.locked >= _parameters.minStake;
    }

    /// @inheritdoc IValidatorRegistry
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    // ---------------------------------------------------------------- internal

    function _setParameters(Parameters memory parameters_) private {
        if (parameters_.minStake > MAX_MIN_STAKE) {
            revert ValidatorParameterOutOfBounds("minStake", parameters_.minStake, 0, MAX_MIN_STAKE);
        }
        if (parameters_.unbondingDelay > MAX_UNBONDING_DELAY) {
            revert ValidatorParameterOutOfBounds("unbondingDelay", parameters_.unbondingDelay, 0, MAX_UNBONDING_DELAY);
        }
        _parameters = parameters_;
        emit ValidatorParametersChanged(parameters_.minStake, parameters_.unbondingDelay);
    }
}
