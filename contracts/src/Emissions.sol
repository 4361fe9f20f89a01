// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IEmissions} from "./interfaces/IEmissions.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IProofOfCompute} from "./interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @notice The token's minting entry point (OcxToken's `mint`, for MINTER_ROLE).
interface IOcxMinter {
    function mint(address to, uint256 amount) external;
}

/// @title Emissions
/// @notice Pays OCX, newly minted, for verified GPU-seconds: a fixed, decaying emission per epoch shared pro rata
/// among the providers whose paid lease time was recorded in the epoch while they held a current attestation.
/// @dev Reads the marketplace (leases, offers), ProofOfCompute (`isVerified`) and the registry (`lastSlashedAt`);
/// adds no code to any of them. Needs OcxToken's MINTER_ROLE. The schedule belongs to `SCHEDULE_ROLE`, the admin
/// role changes hands in two steps; under governance both move to the timelock. Emissions stay in OCX whatever the
/// marketplace settles in (GPU-seconds, not money, are counted), so dollar credits do not change this contract.
/// Every operation is O(1): no loops over providers, leases or epochs.
contract Emissions is IEmissions, AccessControlDefaultAdminRules, ReentrancyGuard {
    /// @notice May change the emission schedule (from the next epoch on).
    bytes32 public constant SCHEDULE_ROLE = keccak256("SCHEDULE_ROLE");

    /// @notice 1.0 in the decay's fixed point.
    uint256 public constant ONE = 1e18;
    /// @notice Bounds of the schedule's parameters.
    uint32 public constant MIN_EPOCH_LENGTH = 60;
    uint32 public constant MAX_EPOCH_LENGTH = 366 days;
    uint128 public constant MAX_EMISSION = 1e9 ether;

    IOcxMinter public immutable token;
    IMarketplace public immutable market;
    IProviderRegistry public immutable registry;
    IProofOfCompute public immutable proofs;

    struct Work {
        uint248 units;
        bool claimed;
    }

    Schedule private _schedule;
    Schedule private _next; // length 0: none
    mapping(uint256 epoch => Epoch) private _epochs;
    mapping(address provider => mapping(uint256 epoch => Work)) private _work;
    mapping(uint256 leaseId => uint64) private _countedUntil;
    uint256 private _totalClaimed;

    /// @param start when epoch 0 starts (0: now)
    /// @param length seconds per epoch
    /// @param emission E_0, in the token's smallest unit
    /// @param decay per epoch, 1e18 = 100 %
    constructor(
        IOcxMinter token_,
        IMarketplace market_,
        IProviderRegistry registry_,
        IProofOfCompute proofs_,
        address admin,
        uint64 start,
        uint32 length,
        uint128 emission,
        uint64 decay
    ) AccessControlDefaultAdminRules(0, admin) {
        token = token_;
        market = market_;
        registry = registry_;
        proofs = proofs_;
        _grantRole(SCHEDULE_ROLE, admin);
        _checkSchedule(length, emission, decay);
        _schedule = Schedule({
            firstEpoch: 0,
            start: start == 0 ? uint64(block.timestamp) : start,
            length: length,
            emission: emission,
            decay: decay
        });
        emit ScheduleChanged(_schedule);
    }

    // ---------------------------------------------------------------- actions

    /// @inheritdoc IEmissions
    function recordWork(uint256 leaseId) external nonReentrant returns (uint256 units) {
        _promote();
        IMarketplace.Lease memory lease = market.getLease(leaseId);
        if (lease.state == IMarketplace.LeaseState.None || lease.state == IMarketplace.LeaseState.Pending) {
            revert EmissionsLeaseNotStarted(leaseId);
        }
        if (lease.offerId == 0) revert EmissionsAuctionLease(leaseId);
        IMarketplace.Resources memory bundle = market.getOffer(lease.offerId).resources;
        if (bundle.gpuModel == bytes32(0) || bundle.gpuCount == 0) revert EmissionsNotGpuLease(leaseId);

        uint64 from = _countedUntil[leaseId];
        bool first = from == 0;
        // The first sight starts from the lease's settled time before this call settles it: right after the
        // acknowledgement that is the lease's start.
        if (first) from = lease.settledAt;
        if (lease.state == IMarketplace.LeaseState.Active) {
            // Settling moves settledAt to now (or closes an exhausted lease): only paid time is counted.
            market.settle(leaseId);
            lease = market.getLease(leaseId);
        }
        uint64 until = uint64(lease.settledAt);
        if (until <= from) {
            if (!first) revert EmissionsNothingToRecord(leaseId, from);
            _countedUntil[leaseId] = from;
            emit WorkRecorded(leaseId, lease.provider, _currentEpoch(), 0, 0, false, from);
            return 0;
        }
        _countedUntil[leaseId] = until;
        units = _credit(leaseId, lease.provider, bundle, until - from, until);
    }

    /// @dev Credits `seconds_` paid seconds of the lease to its provider in the running epoch, if verified now.
    function _credit(
        uint256 leaseId,
        address provider,
        IMarketplace.Resources memory bundle,
        uint256 seconds_,
        uint64 until
    ) private returns (uint256 units) {
        (uint256 epoch, uint64 start, uint64 end, Schedule memory s) = _epochAt(block.timestamp);
        Epoch storage ep = _epochs[epoch];
        if (ep.end == 0) {
            ep.start = start;
            ep.end = end;
            ep.emission = uint128(_emission(s, epoch));
        }
        bool verified = proofs.isVerified(provider, bundle.gpuModel, bundle.gpuCount);
        if (verified) {
            units = seconds_ * bundle.gpuCount;
            ep.units += units;
            _work[provider][epoch].units += uint248(units);
        }
        emit WorkRecorded(leaseId, provider, epoch, seconds_, units, verified, until);
    }

    /// @inheritdoc IEmissions
    function claim(address provider, uint256 epoch) external nonReentrant returns (uint256 reward) {
        Epoch storage ep = _epochs[epoch];
        Work storage w = _work[provider][epoch];
        if (ep.end == 0 || w.units == 0) {
            if (ep.end == 0) {
                (uint256 running,, uint64 runningEnd,) = _epochAt(block.timestamp);
                if (epoch == running) revert EmissionsEpochNotFinished(epoch, runningEnd);
            }
            revert EmissionsNoWork(provider, epoch);
        }
        if (block.timestamp < ep.end) revert EmissionsEpochNotFinished(epoch, ep.end);
        if (w.claimed) revert EmissionsAlreadyClaimed(provider, epoch);
        w.claimed = true;
        bool forfeited = registry.lastSlashedAt(provider) >= ep.start;
        // Rounded down: Σ over providers ≤ the epoch's emission; the dust is never minted.
        if (!forfeited) reward = Math.mulDiv(ep.emission, w.units, ep.units);
        _totalClaimed += reward;
        emit RewardClaimed(provider, epoch, reward, forfeited);
        if (reward != 0) token.mint(provider, reward);
    }

    /// @inheritdoc IEmissions
    function setSchedule(uint32 length, uint128 emission, uint64 decay) external onlyRole(SCHEDULE_ROLE) {
        _checkSchedule(length, emission, decay);
        _promote();
        if (block.timestamp < _schedule.start) {
            // Not started: the new schedule replaces the current one from its start.
            _schedule.length = length;
            _schedule.emission = emission;
            _schedule.decay = decay;
            delete _next;
            emit ScheduleChanged(_schedule);
            return;
        }
        (uint256 epoch,, uint64 end,) = _epochAt(block.timestamp);
        _next = Schedule({firstEpoch: uint64(epoch + 1), start: end, length: length, emission: emission, decay: decay});
        emit ScheduleChanged(_next);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IEmissions
    function epochAt(uint256 time) external view returns (uint256 epoch, uint64 start, uint64 end) {
        (epoch, start, end,) = _epochAt(time);
    }

    /// @inheritdoc IEmissions
    function emissionOf(uint256 epoch) external view returns (uint256) {
        Epoch storage ep = _epochs[epoch];
        if (ep.end != 0) return ep.emission;
        if (_next.length != 0 && epoch >= _next.firstEpoch) return _emission(_next, epoch);
        if (epoch >= _schedule.firstEpoch) return _emission(_schedule, epoch);
        return 0; // a past schedule's epoch without work: nothing was or will be emitted
    }

    /// @inheritdoc IEmissions
    function getEpoch(uint256 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc IEmissions
    function workOf(address provider, uint256 epoch) external view returns (uint256 units, bool claimed) {
        Work storage w = _work[provider][epoch];
        return (w.units, w.claimed);
    }

    /// @inheritdoc IEmissions
    function claimable(address provider, uint256 epoch) external view returns (uint256) {
        Epoch storage ep = _epochs[epoch];
        Work storage w = _work[provider][epoch];
        if (ep.end == 0 || block.timestamp < ep.end || w.units == 0 || w.claimed) return 0;
        if (registry.lastSlashedAt(provider) >= ep.start) return 0;
        return Math.mulDiv(ep.emission, w.units, ep.units);
    }

    /// @inheritdoc IEmissions
    function countedUntil(uint256 leaseId) external view returns (uint64) {
        return _countedUntil[leaseId];
    }

    /// @inheritdoc IEmissions
    function schedules() external view returns (Schedule memory current, Schedule memory next) {
        current = _schedule;
        next = _next;
        if (next.length != 0 && block.timestamp >= next.start) (current, next) = (next, Schedule(0, 0, 0, 0, 0));
    }

    /// @inheritdoc IEmissions
    function totalClaimed() external view returns (uint256) {
        return _totalClaimed;
    }

    // ---------------------------------------------------------------- internal

    /// @dev The pending schedule becomes the current one once its first epoch has begun.
    function _promote() private {
        if (_next.length != 0 && block.timestamp >= _next.start) {
            _schedule = _next;
            delete _next;
        }
    }

    function _currentEpoch() private view returns (uint256 epoch) {
        (epoch,,,) = _epochAt(block.timestamp);
    }

    /// @dev The epoch running at `time` under the schedule in force then (only for times from the current
    /// schedule's start on: older epochs are known by their records).
    function _epochAt(uint256 time)
        private
        view
        returns (uint256 epoch, uint64 start, uint64 end, Schedule memory s)
    {
        s = _next.length != 0 && time >= _next.start ? _next : _schedule;
        if (time < s.start) revert EmissionsNotStarted(s.start);
        uint256 k = (time - s.start) / s.length;
        epoch = s.firstEpoch + k;
        start = uint64(s.start + k * s.length);
        end = start + s.length;
    }

    /// @dev E_e = ⌊E_s·(1−d)^(e−s)⌋ with the power taken by squaring, every product rounded down.
    function _emission(Schedule memory s, uint256 epoch) private pure returns (uint256) {
        return Math.mulDiv(s.emission, decayFactor(s.decay, epoch - s.firstEpoch), ONE);
    }

    /// @notice (1 − decay)^n in 1e18 fixed point, by squaring, each product rounded down (the TS simulation's
    /// `decayFactor` is the same loop).
    function decayFactor(uint256 decay, uint256 n) public pure returns (uint256 f) {
        f = ONE;
        uint256 b = ONE - decay;
        while (n != 0) {
            if (n & 1 != 0) f = f * b / ONE;
            n >>= 1;
            if (n != 0) b = b * b / ONE;
        }
    }

    function _checkSchedule(uint32 length, uint128 emission, uint64 decay) private pure {
        if (length < MIN_EPOCH_LENGTH || length > MAX_EPOCH_LENGTH) {
            revert EmissionsParameterOutOfBounds("length", length, MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH);
        }
        if (emission > MAX_EMISSION) revert EmissionsParameterOutOfBounds("emission", emission, 0, MAX_EMISSION);
        if (decay > ONE) revert EmissionsParameterOutOfBounds("decay", decay, 0, ONE);
    }
}
