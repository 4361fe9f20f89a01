// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IMarketplace
/// @notice The OCX market: standing offers that buyers take, requests that providers bid on, and
/// the leases both create, with escrowed deposits that pay providers per second.
/// @dev Money rules, stated once:
/// - A lease accrues `pricePerSecond` for every second after its acknowledgement, capped by its escrow.
/// - Settlement is lazy: whoever touches a lease settles it up to that second.
/// - The protocol fee is `paid * feeBps / 10_000`, rounded down (in the provider's favour); the
///   provider is credited the exact rest, so no unit is ever created or lost. A lease keeps the
///   fee that was in force when it was created: changing the parameter affects new leases only.
/// - Provider earnings and protocol fees are held by the marketplace until `withdraw` and
///   `flushFees`; the token balance of the marketplace always equals open request deposits plus live
///   escrows plus unwithdrawn earnings plus unflushed fees. Fees are first booked beside their
///   provider's earnings (one storage slot per provider, so settling writes one slot, not two); the
///   provider's `withdraw`, or anyone's `sweepFees`, moves them to the pool that `flushFees` burns.
/// - A provider that completes a lease names the second its workload ended: the lease settles at
///   that second, clamped to [the last settlement, now], so the provider can only claim less.
/// Roles: one admin (two-step transfer: `transferAdmin`, then `acceptAdmin` by the new admin) sets the
/// parameters and the guardian; the guardian (or the admin) can pause the creation of new business
/// (offers, leases from offers, quotes or auctions, requests, bids). A pause never blocks a way out:
/// acknowledge, settle, top up, close, complete, cancel, cancel a request, a bid-less auction's
/// refund, withdraw, sweep and flush all keep working. Only the admin unpauses.
interface IMarketplace {
    // ---------------------------------------------------------------- types

    /// @notice A bundle of compute. In an offer, what the provider sells; in a request, the minimum the buyer needs.
    struct Resources {
        bytes32 gpuModel; // left-aligned ASCII model id, e.g. "nvidia-h100-80gb"; 0 = CPU only (offer) / any (request)
        bytes32 region; // left-aligned ASCII region, e.g. "eu-west"; 0 = any (request)
        uint16 gpuCount; // GPUs in the bundle
        uint32 gpuVramMiB; // VRAM per GPU
        uint32 cpuMillicores; // CPU, in thousandths of a core
        uint32 memoryMiB; // RAM
        uint32 diskMiB; // scratch disk
    }

    enum OfferState {
        None,
        Active,
        Paused,
        Withdrawn
    }

    /// @notice A provider's standing offer.
    struct Offer {
        address provider;
        OfferState state;
        uint16 maxLeases; // leases of this bundle the provider can run at once
        uint16 activeLeases; // leases of this offer not yet closed
        uint32 minDuration; // seconds a deposit must at least cover
        uint128 pricePerSecond;
        uint32 maxDuration; // seconds a lease may be funded ahead, at most
        Resources resources;
    }

    enum LeaseState {
        None,
        Pending, // created, waiting for the provider's acknowledgement
        Active, // acknowledged; accruing payment
        Closed // settled for good; escrow paid out and refunded
    }

    /// @notice Why a lease closed.
    enum CloseReason {
        Completed, // the provider completed it with a result
        ClosedByBuyer, // the buyer closed it early
        Cancelled, // cancelled before acknowledgement, fully refunded
        Exhausted // its escrow ran out
    }

