// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ISpotChecks
/// @notice Re-execution of a sample of completed deterministic leases by staked validators, with a
/// per-provider check rate that follows BOINC's adaptive replication.
/// @dev What this trusts (it is not an on-chain proof): a strict majority of the staked re-executors of a
/// check. The marketplace keeps a lease's result hash only in its `LeaseCompleted` event (its code is at
/// the 24 KiB limit), so the opener quotes it; every honest re-executor checks the quote against the event
/// and votes `QUOTE_WRONG` when it differs. Money rules:
/// - The opener locks `bond` of its validator stake for its quote; each re-executor locks `bond` for its vote.
/// - A decided check (Valid, Invalid, Misquoted) forfeits the bond of every re-executor on the losing side to
///   those on the winning side, split equally (⌊bond/m⌋ each, the remainder to the first of them, so no unit
///   is lost). Every other bond is released. A misquoting opener's bond goes to the provider.
/// - Invalid slashes `slashAmount` from the provider through the registry, with `rewardBps` of it paid to this
///   contract and passed on at once to the winning re-executors in the same way: this contract never keeps a token.
interface ISpotChecks {
    // ---------------------------------------------------------------- types

    /// @notice Where a check stands.
    enum CheckState {
        None,
        Open, // collecting re-executions (quorum `quorum` of the check)
        Skipped, // the seed did not select the lease at the provider's rate, or the seed was lost: nothing happens
        Valid, // a strict majority of the quorum agreed with the provider's result
        Invalid, // a strict majority of the escalated quorum disagreed: the provider was slashed
        Misquoted, // a strict majority found the opener's quote of the result hash wrong
        Inconclusive // no strict majority by the deadline: every bond released, no change
    }

    /// @notice One spot check, as `getCheck` returns it.
    struct Check {
        uint256 leaseId;
        address provider;
        address opener;
        bytes32 resultHash; // the provider's result hash from LeaseCompleted, as the opener quoted it
        uint64 openedBlock; // the block whose hash seeds the selection
        uint64 deadline; // last second (block time) at which a re-execution may be submitted
        uint32 ratePpm; // the provider's check rate when the check was opened, in parts per million
        uint8 quorum; // re-executions wanted: `parameters().quorum`, or `escalatedQuorum` after a mismatch
        uint8 submitted; // re-executions submitted
        bool selected; // the seed selected the lease (set once the seed is known)
        CheckState state;
    }

    /// @notice A provider's record of spot checks.
    struct Record {
        uint32 consecutiveValid; // valid checks since the last invalid one (BOINC's "consecutive valid")
        uint32 valid; // valid checks, all time
        uint32 invalid; // invalid checks, all time
    }

    /// @notice Protocol parameters of spot checks.
    struct Parameters {
        uint128 bond; // validator stake locked per quote and per re-execution
        uint128 slashAmount; // OCX slashed from a provider whose result a majority of the escalated quorum rejected
        uint16 rewardBps; // share of the slash paid to the winning re-executors
        uint8 quorum; // re-executions of a check at first (default 1)
        uint8 escalatedQuorum; // re-executions once any vote disagrees (default 3)
        uint32 submitWindow; // seconds to submit re-executions after the opening (and again after an escalation)
        uint32 openWindow; // seconds after a lease closed during which it may be checked
        uint16 replicationThreshold; // consecutive valid checks after which the rate falls below 100 % (BOINC: 10)
        uint32 minRatePpm; // the rate never falls below this, so that cheating never pays (see docs/trust.md)
    }

    // ---------------------------------------------------------------- events

    /// @notice A validator opened a check of a closed lease, quoting the provider's result hash.
    event SpotCheckOpened(
        uint256 indexed checkId,
        uint256 indexed leaseId,
        address indexed provider,
        address opener,
        bytes32 resultHash,
        uint32 ratePpm,
        uint64 deadline
    );
    /// @notice The seed (`blockhash` of the opening block) did not select the lease, or was no longer readable.
    event SpotCheckSkipped(uint256 indexed checkId, address indexed provider, bytes32 seed, uint32 ratePpm);
    /// @notice A re-executor submitted its result hash; `agrees` is true when it equals the provider's.
    event SpotCheckSubmitted(uint256 indexed checkId, address indexed validator, bytes32 resultHash, bool agrees);
    /// @notice A vote disagreed with the provider: the check now wants `quorum` re-executions by `deadline`.
    event SpotCheckEscalated(uint256 indexed checkId, uint8 quorum, uint64 deadline);
    /// @notice A check ended. `slashed` is what the registry took from the provider (Invalid only).
    event SpotCheckFinalized(
        uint256 indexed checkId,
        address indexed provider,
        CheckState outcome,
        uint8 agreed,
        uint8 disagreed,
        uint8 quoteWrong,
        uint256 slashed,
        uint32 consecutiveValid
    );
    /// @notice A re-executor's bond went to the winning side of a check (or an opener's to the provider).
    event SpotCheckBondForfeited(
        uint256 indexed checkId, address indexed validator, address indexed to, uint256 amount
    );
    /// @notice A winning re-executor received part of the provider's slash.
    event SpotCheckRewardPaid(uint256 indexed checkId, address indexed validator, uint256 amount);
    /// @notice The parameter admin changed the parameters.
    event ParametersChanged(Parameters parameters);

