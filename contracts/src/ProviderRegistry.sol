// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IOcxToken} from "./interfaces/IOcxToken.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Provider identities and the stake that backs their offers.
/// @dev The admin role changes hands in two steps (`beginDefaultAdminTransfer`, then
/// `acceptDefaultAdminTransfer` by the new admin), with no delay: governance's timelock is the delay.
contract ProviderRegistry is IProviderRegistry, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IOcxToken;
    using SafeCast for uint256;

    /// @notice May change the registry's parameters (governance, later).
    bytes32 public constant PARAMETER_ADMIN_ROLE = keccak256("PARAMETER_ADMIN_ROLE");
    /// @notice May slash providers (validators, dispute resolution).
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice May set providers' GPU commitments (the marketplace).
    bytes32 public constant MARKET_ROLE = keccak256("MARKET_ROLE");

    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    uint256 public constant MAX_MIN_STAKE_PER_GPU = 10_000_000 ether;
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Basis points of a whole slash: the most a fault's prover can be paid.
    uint16 public constant MAX_REWARD_BPS = 10_000;

    /// @notice The token that is staked.
    IOcxToken public immutable token;

    mapping(address provider => Provider) private _providers;
    /// @dev When each provider was last slashed (0: never); Emissions withholds the epochs it overlaps.
    mapping(address provider => uint64) private _lastSlashedAt;
    Parameters private _parameters;

    constructor(IOcxToken token_, address admin, Parameters memory parameters_)
        AccessControlDefaultAdminRules(0, admin)
    {
        token = token_;
        _grantRole(PARAMETER_ADMIN_ROLE, admin);
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- provider actions

    /// @inheritdoc IProviderRegistry
    function register(string calldata endpoint, bytes32 region, bytes32 metadataHash, address apiSigner) external {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert RegistryAlreadyRegistered(msg.sender);
        _setProfile(p, endpoint, region, metadataHash, apiSigner);
        p.registered = true;
        emit ProviderRegistered(msg.sender, endpoint, region, metadataHash, apiSigner);
    }

    /// @inheritdoc IProviderRegistry
    function update(string calldata endpoint, bytes32 region, bytes32 metadataHash, address apiSigner) external {
        Provider storage p = _registered(msg.sender);
        _setProfile(p, endpoint, region, metadataHash, apiSigner);
        emit ProviderUpdated(msg.sender, endpoint, region, metadataHash, apiSigner);
    }

    /// @inheritdoc IProviderRegistry
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert RegistryZeroAmount();
        Provider storage p = _registered(msg.sender);
        p.stake += amount.toUint128();
        emit Staked(msg.sender, amount, p.stake);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IProviderRegistry
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert RegistryZeroAmount();
        Provider storage p = _registered(msg.sender);
        if (amount > p.stake) revert RegistryUnstakeExceedsStake(amount, p.stake);
        uint256 left = p.stake - amount;
        uint256 required = requiredStake(p.committedGpus);
        if (left < required) revert RegistryInsufficientStake(msg.sender, left, required);
        // Cannot overflow: amount <= stake, and stake + unbonding is bounded by the token supply held here.
        unchecked {
            p.stake = uint128(left);
            p.unbonding += uint128(amount);
        }
        p.unbondingReadyAt = uint64(block.timestamp) + _parameters.unbondingDelay;
        emit UnstakeRequested(msg.sender, amount, p.unbonding, p.unbondingReadyAt);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawUnbonded() external nonReentrant returns (uint256 amount) {
        Provider storage p = _registered(msg.sender);
        amount = p.unbonding;
        if (amount == 0 || block.timestamp < p.unbondingReadyAt) {
            revert RegistryUnbondingNotReady(amount, p.unbondingReadyAt, uint64(block.timestamp));
        }
        p.unbonding = 0;
        emit Unstaked(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IProviderRegistry
    function unjail() external {
        Provider storage p = _registered(msg.sender);
        if (!p.jailed) revert RegistryNotJailed(msg.sender);
        uint256 required = requiredStake(p.committedGpus);
        if (p.stake < required) revert RegistryInsufficientStake(msg.sender, p.stake, required);
        p.jailed = false;
        emit Unjailed(msg.sender);
    }

    // ---------------------------------------------------------------- roles

    /// @inheritdoc IProviderRegistry
    function slash(address provider, uint256 amount, bytes32 reason, address beneficiary, uint16 rewardBps)
        external
        onlyRole(SLASHER_ROLE)
        nonReentrant
        returns (uint256 slashed)
    {
        if (amount == 0) revert RegistryZeroAmount();
        if (rewardBps > MAX_REWARD_BPS) revert RegistryParameterOutOfBounds("rewardBps", rewardBps, 0, MAX_REWARD_BPS);
        if (rewardBps > 0 && beneficiary == address(0)) revert RegistryInvalidBeneficiary();
        Provider storage p = _registered(provider);
        uint256 fromStake = amount < p.stake ? amount : p.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
        // Cannot underflow: each part is capped by the balance it comes from.
        unchecked {
            p.stake -= uint128(fromStake);
            p.unbonding -= uint128(fromUnbonding);
        }
        slashed = fromStake + fromUnbonding;
        if (p.stake < requiredStake(p.committedGpus) || p.stake == 0) p.jailed = true;
        _lastSlashedAt[provider] = uint64(block.timestamp);
        // Rounded down: the sink gets the remainder, so reward + toSink == slashed exactly.
        uint256 reward = slashed * rewardBps / MAX_REWARD_BPS;
        emit Slashed(provider, msg.sender, slashed, reason, p.jailed, beneficiary, reward);
        if (slashed == 0) return 0;
        if (reward > 0) token.safeTransfer(beneficiary, reward);
        uint256 toSink = slashed - reward;
        if (toSink == 0) return slashed;
        address sink = _parameters.slashSink;
        if (sink == address(0)) token.burn(toSink);
        else token.safeTransfer(sink, toSink);
    }

    /// @inheritdoc IProviderRegistry
    function increaseCommitment(address provider, uint256 units) external onlyRole(MARKET_ROLE) {
        Provider storage p = _registered(provider);
        if (p.jailed) revert RegistryProviderJailed(provider);
        uint256 committed = p.committedGpus + units;
        uint256 required = requiredStake(committed);
        if (p.stake < required) revert RegistryInsufficientStake(provider, p.stake, required);
        p.committedGpus = committed.toUint32();
        emit CommitmentChanged(provider, committed, required);
    }

    /// @inheritdoc IProviderRegistry
    function decreaseCommitment(address provider, uint256 units) external onlyRole(MARKET_ROLE) {
        Provider storage p = _registered(provider);
        // The marketplace only releases what it committed, so this cannot underflow; checked anyway.
        uint256 committed = p.committedGpus - units;
        p.committedGpus = uint32(committed); // below the uint32 it was read from
        emit CommitmentChanged(provider, committed, requiredStake(committed));
    }

    /// @inheritdoc IProviderRegistry
    function setParameters(Parameters calldata parameters_) external onlyRole(PARAMETER_ADMIN_ROLE) {
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IProviderRegistry
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @inheritdoc IProviderRegistry
    function lastSlashedAt(address provider) external view returns (uint256) {
        return _lastSlashedAt[provider];
    }

    /// @inheritdoc IProviderRegistry
    function isActive(address provider) public view returns (bool) {
        Provider storage p = _providers[provider];
        return p.registered && !p.jailed && p.stake >= requiredStake(p.committedGpus);
    }

    /// @inheritdoc IProviderRegistry
    function requiredStake(uint256 committedGpus) public view returns (uint256) {
        return committedGpus * _parameters.minStakePerGpu;
    }

    /// @inheritdoc IProviderRegistry
    function requireCapacity(address provider, uint256 extraGpus) external view {
        Provider storage p = _registered(provider);
        if (p.jailed) revert RegistryProviderJailed(provider);
        uint256 required = requiredStake(p.committedGpus + extraGpus);
        if (p.stake < required) revert RegistryInsufficientStake(provider, p.stake, required);
    }

    /// @inheritdoc IProviderRegistry
    function canCommit(address provider, uint256 extraGpus) external view returns (bool) {
        Provider storage p = _providers[provider];
        return p.registered && !p.jailed && p.stake >= requiredStake(p.committedGpus + extraGpus);
    }

    /// @inheritdoc IProviderRegistry
    function quoteSigner(address provider) external view returns (address apiSigner, bool active) {
        Provider storage p = _providers[provider];
        // The slot with stake, committedGpus, registered and jailed read once (Provider's layout: slot 4 of the
        // record; stake bits 0-127, committedGpus 128-159, registered 160-167, jailed 168-175).
        uint256 hot;
        assembly ("memory-safe") {
            hot := sload(add(p.slot, 4))
        }
        active = uint8(hot >> 160) != 0 && uint8(hot >> 168) == 0 && uint128(hot) >= requiredStake(uint32(hot >> 128));
        return (p.apiSigner, active);
    }

    /// @inheritdoc IProviderRegistry
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    // ---------------------------------------------------------------- internal

    function _registered(address provider) private view returns (Provider storage p) {
        p = _providers[provider];
        if (!p.registered) revert RegistryNotRegistered(provider);
    }

    function _setProfile(
        Provider storage p,
        string calldata endpoint,
        bytes32 region,
        bytes32 metadataHash,
        address apiSigner
    ) private {
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_LENGTH) revert RegistryInvalidEndpoint(length);
        if (apiSigner == address(0)) revert RegistryInvalidApiSigner();
        p.endpoint = endpoint;
        p.region = region;
        p.metadataHash = metadataHash;
        p.apiSigner = apiSigner;
    }

    function _setParameters(Parameters memory parameters_) private {
        if (parameters_.minStakePerGpu > MAX_MIN_STAKE_PER_GPU) {
            revert RegistryParameterOutOfBounds("minStakePerGpu", parameters_.minStakePerGpu, 0, MAX_MIN_STAKE_PER_GPU);
        }
        if (parameters_.unbondingDelay > MAX_UNBONDING_DELAY) {
            revert RegistryParameterOutOfBounds("unbondingDelay", parameters_.unbondingDelay, 0, MAX_UNBONDING_DELAY);
        }
        _parameters = parameters_;
        emit ParametersChanged(parameters_.minStakePerGpu, parameters_.unbondingDelay, parameters_.slashSink);
    }
}