    /// @notice A lease between a buyer and a provider, as `getLease` returns it.
    /// @dev Stored in two slots (buyer, state, one time field and the offer or request it came from; price, escrow
    /// and fee): the provider and `maxDuration` are read from the lease's offer (or, for a lease won at auction,
    /// the request's winner, and no maximum). `ackDeadline` is set only while Pending; `settledAt` only after.
    /// The job manifest's hash is recorded in the LeaseCreated event rather than in storage.
    struct Lease {
        address provider;
        LeaseState state;
        uint40 ackDeadline; // the provider must acknowledge before this time
        uint40 settledAt; // payment has been settled up to this time (set on acknowledgement)
        address buyer;
        uint48 offerId; // the taken offer, or 0 when the lease came from a request
        uint16 feeBps; // the protocol fee, fixed when the lease was created
        uint32 maxDuration; // seconds the lease may be funded ahead: its offer's current maximum (unbounded for requests)
        uint128 pricePerSecond;
        uint128 escrow; // deposit not yet paid out
    }

    enum RequestState {
        None,
        Open,
        Closed, // a bid won and a lease was created
        Cancelled // withdrawn by the buyer, or closed with no bids; deposit refunded
    }

    /// @notice A buyer's request for bids (a reverse auction).
    struct Request {
        address buyer;
        RequestState state;
        uint40 biddingDeadline; // no bids at or after this time; anyone can close the auction then
        uint128 maxPricePerSecond;
        uint128 deposit;
        address bestBidder; // lowest bid so far (the earliest wins a tie); once Closed, the winner whose lease it is
        uint128 bestPrice;
        bytes32 manifestHash;
        Resources requirements;
    }

    /// @notice A provider's signed price for one lease of one of its offers, for one buyer and one job.
    /// @dev Signed with EIP-712 (domain "OCX Marketplace", version "1", this chain, this marketplace) by the
    /// provider's registered `apiSigner`. A nonce can be used once per provider, in any order.
    struct Quote {
        uint256 offerId; // the offer whose bundle and durations the lease gets
        address buyer; // only this account may take the quote
        uint128 pricePerSecond; // at most the offer's price
        bytes32 manifestHash; // the job the quote is for
        uint64 nonce; // once per provider
        uint64 expiry; // last second (block time) at which the quote can be taken
    }

    /// @notice One lease to complete in `completeMany`: the arguments of `complete`.
    struct Completion {
        uint256 leaseId;
        bytes32 resultHash;
        int32 exitCode;
        uint64 endedAt;
    }

    /// @notice Protocol parameters of the marketplace.
    struct Parameters {
        uint16 feeBps; // protocol fee, in basis points of each settlement
        uint32 ackWindow; // seconds a provider has to acknowledge a new lease
        uint32 maxBiddingWindow; // longest bidding period a request may ask for
        address feeSink; // where fees go; address(0) burns them
    }

    // ---------------------------------------------------------------- events

