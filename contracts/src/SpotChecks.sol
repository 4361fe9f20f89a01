// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IOcxToken} from "./interfaces/IOcxToken.sol";
import {ISpotChecks} from "./interfaces/ISpotChecks.sol";

/// @notice The part of the validator registry spot checks use: who is active, and the bonds it locks.
interface ISpotCheckValidators {
    function isActive(address validator) external view returns (bool);
    function lockBond(address validator, uint256 amount) external;
    function releaseBond(address validator, uint256 amount) external;
    function forfeitBond(address validator, uint256 amount, address to) external;
}

/// @notice The provider registry's slash with a reward to a beneficiary (trust spec).
interface ISpotCheckSlasher {
    function slash(address provider, uint256 amount, bytes32 reason, address beneficiary, uint16 rewardBps)
        external
        returns (uint256 slashed);
}

/// @title SpotChecks
/// @notice Staked validators re-execute a sample of completed deterministic leases; a provider whose result a
/// majority of an escalated quorum rejects is slashed. Separate from the marketplace (at its size limit), which
/// it reads only through `getLease`.
/// @dev Needs BOND_ROLE on the validator registry and SLASHER_ROLE on the provider registry.
contract SpotChecks is ISpotChecks, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IOcxToken;

    /// @notice May change the parameters (governance, later).
    bytes32 public constant PARAMETER_ADMIN_ROLE = keccak256("PARAMETER_ADMIN_ROLE");
    /// @notice The vote of a re-executor that found the opener's quote of the provider's result hash wrong.
    bytes32 public constant QUOTE_WRONG = bytes32(type(uint256).max);
    /// @notice The reason the registry records for a spot-check slash.
    bytes32 public constant SLASH_REASON = "spot-check";
    uint256 private constant PPM = 1_000_000;
    uint8 public constant MAX_QUORUM = 15;

    IMarketplace public immutable market;
    ISpotCheckValidators public immutable validators;
    ISpotCheckSlasher public immutable registry;
    IOcxToken public immutable token;

    Parameters private _parameters;
    uint256 private _checkCount;
    mapping(uint256 checkId => Check) private _checks;
    mapping(uint256 checkId => address[]) private _reexecutors;
    mapping(uint256 checkId => mapping(address validator => bytes32)) private _votes;
    mapping(uint256 leaseId => uint256 checkId) private _checkOfLease;
    mapping(address provider => Record) private _records;

    constructor(
        IMarketplace market_,
        ISpotCheckValidators validators_,
        ISpotCheckSlasher registry_,
        IOcxToken token_,
        address admin,
        Parameters memory parameters_
    ) AccessControlDefaultAdminRules(0, admin) {
        market = market_;
        validators = validators_;
        registry = registry_;
        token = token_;
        _grantRole(PARAMETER_ADMIN_ROLE, admin);
        _setParameters(parameters_);
    }

    modifier onlyActiveValidator() {
        if (!validators.isActive(msg.sender)) revert SpotChecksNotActiveValidator(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- actions

    /// @inheritdoc ISpotChecks
    function open(uint256 leaseId, bytes32 resultHash)
        external
        onlyActiveValidator
        nonReentrant
        returns (uint256 checkId)
    {
        if (resultHash == bytes32(0)) revert SpotChecksZeroHash();
        IMarketplace.Lease memory lease = market.getLease(leaseId);
        if (lease.state != IMarketplace.LeaseState.Closed) {
            revert SpotChecksLeaseNotClosed(leaseId, uint8(lease.state));
        }
        if (lease.provider == msg.sender) revert SpotChecksOwnLease(leaseId, msg.sender);
        uint256 existing = _checkOfLease[leaseId];
        if (existing != 0) revert SpotChecksAlreadyChecked(leaseId, existing);
        Parameters memory p = _parameters;
        // A closed lease's settledAt is the second it closed.
        uint256 lastSecond = uint256(lease.settledAt) + p.openWindow;
        if (block.timestamp > lastSecond) revert SpotChecksLeaseTooOld(leaseId, lease.settledAt, lastSecond);

        checkId = ++_checkCount;
        uint32 rate = _rateOf(_records[lease.provider], p);
        uint64 deadline = uint64(block.timestamp) + p.submitWindow;
        _checks[checkId] = Check({
            leaseId: leaseId,
            provider: lease.provider,
            opener: msg.sender,
            resultHash: resultHash,
            openedBlock: uint64(block.number),
            deadline: deadline,
            ratePpm: rate,
            quorum: p.quorum,
            submitted: 0,
            // At the full rate every seed selects: no need to wait for it.
            selected: rate >= PPM,
            state: CheckState.Open
        });
        _checkOfLease[leaseId] = checkId;
        emit SpotCheckOpened(checkId, leaseId, lease.provider, msg.sender, resultHash, rate, deadline);
        validators.lockBond(msg.sender, p.bond);
    }

    /// @inheritdoc ISpotChecks
    function fixSelection(uint256 checkId) external nonReentrant returns (bool selected) {
        Check storage c = _open(checkId);
        return _resolveSelection(checkId, c);
    }

    /// @inheritdoc ISpotChecks
    function submit(uint256 checkId, bytes32 resultHash) external onlyActiveValidator nonReentrant {
        if (resultHash == bytes32(0)) revert SpotChecksZeroHash();
        Check storage c = _open(checkId);
        if (!_resolveSelection(checkId, c)) return; // skipped: nothing to re-execute, no bond taken
        if (block.timestamp > c.deadline) revert SpotChecksWindowClosed(checkId, c.deadline);
        if (c.provider == msg.sender) revert SpotChecksOwnLease(c.leaseId, msg.sender);
        if (_votes[checkId][msg.sender] != bytes32(0)) revert SpotChecksAlreadySubmitted(checkId, msg.sender);
        if (c.submitted >= c.quorum) revert SpotChecksQuorumFull(checkId, c.quorum);

        Parameters memory p = _parameters;
        _votes[checkId][msg.sender] = resultHash;
        _reexecutors[checkId].push(msg.sender);
        // Cannot overflow: submitted < quorum <= MAX_QUORUM.
        unchecked {
            c.submitted += 1;
        }
        bool agrees = resultHash == c.resultHash;
        emit SpotCheckSubmitted(checkId, msg.sender, resultHash, agrees);
        if (!agrees && c.quorum < p.escalatedQuorum) {
            c.quorum = p.escalatedQuorum;
            c.deadline = uint64(block.timestamp) + p.submitWindow;
            emit SpotCheckEscalated(checkId, c.quorum, c.deadline);
        }
        validators.lockBond(msg.sender, p.bond);
    }

    /// @inheritdoc ISpotChecks
    function finalize(uint256 checkId) external nonReentrant returns (CheckState outcome) {
        Check storage c = _open(checkId);
        if (!_resolveSelection(checkId, c)) return CheckState.Skipped;
        if (c.submitted < c.quorum && block.timestamp <= c.deadline) {
            revert SpotChecksNotReady(checkId, c.submitted, c.quorum, c.deadline);
        }
        address[] storage voters = _reexecutors[checkId];
        uint8 agreed;
        uint8 quoteWrong;
        for (uint256 i; i < voters.length; ++i) {
            bytes32 vote = _votes[checkId][voters[i]];
            if (vote == c.resultHash) ++agreed;
            else if (vote == QUOTE_WRONG) ++quoteWrong;
        }
        // Cannot underflow: the three classes partition the voters.
        uint8 disagreed = c.submitted - agreed - quoteWrong;
        Parameters memory p = _parameters;
        uint256 q = c.quorum;
        // A side wins with a strict majority of the quorum (not of those who showed up). Disagreeing hashes need not
        // agree with each other: they agree that the provider's result is not the job's.
        if (2 * uint256(agreed) > q) outcome = CheckState.Valid;
        else if (2 * uint256(disagreed) > q && q >= p.escalatedQuorum) outcome = CheckState.Invalid;
        else if (2 * uint256(quoteWrong) > q) outcome = CheckState.Misquoted;
        else outcome = CheckState.Inconclusive;
        c.state = outcome;

        Record storage r = _records[c.provider];
        if (outcome == CheckState.Valid) {
            r.consecutiveValid += 1;
            r.valid += 1;
        } else if (outcome == CheckState.Invalid) {
            r.consecutiveValid = 0;
            r.invalid += 1;
        }
        if (outcome == CheckState.Misquoted) {
            validators.forfeitBond(c.opener, p.bond, c.provider);
            emit SpotCheckBondForfeited(checkId, c.opener, c.provider, p.bond);
        } else {
            validators.releaseBond(c.opener, p.bond);
        }
        _settleBonds(checkId, c, outcome, p.bond);
        uint256 slashed = outcome == CheckState.Invalid ? _slashAndReward(checkId, c, p) : 0;
        emit SpotCheckFinalized(
            checkId, c.provider, outcome, agreed, disagreed, quoteWrong, slashed, r.consecutiveValid
        );
    }

    /// @inheritdoc ISpotChecks
    function setParameters(Parameters calldata parameters_) external onlyRole(PARAMETER_ADMIN_ROLE) {
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISpotChecks
    function getCheck(uint256 checkId) external view returns (Check memory) {
        return _checks[checkId];
    }

    /// @inheritdoc ISpotChecks
    function voteOf(uint256 checkId, address validator) external view returns (bytes32) {
        return _votes[checkId][validator];
    }

    /// @inheritdoc ISpotChecks
    function reexecutorsOf(uint256 checkId) external view returns (address[] memory) {
        return _reexecutors[checkId];
    }

    /// @inheritdoc ISpotChecks
    function checkOfLease(uint256 leaseId) external view returns (uint256) {
        return _checkOfLease[leaseId];
    }

    /// @inheritdoc ISpotChecks
    function recordOf(address provider) external view returns (Record memory) {
        return _records[provider];
    }

    /// @inheritdoc ISpotChecks
    function rateOf(address provider) external view returns (uint32) {
        return _rateOf(_records[provider], _parameters);
    }

    /// @inheritdoc ISpotChecks
    function isSelected(bytes32 seed, uint256 leaseId, uint32 ratePpm) public pure returns (bool) {
        return uint256(sha256(abi.encodePacked(seed, leaseId))) % PPM < ratePpm;
    }

    /// @inheritdoc ISpotChecks
    function checkCount() external view returns (uint256) {
        return _checkCount;
    }

    /// @inheritdoc ISpotChecks
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    // ---------------------------------------------------------------- internal

    function _open(uint256 checkId) private view returns (Check storage c) {
        c = _checks[checkId];
        if (c.state == CheckState.None) revert SpotChecksUnknownCheck(checkId);
        if (c.state != CheckState.Open) revert SpotChecksNotOpen(checkId, c.state);
    }

    function _rateOf(Record storage r, Parameters memory p) private view returns (uint32) {
        uint256 consecutive = r.consecutiveValid;
        if (consecutive < p.replicationThreshold || consecutive == 0) return uint32(PPM);
        // Rounded down (fewer checks); never below the floor that keeps cheating unprofitable.
        uint256 rate = PPM / consecutive;
        return uint32(rate < p.minRatePpm ? p.minRatePpm : rate);
    }

    /// @dev Learns from the opening block's hash whether the lease is checked; a check that is not is Skipped and
    /// its opener's bond released. A hash older than 256 blocks is unreadable (0): the check is Skipped too.
    function _resolveSelection(uint256 checkId, Check storage c) private returns (bool) {
        if (c.selected) return true;
        if (block.number <= c.openedBlock) revert SpotChecksSeedNotReady(checkId, c.openedBlock);
        bytes32 seed = blockhash(c.openedBlock);
        if (seed != bytes32(0) && isSelected(seed, c.leaseId, c.ratePpm)) {
            c.selected = true;
            return true;
        }
        c.state = CheckState.Skipped;
        emit SpotCheckSkipped(checkId, c.provider, seed, c.ratePpm);
        validators.releaseBond(c.opener, _parameters.bond);
        return false;
    }

    /// @dev Releases the bonds of the winning side (and of everyone when nothing was decided) and forfeits the
    /// losers' bonds to the winners, ⌊bond/m⌋ each and the remainder to the first winner.
    function _settleBonds(uint256 checkId, Check storage c, CheckState outcome, uint256 bond) private {
        address[] storage voters = _reexecutors[checkId];
        bool decided = outcome == CheckState.Valid || outcome == CheckState.Invalid || outcome == CheckState.Misquoted;
        address[] memory winners = new address[](voters.length);
        uint256 m;
        for (uint256 i; i < voters.length; ++i) {
            if (!decided || _wins(_votes[checkId][voters[i]], c.resultHash, outcome)) {
                winners[m++] = voters[i];
                validators.releaseBond(voters[i], bond);
            }
        }
        if (!decided || m == voters.length) return;
        // m > 0: a decided outcome has a strict majority of the quorum on the winning side.
        uint256 share = bond / m;
        uint256 remainder = bond - share * m;
        for (uint256 i; i < voters.length; ++i) {
            address loser = voters[i];
            if (_wins(_votes[checkId][loser], c.resultHash, outcome)) continue;
            for (uint256 j; j < m; ++j) {
                uint256 amount = j == 0 ? share + remainder : share;
                if (amount == 0) continue;
                validators.forfeitBond(loser, amount, winners[j]);
                emit SpotCheckBondForfeited(checkId, loser, winners[j], amount);
            }
        }
    }

    function _wins(bytes32 vote, bytes32 providerHash, CheckState outcome) private pure returns (bool) {
        if (outcome == CheckState.Valid) return vote == providerHash;
        if (outcome == CheckState.Misquoted) return vote == QUOTE_WRONG;
        return vote != providerHash && vote != QUOTE_WRONG; // Invalid
    }

    /// @dev Slashes the provider with `rewardBps` to this contract, then passes the reward on to the winners at once.
    function _slashAndReward(uint256 checkId, Check storage c, Parameters memory p) private returns (uint256 slashed) {
        if (p.slashAmount == 0) return 0;
        uint256 before = token.balanceOf(address(this));
        slashed = registry.slash(c.provider, p.slashAmount, SLASH_REASON, address(this), p.rewardBps);
        uint256 reward = token.balanceOf(address(this)) - before;
        if (reward == 0) return slashed;
        address[] storage voters = _reexecutors[checkId];
        address[] memory winners = new address[](voters.length);
        uint256 m;
        for (uint256 i; i < voters.length; ++i) {
            if (_wins(_votes[checkId][voters[i]], c.resultHash, CheckState.Invalid)) winners[m++] = voters[i];
        }
        uint256 share = reward / m;
        for (uint256 j; j < m; ++j) {
            // Rounded down per winner; the first takes the remainder, so the whole reward leaves this contract.
            uint256 amount = j == 0 ? reward - share * (m - 1) : share;
            emit SpotCheckRewardPaid(checkId, winners[j], amount);
            token.safeTransfer(winners[j], amount);
        }
    }

    function _setParameters(Parameters memory p) private {
        // The registry refuses to lock a zero bond; a check without stake at risk would invite noise anyway.
        _check("bond", p.bond, 1, type(uint128).max);
        _check("quorum", p.quorum, 1, MAX_QUORUM);
        _check("escalatedQuorum", p.escalatedQuorum, p.quorum, MAX_QUORUM);
        _check("rewardBps", p.rewardBps, 0, 10_000);
        _check("submitWindow", p.submitWindow, 1 minutes, 30 days);
        _check("openWindow", p.openWindow, 1 minutes, 90 days);
        _check("replicationThreshold", p.replicationThreshold, 1, type(uint16).max);
        _check("minRatePpm", p.minRatePpm, 1, PPM);
        _parameters = p;
        emit ParametersChanged(p);
    }

    function _check(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert SpotChecksParameterOutOfBounds(name, value, min, max);
    }
}