    // ---------------------------------------------------------------- errors

    /// @notice Only an active validator (admitted, staked) may open checks and re-execute.
    error SpotChecksNotActiveValidator(address account);
    /// @notice The lease is not closed (state as `IMarketplace.LeaseState`): only closed leases are checked.
    error SpotChecksLeaseNotClosed(uint256 leaseId, uint8 state);
    /// @notice The lease closed at `closedAt`; checks are opened up to `closedAt + openWindow`.
    error SpotChecksLeaseTooOld(uint256 leaseId, uint256 closedAt, uint256 lastSecond);
    /// @notice The lease already has a check; each lease gets one.
    error SpotChecksAlreadyChecked(uint256 leaseId, uint256 checkId);
    /// @notice A provider cannot check or re-execute its own lease.
    error SpotChecksOwnLease(uint256 leaseId, address provider);
    /// @notice A result hash of zero: submit the sha256 of the re-executed results archive.
    error SpotChecksZeroHash();
    /// @notice No such check.
    error SpotChecksUnknownCheck(uint256 checkId);
    /// @notice The check is not open (it is in `state`).
    error SpotChecksNotOpen(uint256 checkId, CheckState state);
    /// @notice The seed is the hash of the opening block: readable from the next block on.
    error SpotChecksSeedNotReady(uint256 checkId, uint64 openedBlock);
    /// @notice The submission window closed at `deadline`.
    error SpotChecksWindowClosed(uint256 checkId, uint64 deadline);
    /// @notice The validator already submitted to this check.
    error SpotChecksAlreadySubmitted(uint256 checkId, address validator);
    /// @notice The check has all the re-executions it wants.
    error SpotChecksQuorumFull(uint256 checkId, uint8 quorum);
    /// @notice The check can be finalized once it has `quorum` re-executions, or after `deadline`.
    error SpotChecksNotReady(uint256 checkId, uint8 submitted, uint8 quorum, uint64 deadline);
    /// @notice A parameter is outside its allowed range.
    error SpotChecksParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- actions

    /// @notice Opens a check of closed lease `leaseId`, quoting the provider's `resultHash` from its LeaseCompleted
    /// event. Locks `bond` of the caller's validator stake. The lease is checked only if
    /// `uint256(sha256(blockhash(opening block), leaseId)) % 1e6 < rateOf(provider)`, decided from the next block on.
    function open(uint256 leaseId, bytes32 resultHash) external returns (uint256 checkId);

    /// @notice Decides whether the check's seed selected its lease (anyone, from the block after the opening).
    /// `submit` and `finalize` do it themselves; this lets a watcher learn early.
    function fixSelection(uint256 checkId) external returns (bool selected);

    /// @notice Submits the caller's re-executed result hash (or `QUOTE_WRONG`), locking `bond` of its stake. Any vote
    /// other than the provider's hash escalates the quorum to `escalatedQuorum` and restarts the window.
    function submit(uint256 checkId, bytes32 resultHash) external;

    /// @notice Ends a check that has its quorum of votes or whose window has passed (anyone), applying the outcome.
    function finalize(uint256 checkId) external returns (CheckState outcome);

    /// @notice Sets the parameters, each checked against its bounds.
    function setParameters(Parameters calldata parameters) external;

    // ---------------------------------------------------------------- views

    /// @notice A check.
    function getCheck(uint256 checkId) external view returns (Check memory);

    /// @notice The vote of `validator` in a check (zero when it did not vote).
    function voteOf(uint256 checkId, address validator) external view returns (bytes32);

    /// @notice The re-executors of a check, in the order they submitted.
    function reexecutorsOf(uint256 checkId) external view returns (address[] memory);

    /// @notice The check of a lease, or 0.
    function checkOfLease(uint256 leaseId) external view returns (uint256);

    /// @notice A provider's spot-check record.
    function recordOf(address provider) external view returns (Record memory);

    /// @notice The provider's check rate in parts per million: 1e6 until `replicationThreshold` consecutive valid
    /// checks, then 1e6 / consecutiveValid (rounded down), never below `minRatePpm`.
    function rateOf(address provider) external view returns (uint32);

    /// @notice Whether a check of `leaseId` opened in a block with hash `seed` at rate `ratePpm` is selected.
    function isSelected(bytes32 seed, uint256 leaseId, uint32 ratePpm) external pure returns (bool);

    /// @notice The number of checks opened so far (ids run from 1).
    function checkCount() external view returns (uint256);

    /// @notice The parameters.
    function parameters() external view returns (Parameters memory);
}
