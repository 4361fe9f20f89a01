// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IEmissions
/// @notice A fixed OCX emission per epoch, shared among providers pro rata to the verified GPU-seconds their
/// leases were paid for in that epoch, minted lazily when a provider claims.
/// @dev The schedule: E_e = ⌊E_s · (1 − d)^(e − s)⌋ for epoch e of a schedule that starts at epoch s with
/// emission E_s and decay d (18-decimal fixed point per epoch), the power taken by squaring with each product
/// rounded down (so E_e never exceeds the exact value). A schedule change takes effect at the next epoch boundary,
/// so the running epoch's emission never changes once known. A provider's reward for epoch e is
/// ⌊E_e · units_p,e / units_e⌋, rounded down; the dust (at most one wei per claiming provider) is never minted.
/// Work is counted by `recordWork`, into the epoch running at the time of the call, never into a finished
/// one, so a finished epoch's shares are final. A provider slashed at or after the start of epoch e and before
/// it claims e gets nothing for e (the registry's `lastSlashedAt`).
interface IEmissions {
    /// @notice An emission schedule: from epoch `firstEpoch`, which starts at `start`, epochs last `length`
    /// seconds; epoch `firstEpoch` emits `emission`, each later one `decay` (1e18 = 100 %) less than the one before.
    struct Schedule {
        uint64 firstEpoch;
        uint64 start;
        uint32 length;
        uint128 emission;
        uint64 decay;
    }

    /// @notice What is known of one epoch once work was recorded in it.
    struct Epoch {
        uint64 start;
        uint64 end; // 0: no work was ever recorded in the epoch
        uint128 emission; // E_e, fixed when the first work of the epoch was recorded
        uint256 units; // verified GPU-seconds recorded in the epoch, all providers
    }

    // ---------------------------------------------------------------- events

    /// @notice `seconds_` paid seconds of lease `leaseId` (`gpus` GPUs) were counted up to `countedUntil`:
    /// `units` GPU-seconds for `provider` in `epoch` (0 when the provider had no current attestation).
    event WorkRecorded(
        uint256 indexed leaseId,
        address indexed provider,
        uint256 indexed epoch,
        uint256 seconds_,
        uint256 units,
        bool verified,
        uint64 countedUntil
    );
    /// @notice `provider` claimed `reward` OCX (newly minted) for `epoch`; 0 when it was slashed (`forfeited`).
    event RewardClaimed(address indexed provider, uint256 indexed epoch, uint256 reward, bool forfeited);
    /// @notice From epoch `schedule.firstEpoch` on, `schedule` applies.
    event ScheduleChanged(Schedule schedule);

    // ---------------------------------------------------------------- errors

    /// @notice The lease does not exist or was never acknowledged: there is no paid time to count.
    error EmissionsLeaseNotStarted(uint256 leaseId);
    /// @notice The lease came from an auction: its GPU count is not readable from the marketplace, so it is not counted.
    error EmissionsAuctionLease(uint256 leaseId);
    /// @notice The lease's bundle has no GPU model (CPU only): only GPU-seconds earn emissions.
    error EmissionsNotGpuLease(uint256 leaseId);
    /// @notice Nothing new to count: the lease's paid time was counted up to `countedUntil` already.
    error EmissionsNothingToRecord(uint256 leaseId, uint64 countedUntil);
    /// @notice The epoch is still running; claim from `end` (a unix time).
    error EmissionsEpochNotFinished(uint256 epoch, uint64 end);
    /// @notice The provider has no recorded work in the epoch.
    error EmissionsNoWork(address provider, uint256 epoch);
    /// @notice The provider already claimed the epoch.
    error EmissionsAlreadyClaimed(address provider, uint256 epoch);
    /// @notice The emission schedule has not started yet; it starts at `start`.
    error EmissionsNotStarted(uint64 start);
    /// @notice A schedule parameter is outside its bounds.
    error EmissionsParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- actions

    /// @notice Counts the paid seconds of lease `leaseId` since they were last counted (settling an active lease
    /// first), times its GPU count, for its provider in the running epoch, if the provider holds a current
    /// attestation for the lease's model and GPU count now. Anyone may call it, as often as there is new paid
    /// time. The first call only sets the starting point when the lease was settled before: call it right after
    /// acknowledging.
    /// @return units the GPU-seconds credited (0 when unverified)
    function recordWork(uint256 leaseId) external returns (uint256 units);

    /// @notice Mints `provider`'s share of finished epoch `epoch` to it. Anyone may call it; the reward always goes
    /// to the provider.
    function claim(address provider, uint256 epoch) external returns (uint256 reward);

    /// @notice Sets the schedule from the next epoch on: epochs of `length` seconds, the next emitting `emission`,
    /// each later one `decay` less. Only for `SCHEDULE_ROLE` (the timelock under governance).
    function setSchedule(uint32 length, uint128 emission, uint64 decay) external;

    // ---------------------------------------------------------------- views

    /// @notice The epoch running at time `time`, its start and its end.
    function epochAt(uint256 time) external view returns (uint256 epoch, uint64 start, uint64 end);

    /// @notice E_e: what epoch `epoch` emits under the schedule in force for it (a recorded epoch: its snapshot).
    function emissionOf(uint256 epoch) external view returns (uint256);

    /// @notice The record of epoch `epoch` (all zero when no work was recorded in it).
    function getEpoch(uint256 epoch) external view returns (Epoch memory);

    /// @notice `provider`'s recorded units in `epoch` and whether it claimed them.
    function workOf(address provider, uint256 epoch) external view returns (uint256 units, bool claimed);

    /// @notice What `claim(provider, epoch)` would mint now (0 when unfinished, claimed, forfeited or empty).
    function claimable(address provider, uint256 epoch) external view returns (uint256);

    /// @notice Up to which time lease `leaseId`'s paid seconds were counted (0: never).
    function countedUntil(uint256 leaseId) external view returns (uint64);

    /// @notice The schedule in force now, and the one that takes over at its `firstEpoch` (zero when none).
    function schedules() external view returns (Schedule memory current, Schedule memory next);

    /// @notice OCX minted by claims so far.
    function totalClaimed() external view returns (uint256);
}
