// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IProviderRegistry
/// @notice Who the providers are, where their APIs live, and the stake that backs their offers.
/// @dev Stake is counted in the OCX token. A provider must hold `minStakePerGpu` for every GPU unit
/// it has committed through the marketplace (a CPU-only bundle counts as one unit). Stake leaves
/// only through an unbonding delay and can be slashed by holders of `SLASHER_ROLE`.
interface IProviderRegistry {
    /// @notice A provider's public record.
    struct Provider {
        string endpoint; // base URL of the provider's HTTP API
        bytes32 region; // short ASCII region code, left-aligned (e.g. "eu-west")
        bytes32 metadataHash; // hash of the provider's off-chain metadata document
        address apiSigner; // key that signs the provider's API answers
        // One slot with everything `isActive` reads, so taking an offer checks the provider cheaply.
        uint128 stake; // bonded stake
        uint32 committedGpus; // GPU units committed to offers, set by the marketplace
        bool registered;
        bool jailed;
        uint64 unbondingReadyAt; // when `unbonding` can be withdrawn
        uint128 unbonding; // stake waiting out the unbonding delay
    }

    /// @notice Protocol parameters of the registry.
    struct Parameters {
        uint128 minStakePerGpu; // stake required per committed GPU unit
        uint64 unbondingDelay; // seconds between an unstake request and its withdrawal
        address slashSink; // where slashed stake goes; address(0) burns it
    }

    // ---------------------------------------------------------------- events

    /// @notice A provider registered itself.
    event ProviderRegistered(
        address indexed provider, string endpoint, bytes32 region, bytes32 metadataHash, address apiSigner
    );
    /// @notice A provider changed its endpoint, region, metadata or API signer.
    event ProviderUpdated(
        address indexed provider, string endpoint, bytes32 region, bytes32 metadataHash, address apiSigner
    );
    /// @notice `amount` was added to a provider's stake, which is now `stake`.
    event Staked(address indexed provider, uint256 amount, uint256 stake);
    /// @notice `amount` left the stake and can be withdrawn from `readyAt`.
    event UnstakeRequested(address indexed provider, uint256 amount, uint256 unbonding, uint64 readyAt);
    /// @notice Unbonded stake went back to the provider.
    event Unstaked(address indexed provider, uint256 amount);
    /// @notice A slasher took `amount` from a provider's stake and unbonding funds; `reward` of it went to
    /// `beneficiary` (whoever proved the fault), the rest to the slash sink.
    event Slashed(
        address indexed provider,
        address indexed slasher,
        uint256 amount,
        bytes32 reason,
        bool jailed,
        address beneficiary,
        uint256 reward
    );
    /// @notice A jailed provider with enough stake again released itself.
    event Unjailed(address indexed provider);
    /// @notice The marketplace changed how many GPU units the provider has committed.
    event CommitmentChanged(address indexed provider, uint256 committedGpus, uint256 requiredStake);
    /// @notice The parameter admin changed the registry's parameters.
    event ParametersChanged(uint256 minStakePerGpu, uint64 unbondingDelay, address slashSink);

    // ---------------------------------------------------------------- errors

    /// @notice The caller has not registered as a provider.
    error RegistryNotRegistered(address provider);
    /// @notice The caller is already registered; use `update`.
    error RegistryAlreadyRegistered(address provider);
    /// @notice The endpoint is empty or longer than 256 bytes.
    error RegistryInvalidEndpoint(uint256 length);
    /// @notice The API signer must be a nonzero address.
    error RegistryInvalidApiSigner();
    /// @notice An amount of zero was given where tokens must move.
    error RegistryZeroAmount();
    /// @notice The stake would be below what the committed GPUs require.
    error RegistryInsufficientStake(address provider, uint256 stake, uint256 required);
    /// @notice The unstake asks for more than the bonded stake.
    error RegistryUnstakeExceedsStake(uint256 requested, uint256 stake);
    /// @notice Nothing is unbonding, or it is not ready before `readyAt`.
    error RegistryUnbondingNotReady(uint256 unbonding, uint64 readyAt, uint64 now_);
    /// @notice The provider is jailed; it must add stake and call `unjail`.
    error RegistryProviderJailed(address provider);
    /// @notice The provider is not jailed.
    error RegistryNotJailed(address provider);
    /// @notice A slash with a reward needs a nonzero beneficiary.
    error RegistryInvalidBeneficiary();
    /// @notice A parameter is outside its allowed range.
    error RegistryParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- provider actions

    /// @notice Registers the caller as a provider.
    function register(string calldata endpoint, bytes32 region, bytes32 metadataHash, address apiSigner) external;

    /// @notice Changes the caller's endpoint, region, metadata hash and API signer.
    function update(string calldata endpoint, bytes32 region, bytes32 metadataHash, address apiSigner) external;

    /// @notice Adds `amount` tokens (pulled from the caller) to the caller's stake.
    function stake(uint256 amount) external;

    /// @notice Starts unbonding `amount` of stake. Adds to any amount already unbonding and restarts its delay.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends the caller's unbonded stake back once its delay has passed.
    function withdrawUnbonded() external returns (uint256 amount);

    /// @notice Releases the caller from jail once its stake covers its commitments again.
    function unjail() external;

    // ---------------------------------------------------------------- roles

    /// @notice Takes up to `amount` from the provider's stake, then its unbonding funds. `beneficiary` (whoever
    /// proved the fault) receives ⌊slashed·rewardBps/10_000⌋, rounded down in favour of the sink; the rest goes
    /// to the slash sink (burned when the sink is the zero address). Jails the provider when its remaining stake
    /// is below what its commitments require.
    /// @param rewardBps at most 10_000; with 0, `beneficiary` may be the zero address.
    function slash(address provider, uint256 amount, bytes32 reason, address beneficiary, uint16 rewardBps)
        external
        returns (uint256 slashed);

    /// @notice Commits `units` more GPU units for the provider. Only the marketplace calls this.
    /// @dev Reverts unless the provider is registered, not jailed, and staked for the new total.
    function increaseCommitment(address provider, uint256 units) external;

    /// @notice Releases `units` of the provider's committed GPU units. Only the marketplace calls this.
    function decreaseCommitment(address provider, uint256 units) external;

    /// @notice Sets the registry's parameters, each checked against its bounds.
    function setParameters(Parameters calldata parameters) external;

    // ---------------------------------------------------------------- views

    /// @notice The provider's record.
    function getProvider(address provider) external view returns (Provider memory);

    /// @notice When `provider` was last slashed (a block time; 0 when never). Emissions pays nothing for an epoch
    /// that started at or before it.
    function lastSlashedAt(address provider) external view returns (uint256);

    /// @notice True when the provider is registered, not jailed, and staked for its commitments.
    function isActive(address provider) external view returns (bool);

    /// @notice Stake the provider needs for `committedGpus` GPU units.
    function requiredStake(uint256 committedGpus) external view returns (uint256);

    /// @notice Reverts unless the provider is registered, not jailed, and its stake covers `extraGpus` more units.
    function requireCapacity(address provider, uint256 extraGpus) external view;

    /// @notice Whether the provider is registered, not jailed, and its stake covers `extraGpus` more units.
    function canCommit(address provider, uint256 extraGpus) external view returns (bool);

    /// @notice The provider's API signer (which signs its quotes and answers) and whether it is active
    /// (`isActive`), in one call: what taking a quote checks.
    function quoteSigner(address provider) external view returns (address apiSigner, bool active);

    /// @notice The registry's parameters.
    function parameters() external view returns (Parameters memory);
}