    /// @notice A provider posted an offer.
    event OfferPosted(
        uint256 indexed offerId,
        address indexed provider,
        Resources resources,
        uint256 pricePerSecond,
        uint256 maxLeases,
        uint256 minDuration,
        uint256 maxDuration
    );
    /// @notice A provider changed an offer's price, capacity or durations.
    event OfferUpdated(
        uint256 indexed offerId, uint256 pricePerSecond, uint256 maxLeases, uint256 minDuration, uint256 maxDuration
    );
    /// @notice An offer was paused, resumed or withdrawn.
    event OfferStateChanged(uint256 indexed offerId, OfferState state);
    /// @notice A lease was created from an offer (`requestId` 0) or from a request (`offerId` 0). An
    /// `ackDeadline` of 0 marks a lease created from a provider's quote: it is already acknowledged
    /// (Active) and accrues payment from this block's time; no `LeaseAcknowledged` follows.
    event LeaseCreated(
        uint256 indexed leaseId,
        address indexed buyer,
        address indexed provider,
        uint256 offerId,
        uint256 requestId,
        uint256 pricePerSecond,
        uint256 deposit,
        bytes32 manifestHash,
        uint256 ackDeadline
    );
    /// @notice The provider acknowledged a lease; payment accrues from `startedAt`.
    event LeaseAcknowledged(uint256 indexed leaseId, uint256 startedAt);
    /// @notice A lease was settled up to the block's time: `paid` left the escrow, `fee` of it to the
    /// protocol, and `escrow` is left.
    event LeaseSettled(uint256 indexed leaseId, uint256 paid, uint256 fee, uint256 escrow);
    /// @notice `from` added `amount` to a lease's escrow.
    event LeaseToppedUp(uint256 indexed leaseId, address indexed from, uint256 amount, uint256 escrow);
    /// @notice The provider completed a lease with its result.
    event LeaseCompleted(uint256 indexed leaseId, bytes32 resultHash, int256 exitCode);
    /// @notice A lease closed for good; `refund` went back to the buyer.
    event LeaseClosed(uint256 indexed leaseId, CloseReason reason, uint256 refund);
    /// @notice A pending lease was cancelled after its acknowledgement deadline: the provider did not show up.
    event ProviderNoShow(uint256 indexed leaseId, address indexed provider, uint256 noShows);
    /// @notice A provider withdrew its earnings.
    event EarningsWithdrawn(address indexed provider, uint256 amount);
    /// @notice Accumulated protocol fees were burned (`sink` 0) or sent to the fee sink.
    event FeesFlushed(address indexed sink, uint256 amount);
    /// @notice A buyer posted a request for bids.
    event RequestPosted(
        uint256 indexed requestId,
        address indexed buyer,
        Resources requirements,
        uint256 maxPricePerSecond,
        uint256 deposit,
        uint256 biddingDeadline,
        bytes32 manifestHash
    );
    /// @notice A provider placed or lowered a bid; `resources` is what it offers to run the job on.
    event BidPlaced(uint256 indexed requestId, address indexed provider, uint256 pricePerSecond, Resources resources);
    /// @notice An auction ended with a winner; every other bid is released.
    event RequestClosed(uint256 indexed requestId, address indexed winner, uint256 pricePerSecond, uint256 leaseId);
    /// @notice A request ended without a lease and its deposit went back to the buyer.
    event RequestCancelled(uint256 indexed requestId, uint256 refund);
    /// @notice The admin changed the marketplace's parameters.
    event ParametersChanged(uint16 feeBps, uint32 ackWindow, uint32 maxBiddingWindow, address feeSink);
    /// @notice A provider's booked fees moved to the pool that `flushFees` empties.
    event FeesSwept(address indexed provider, uint256 amount);
    /// @notice The admin proposed `pendingAdmin`; it becomes admin when it calls `acceptAdmin`.
    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    /// @notice `newAdmin` accepted and is now the admin.
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);
    /// @notice The admin appointed a new guardian (address(0): none).
    event GuardianChanged(address indexed guardian);
    /// @notice New business was paused (`paused` true) or resumed, by `account`.
    event PauseChanged(bool paused, address indexed account);

    // ---------------------------------------------------------------- errors

    /// @notice The provider is not registered, is jailed, or lacks stake for the GPUs involved.
    error MarketplaceProviderInactive(address provider);
    /// @notice No offer has this id.
    error MarketplaceUnknownOffer(uint256 offerId);
    /// @notice Only the offer's provider may do this.
    error MarketplaceNotOfferOwner(uint256 offerId, address caller);
    /// @notice The offer is not in a state that allows this.
    error MarketplaceOfferNotActive(uint256 offerId, OfferState state);
    /// @notice The offer runs as many leases as it can.
    error MarketplaceOfferFull(uint256 offerId, uint256 maxLeases);
    /// @notice The offer's terms are invalid (zero price or one above 2^120 - 1, zero capacity, or min duration above max).
    error MarketplaceInvalidTerms(uint256 pricePerSecond, uint256 maxLeases, uint256 minDuration, uint256 maxDuration);
    /// @notice The price is above the buyer's limit.
    error MarketplacePriceAboveLimit(uint256 price, uint256 limit);
    /// @notice The deposit covers fewer seconds than the offer's minimum duration.
    error MarketplaceDepositBelowMinimum(uint256 deposit, uint256 minimum);
    /// @notice The escrow would fund the lease further ahead than its maximum duration allows.
    error MarketplaceDepositAboveMaximum(uint256 escrow, uint256 maximum);
    /// @notice An amount of zero was given where tokens must move.
    error MarketplaceZeroAmount();
    /// @notice The lease's escrow has run out; it can only be settled, which closes it.
    error MarketplaceLeaseExhausted(uint256 leaseId);
    /// @notice No lease has this id.
    error MarketplaceUnknownLease(uint256 leaseId);
    /// @notice The lease is not in a state that allows this.
    error MarketplaceLeaseWrongState(uint256 leaseId, LeaseState state);
    /// @notice Only the lease's buyer may do this.
    error MarketplaceNotLeaseBuyer(uint256 leaseId, address caller);
    /// @notice Only the lease's provider may do this.
    error MarketplaceNotLeaseProvider(uint256 leaseId, address caller);
    /// @notice The acknowledgement deadline has passed; the buyer may cancel.
    error MarketplaceAckDeadlinePassed(uint256 leaseId, uint256 ackDeadline);
    /// @notice No request has this id.
    error MarketplaceUnknownRequest(uint256 requestId);
    /// @notice The request is not open.
    error MarketplaceRequestNotOpen(uint256 requestId, RequestState state);
    /// @notice Only the request's buyer may do this.
    error MarketplaceNotRequestBuyer(uint256 requestId, address caller);
    /// @notice The bidding deadline is in the past or too far ahead.
    error MarketplaceInvalidBiddingDeadline(uint256 deadline, uint256 earliest, uint256 latest);
    /// @notice Bidding ended at `deadline`.
    error MarketplaceBiddingClosed(uint256 requestId, uint256 deadline);
    /// @notice Bidding is still open until `deadline`.
    error MarketplaceBiddingOpen(uint256 requestId, uint256 deadline);
    /// @notice The offered bundle does not meet the request's requirements.
    error MarketplaceResourcesDoNotFit(uint256 requestId);
    /// @notice A provider may only lower its bid.
    error MarketplaceBidNotLower(uint256 requestId, uint256 price, uint256 currentBid);
    /// @notice The provider has no bid on this request.
    error MarketplaceNoBid(uint256 requestId, address provider);
    /// @notice The buyer cannot bid on its own request.
    error MarketplaceSelfBid(uint256 requestId);
    /// @notice The caller has nothing to withdraw.
    error MarketplaceNothingToWithdraw(address provider);
    /// @notice A parameter is outside its allowed range.
    error MarketplaceParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice The quote was made out to `buyer`, not to the caller.
    error MarketplaceQuoteBuyerMismatch(address buyer, address caller);
    /// @notice The quote expired at `expiry`; it is `now`. Ask the provider for a new one.
    error MarketplaceQuoteExpired(uint256 expiry, uint256 now_);
    /// @notice The provider already used quote nonce `nonce`: a quote is taken once.
    error MarketplaceQuoteNonceUsed(address provider, uint256 nonce);
    /// @notice The quote is not signed by the provider's registered API signer `expected` (it recovers to
    /// `recovered`, 0 for a malformed or malleable signature).
    error MarketplaceQuoteSignerMismatch(address provider, address expected, address recovered);
    /// @notice The quoted price is zero or above the offer's price.
    error MarketplaceQuotePriceInvalid(uint256 quoted, uint256 offerPrice);
    /// @notice New offers, leases, requests and bids are paused by the guardian; exits still work.
    error MarketplacePaused();
    /// @notice Only the admin may do this.
    error MarketplaceNotAdmin(address caller);
    /// @notice Only the guardian or the admin may pause.
    error MarketplaceNotGuardian(address caller);
    /// @notice Only the proposed admin `pendingAdmin` may accept.
    error MarketplaceNotPendingAdmin(address caller, address pendingAdmin);
    /// @notice A batch call was given no items.
    error MarketplaceEmptyBatch();

    // ---------------------------------------------------------------- offers

    /// @notice Posts a standing offer of `resources` at `pricePerSecond`, for up to `maxLeases` leases at once.
    /// @dev Commits `max(gpuCount, 1) * maxLeases` GPU units in the registry, which must be covered by stake.
    function postOffer(
        Resources calldata resources,
        uint128 pricePerSecond,
        uint16 maxLeases,
        uint32 minDuration,
        uint32 maxDuration
    ) external returns (uint256 offerId);

    /// @notice Changes an offer's price, capacity and durations. The bundle itself cannot change: post a new offer.
    /// Leases already running keep the price they were created at.
    function updateOffer(
        uint256 offerId,
        uint128 pricePerSecond,
        uint16 maxLeases,
        uint32 minDuration,
        uint32 maxDuration
    ) external;

    /// @notice Stops new leases of an offer; running leases go on.
    function pauseOffer(uint256 offerId) external;

    /// @notice Lets buyers take a paused offer again.
    function resumeOffer(uint256 offerId) external;

    /// @notice Withdraws an offer for good and releases its unused GPU commitment. Running leases go on
    /// and keep their units committed until each ends.
    function withdrawOffer(uint256 offerId) external;

    /// @notice Takes an offer: checks the buyer's price limit and the offer's capacity, pulls `deposit`
    /// from the caller into escrow and creates a pending lease.
    function takeOffer(uint256 offerId, uint128 maxPricePerSecond, bytes32 manifestHash, uint128 deposit)
        external
        returns (uint256 leaseId);

    /// @notice Takes a provider's signed quote: checks the signature against the provider's registered
    /// `apiSigner`, the expiry, the nonce (once per provider), that the caller is the quote's buyer, that
    /// the quoted price is at most the offer's, and the offer's capacity and durations as `takeOffer`
    /// does; pulls `deposit` from the caller into escrow and creates a lease that is already acknowledged
    /// (Active from this block's time), in one transaction.
    function takeQuote(Quote calldata quote, bytes calldata signature, uint128 deposit)
        external
        returns (uint256 leaseId);

    // ---------------------------------------------------------------- requests (reverse auction)

    /// @notice Posts a request for bids, pulling `deposit` from the caller.
    function postRequest(
        Resources calldata requirements,
        uint128 maxPricePerSecond,
        uint128 deposit,
        uint40 biddingDeadline,
        bytes32 manifestHash
    ) external returns (uint256 requestId);

    /// @notice Places a bid, or lowers the caller's bid, offering `resources` at `pricePerSecond`.
    function bid(uint256 requestId, uint128 pricePerSecond, Resources calldata resources) external;

    /// @notice The buyer accepts `provider`'s bid, whatever its rank; creates the lease, which commits
    /// the request's GPU units of the provider's stake until it ends.
    function acceptBid(uint256 requestId, address provider) external returns (uint256 leaseId);

    /// @notice After the deadline anyone closes the auction: the lowest bid wins (earliest on a tie) and
    /// its lease commits the request's GPU units of the winner's stake; with no bids, or a winner that is
    /// jailed or lacks the stake by now, the deposit goes back to the buyer. Returns the lease id, or 0.
    function closeAuction(uint256 requestId) external returns (uint256 leaseId);

    /// @notice The buyer withdraws an open request and gets its deposit back.
    function cancelRequest(uint256 requestId) external;

    // ---------------------------------------------------------------- leases

    /// @notice The provider acknowledges a pending lease before its deadline; payment accrues from now.
    function acknowledge(uint256 leaseId) external;

    /// @notice `acknowledge` for each of `leaseIds`, all or none.
    function acknowledgeMany(uint256[] calldata leaseIds) external;

    /// @notice Cancels a pending lease with a full refund: the buyer at any time, anyone once the
    /// acknowledgement deadline has passed (which counts as the provider's no-show).
    function cancel(uint256 leaseId) external;

    /// @notice Settles a lease up to now. Anyone may call it; it closes a lease whose escrow ran out.
    function settle(uint256 leaseId) external;

    /// @notice Adds `amount` (pulled from the caller) to a lease's escrow. Refunds go to the lease's buyer.
    function topUp(uint256 leaseId, uint128 amount) external;

    /// @notice The buyer ends a lease now: it settles and the rest of the escrow is refunded.
    function close(uint256 leaseId) external;

    /// @notice The provider ends a lease with its result: it settles at `endedAt`, the second the workload
    /// exited, clamped to [the last settlement, now] (the provider can only claim less than up to now), and
    /// the rest of the escrow is refunded to the buyer. Time spent after the exit (packing results,
    /// waiting for the transaction) is never billed.
    function complete(uint256 leaseId, bytes32 resultHash, int32 exitCode, uint64 endedAt) external;

    /// @notice `complete` for each of `completions`, all or none; the caller's earnings are written once.
    function completeMany(Completion[] calldata completions) external;

    /// @notice Settles the caller's `leaseIds` and sends the caller all of its earnings. Moves its booked fees to
    /// the pool, but for one unit that stays booked (so that its next settlement is cheaper; `sweepFees` takes it).
    function withdraw(uint256[] calldata leaseIds) external returns (uint256 amount);

    /// @notice Burns the fee pool (fees swept from providers' accounts), or sends it to the fee sink when one is set.
    function flushFees() external returns (uint256 amount);

    /// @notice Anyone moves the fees booked beside `providers`' earnings into the pool that `flushFees` empties.
    function sweepFees(address[] calldata providers) external returns (uint256 amount);

    /// @notice Sets the marketplace's parameters, each checked against its bounds. Admin only.
    function setParameters(Parameters calldata parameters) external;

    /// @notice The admin proposes `newAdmin` (address(0) cancels a proposal); nothing changes until it accepts.
    function transferAdmin(address newAdmin) external;

    /// @notice The proposed admin takes the role.
    function acceptAdmin() external;

    /// @notice The admin appoints the guardian, who may pause new business (address(0): none).
    function setGuardian(address guardian) external;

    /// @notice The guardian or the admin pauses the creation of new offers, leases, requests and bids.
    function pause() external;

    /// @notice The admin lets new business in again.
    function unpause() external;

    // ---------------------------------------------------------------- views

    function getOffer(uint256 offerId) external view returns (Offer memory);
    function getLease(uint256 leaseId) external view returns (Lease memory);
    function getRequest(uint256 requestId) external view returns (Request memory);

    /// @notice The provider's bid on a request, or 0.
    function bidOf(uint256 requestId, address provider) external view returns (uint256);

    /// @notice What settling the lease now would pay out, and the escrow that would be left.
    function accrued(uint256 leaseId) external view returns (uint256 owed, uint256 escrowLeft);

    /// @notice Earnings credited to the provider and not yet withdrawn.
    function earningsOf(address provider) external view returns (uint256);

    /// @notice Protocol fees from the provider's leases, booked beside its earnings and not yet swept.
    function feesOf(address provider) external view returns (uint256);

    /// @notice Protocol fees swept into the pool and not yet flushed (see `feesOf` for the rest).
    function pendingFees() external view returns (uint256);

    /// @notice Whether `provider` has used quote nonce `nonce`.
    function isQuoteNonceUsed(address provider, uint256 nonce) external view returns (bool);

    /// @notice The admin, the proposed next admin (or 0) and the guardian (or 0).
    function roles() external view returns (address admin, address pendingAdmin, address guardian);

    /// @notice Whether new business is paused.
    function paused() external view returns (bool);

    /// @notice Leases the provider failed to acknowledge in time.
    function noShowsOf(address provider) external view returns (uint256);

    /// @notice The number of offers, leases and requests created so far (ids start at 1).
    function counts() external view returns (uint256 offers, uint256 leases, uint256 requests);

    function parameters() external view returns (Parameters memory);
}
