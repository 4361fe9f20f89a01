// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IOcxToken} from "./interfaces/IOcxToken.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ResourcesLib} from "./libraries/Resources.sol";
import {Settlement} from "./libraries/Settlement.sol";

/// @title Marketplace
/// @notice Offers, requests, bids and leases, with escrowed deposits that pay providers per second.
/// @dev See IMarketplace for the money rules. Tokens move only at the end of each function
/// (checks, effects, then interactions) and every entry that moves tokens is non-reentrant.
/// Gas: the parameters, the pause flag and the three counters share one slot (taking an offer reads and
/// writes it once); a provider's earnings and fees share one slot; a quote's nonce is one bit.
contract Marketplace is IMarketplace, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IOcxToken;
    using ResourcesLib for Resources;
    using SafeCast for uint256;

    /// @dev The EIP-712 type of a quote.
    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(uint256 offerId,address buyer,uint128 pricePerSecond,bytes32 manifestHash,uint64 nonce,uint64 expiry)"
    );

    uint16 public constant MAX_FEE_BPS = 1_000;
    uint32 public constant MIN_ACK_WINDOW = 10;
    uint32 public constant MAX_ACK_WINDOW = 1 days;
    uint32 public constant MIN_BIDDING_WINDOW = 60;
    uint32 public constant MAX_BIDDING_WINDOW = 30 days;

    /// @notice The payment token.
    IOcxToken public immutable token;
    /// @notice Where providers register and stake.
    IProviderRegistry public immutable registry;

    /// @dev What creating a lease reads and writes, in one slot: parameters, the pause flag and the counters.
    /// Ids fit uint48 (one per transaction at most).
    struct Config {
        uint16 feeBps;
        uint32 ackWindow;
        uint32 maxBiddingWindow;
        bool paused;
        uint48 offerCount;
        uint48 leaseCount;
        uint48 requestCount;
    }

    /// @dev A lease in storage, in two slots (creating one writes two new slots, not three); `getLease` rebuilds
    /// the full `Lease`. The provider is the offer's (or the auction's winner, `Request.bestBidder` once closed),
    /// and the most a lease may be funded ahead is its offer's `maxDuration` (unbounded for auction leases).
    struct LeaseRecord {
        // slot 0
        address buyer;
        LeaseState state;
        uint40 time; // while Pending: the acknowledgement deadline; then: settled up to this time
        uint48 source; // the offer's id, or the request's id with FROM_REQUEST set
        // slot 1
        uint120 pricePerSecond;
        uint120 escrow; // deposit not yet paid out
        uint16 feeBps; // the protocol fee, fixed when the lease was created
    }

    /// @dev Set in `LeaseRecord.source` when the lease came from a request.
    uint48 private constant FROM_REQUEST = uint48(1) << 47;

    /// @dev A provider's money held here, in one slot: what settling a lease writes.
    struct Account {
        uint128 earnings; // credited, not yet withdrawn
        uint128 fees; // the protocol's fee from this provider's leases, not yet swept to the pool
    }

    Config private _config;
    address private _feeSink;
    address private _admin;
    address private _pendingAdmin;
    address private _guardian;
    uint256 private _pendingFees; // the pool: swept fees, not yet flushed

    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 leaseId => LeaseRecord) private _leases;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 requestId => mapping(address provider => uint128 price)) private _bids;
    mapping(address provider => Account) private _accounts;
    mapping(address provider => uint256) private _noShows;
    /// @dev Used quote nonces: bit `nonce % 256` of word `nonce / 256`.
    mapping(address provider => mapping(uint256 word => uint256 bits)) private _quoteNonces;
    /// @dev GPU units committed in the registry by a live lease won at auction (offer leases use their offer's).
    mapping(uint256 leaseId => uint256 units) private _auctionUnits;

    constructor(IOcxToken token_, IProviderRegistry registry_, address admin, Parameters memory parameters_)
        EIP712("OCX Marketplace", "1")
    {
        token = token_;
        registry = registry_;
        _admin = admin;
        emit AdminTransferred(address(0), admin);
        _setParameters(parameters_);
    }

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert MarketplaceNotAdmin(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (_config.paused) revert MarketplacePaused();
        _;
    }

    // ---------------------------------------------------------------- offers

    /// @inheritdoc IMarketplace
    function postOffer(
        Resources calldata resources,
        uint128 pricePerSecond,
        uint16 maxLeases,
        uint32 minDuration,
        uint32 maxDuration
    ) external whenNotPaused returns (uint256 offerId) {
        _checkTerms(pricePerSecond, maxLeases, minDuration, maxDuration);
        registry.increaseCommitment(msg.sender, ResourcesLib.gpuUnits(resources.gpuCount) * maxLeases);
        offerId = ++_config.offerCount;
        _offers[offerId] = Offer({
            provider: msg.sender,
            state: OfferState.Active,
            maxLeases: maxLeases,
            activeLeases: 0,
            minDuration: minDuration,
            pricePerSecond: pricePerSecond,
            maxDuration: maxDuration,
            resources: resources
        });
        emit OfferPosted(offerId, msg.sender, resources, pricePerSecond, maxLeases, minDuration, maxDuration);
    }

    /// @inheritdoc IMarketplace
    function updateOffer(
        uint256 offerId,
        uint128 pricePerSecond,
        uint16 maxLeases,
        uint32 minDuration,
        uint32 maxDuration
    ) external {
        Offer storage o = _ownOffer(offerId);
        if (o.state == OfferState.Withdrawn) revert MarketplaceOfferNotActive(offerId, o.state);
        _checkTerms(pricePerSecond, maxLeases, minDuration, maxDuration);
        // The offer commits its units for max(maxLeases, activeLeases) leases: running leases stay covered
        // when the provider lowers its capacity below them.
        uint256 units = ResourcesLib.gpuUnits(o.resources.gpuCount);
        uint256 active = o.activeLeases;
        uint256 before = _max(o.maxLeases, active);
        uint256 after_ = _max(maxLeases, active);
        if (after_ > before) registry.increaseCommitment(msg.sender, units * (after_ - before));
        else if (after_ < before) registry.decreaseCommitment(msg.sender, units * (before - after_));
        o.pricePerSecond = pricePerSecond;
        o.maxLeases = maxLeases;
        o.minDuration = minDuration;
        o.maxDuration = maxDuration;
        emit OfferUpdated(offerId, pricePerSecond, maxLeases, minDuration, maxDuration);
    }

    /// @inheritdoc IMarketplace
    function pauseOffer(uint256 offerId) external {
        Offer storage o = _ownOffer(offerId);
        if (o.state != OfferState.Active) revert MarketplaceOfferNotActive(offerId, o.state);
        o.state = OfferState.Paused;
        emit OfferStateChanged(offerId, OfferState.Paused);
    }

    /// @inheritdoc IMarketplace
    function resumeOffer(uint256 offerId) external {
        Offer storage o = _ownOffer(offerId);
        if (o.state != OfferState.Paused) revert MarketplaceOfferNotActive(offerId, o.state);
        o.state = OfferState.Active;
        emit OfferStateChanged(offerId, OfferState.Active);
    }

    /// @inheritdoc IMarketplace
    function withdrawOffer(uint256 offerId) external {
        Offer storage o = _ownOffer(offerId);
        if (o.state == OfferState.Withdrawn) revert MarketplaceOfferNotActive(offerId, o.state);
        o.state = OfferState.Withdrawn;
        // Leases still running keep their units committed; each releases them when it closes (`_close`).
        uint256 active = o.activeLeases;
        uint256 unused = _max(o.maxLeases, active) - active;
        if (unused != 0) registry.decreaseCommitment(msg.sender, ResourcesLib.gpuUnits(o.resources.gpuCount) * unused);
        emit OfferStateChanged(offerId, OfferState.Withdrawn);
    }

    /// @inheritdoc IMarketplace
    function takeOffer(uint256 offerId, uint128 maxPricePerSecond, bytes32 manifestHash, uint128 deposit)
        external
        nonReentrant
        returns (uint256 leaseId)
    {
        (address provider, uint128 price, uint256 durations) = _reserve(offerId);
        if (price > maxPricePerSecond) revert MarketplacePriceAboveLimit(price, maxPricePerSecond);
        _checkDeposit(durations, price, deposit);
        if (!registry.isActive(provider)) revert MarketplaceProviderInactive(provider);
        leaseId = _createLease(msg.sender, provider, offerId, 0, price, deposit, manifestHash, false);
        token.safeTransferFrom(msg.sender, address(this), deposit);
    }

    /// @inheritdoc IMarketplace
    function takeQuote(Quote calldata quote, bytes calldata signature, uint128 deposit)
        external
        nonReentrant
        returns (uint256 leaseId)
    {
        if (msg.sender != quote.buyer) revert MarketplaceQuoteBuyerMismatch(quote.buyer, msg.sender);
        if (block.timestamp > quote.expiry) revert MarketplaceQuoteExpired(quote.expiry, block.timestamp);
        (address provider, uint128 offerPrice, uint256 durations) = _reserve(quote.offerId);
        uint128 price = quote.pricePerSecond;
        if (price == 0 || price > offerPrice) revert MarketplaceQuotePriceInvalid(price, offerPrice);
        _checkDeposit(durations, price, deposit);
        _checkQuoteSignature(provider, quote, signature);
        leaseId = _createLease(msg.sender, provider, quote.offerId, 0, price, deposit, quote.manifestHash, true);
        token.safeTransferFrom(msg.sender, address(this), deposit);
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc IMarketplace
    function postRequest(
        Resources calldata requirements,
        uint128 maxPricePerSecond,
        uint128 deposit,
        uint40 biddingDeadline,
        bytes32 manifestHash
    ) external nonReentrant whenNotPaused returns (uint256 requestId) {
        if (deposit == 0 || maxPricePerSecond == 0) revert MarketplaceZeroAmount();
        uint256 earliest = block.timestamp + MIN_BIDDING_WINDOW;
        uint256 latest = block.timestamp + _config.maxBiddingWindow;
        if (biddingDeadline < earliest || biddingDeadline > latest) {
            revert MarketplaceInvalidBiddingDeadline(biddingDeadline, earliest, latest);
        }
        requestId = ++_config.requestCount;
        Request storage r = _requests[requestId];
        r.buyer = msg.sender;
        r.state = RequestState.Open;
        r.biddingDeadline = biddingDeadline;
        r.maxPricePerSecond = maxPricePerSecond;
        r.deposit = deposit;
        r.manifestHash = manifestHash;
        r.requirements = requirements;
        emit RequestPosted(
            requestId, msg.sender, requirements, maxPricePerSecond, deposit, biddingDeadline, manifestHash
        );
        token.safeTransferFrom(msg.sender, address(this), deposit);
    }

    /// @inheritdoc IMarketplace
    function bid(uint256 requestId, uint128 pricePerSecond, Resources calldata resources) external whenNotPaused {
        Request storage r = _openRequest(requestId);
        if (block.timestamp >= r.biddingDeadline) revert MarketplaceBiddingClosed(requestId, r.biddingDeadline);
        if (msg.sender == r.buyer) revert MarketplaceSelfBid(requestId);
        if (pricePerSecond == 0) revert MarketplaceZeroAmount();
        if (pricePerSecond > r.maxPricePerSecond) {
            revert MarketplacePriceAboveLimit(pricePerSecond, r.maxPricePerSecond);
        }
        if (!resources.fits(r.requirements)) revert MarketplaceResourcesDoNotFit(requestId);
        registry.requireCapacity(msg.sender, ResourcesLib.gpuUnits(r.requirements.gpuCount));

        uint128 current = _bids[requestId][msg.sender];
        if (current != 0 && pricePerSecond >= current) {
            revert MarketplaceBidNotLower(requestId, pricePerSecond, current);
        }
        _bids[requestId][msg.sender] = pricePerSecond;
        // Strictly lower only: on a tie the earlier bid stays best.
        if (r.bestBidder == address(0) || pricePerSecond < r.bestPrice) {
            r.bestBidder = msg.sender;
            r.bestPrice = pricePerSecond;
        }
        emit BidPlaced(requestId, msg.sender, pricePerSecond, resources);
    }

    /// @inheritdoc IMarketplace
    function acceptBid(uint256 requestId, address provider) external nonReentrant returns (uint256 leaseId) {
        Request storage r = _openRequest(requestId);
        if (msg.sender != r.buyer) revert MarketplaceNotRequestBuyer(requestId, msg.sender);
        uint128 price = _bids[requestId][provider];
        if (price == 0) revert MarketplaceNoBid(requestId, provider);
        if (!registry.isActive(provider)) revert MarketplaceProviderInactive(provider);
        return _award(requestId, r, provider, price);
    }

    /// @inheritdoc IMarketplace
    function closeAuction(uint256 requestId) external nonReentrant returns (uint256 leaseId) {
        Request storage r = _openRequest(requestId);
        if (block.timestamp < r.biddingDeadline) revert MarketplaceBiddingOpen(requestId, r.biddingDeadline);
        address winner = r.bestBidder;
        // A winner jailed since it bid, or without the stake for the request's units by now, cannot take the
        // lease; the buyer gets the deposit back and may post again. While paused, an award reverts
        // (`_createLease`): the buyer can still cancel the request.
        if (winner != address(0) && registry.canCommit(winner, ResourcesLib.gpuUnits(r.requirements.gpuCount))) {
            return _award(requestId, r, winner, r.bestPrice);
        }
        _refundRequest(requestId, r);
    }

    /// @inheritdoc IMarketplace
    function cancelRequest(uint256 requestId) external nonReentrant {
        Request storage r = _openRequest(requestId);
        if (msg.sender != r.buyer) revert MarketplaceNotRequestBuyer(requestId, msg.sender);
        _refundRequest(requestId, r);
    }

    // ---------------------------------------------------------------- leases

    /// @inheritdoc IMarketplace
    function acknowledge(uint256 leaseId) external {
        _acknowledge(leaseId);
    }

    /// @inheritdoc IMarketplace
    function acknowledgeMany(uint256[] calldata leaseIds) external {
        if (leaseIds.length == 0) revert MarketplaceEmptyBatch();
        for (uint256 i; i < leaseIds.length; ++i) {
            _acknowledge(leaseIds[i]);
        }
    }

    /// @inheritdoc IMarketplace
    function cancel(uint256 leaseId) external nonReentrant {
        LeaseRecord storage l = _lease(leaseId);
        if (l.state != LeaseState.Pending) revert MarketplaceLeaseWrongState(leaseId, l.state);
        bool late = block.timestamp > l.time; // the acknowledgement deadline
        if (msg.sender != l.buyer && !late) revert MarketplaceNotLeaseBuyer(leaseId, msg.sender);
        address provider = _providerOf(l);
        if (late) {
            uint256 noShows = ++_noShows[provider];
            emit ProviderNoShow(leaseId, provider, noShows);
        }
        _close(leaseId, l, provider, CloseReason.Cancelled, l.escrow, block.timestamp);
    }

    /// @inheritdoc IMarketplace
    function settle(uint256 leaseId) external nonReentrant {
        LeaseRecord storage l = _lease(leaseId);
        if (l.state != LeaseState.Active) revert MarketplaceLeaseWrongState(leaseId, l.state);
        _settle(leaseId, l, _providerOf(l));
    }

    /// @inheritdoc IMarketplace
    function topUp(uint256 leaseId, uint128 amount) external nonReentrant {
        if (amount == 0) revert MarketplaceZeroAmount();
        LeaseRecord storage l = _lease(leaseId);
        if (l.state == LeaseState.Active) {
            (uint256 owed,) = _accrued(l);
            if (owed == l.escrow) revert MarketplaceLeaseExhausted(leaseId);
            _settle(leaseId, l, _providerOf(l));
        } else if (l.state != LeaseState.Pending) {
            revert MarketplaceLeaseWrongState(leaseId, l.state);
        }
        uint256 escrow = uint256(l.escrow) + amount;
        uint256 maximum = uint256(l.pricePerSecond) * _maxDurationOf(l);
        if (escrow > maximum) revert MarketplaceDepositAboveMaximum(escrow, maximum);
        l.escrow = escrow.toUint120();
        emit LeaseToppedUp(leaseId, msg.sender, amount, escrow);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IMarketplace
    function close(uint256 leaseId) external nonReentrant {
        LeaseRecord storage l = _lease(leaseId);
        if (msg.sender != l.buyer) revert MarketplaceNotLeaseBuyer(leaseId, msg.sender);
        if (l.state != LeaseState.Active) revert MarketplaceLeaseWrongState(leaseId, l.state);
        (uint256 owed, uint256 escrowLeft) = _accrued(l);
        address provider = _providerOf(l);
        _credit(leaseId, l, provider, owed, escrowLeft);
        CloseReason reason = escrowLeft == 0 ? CloseReason.Exhausted : CloseReason.ClosedByBuyer;
        _close(leaseId, l, provider, reason, escrowLeft, block.timestamp);
    }

    /// @inheritdoc IMarketplace
    function complete(uint256 leaseId, bytes32 resultHash, int32 exitCode, uint64 endedAt) external nonReentrant {
        (uint256 toProvider, uint256 fee) = _complete(leaseId, resultHash, exitCode, endedAt);
        _book(msg.sender, toProvider, fee);
    }

    /// @inheritdoc IMarketplace
    function completeMany(Completion[] calldata completions) external nonReentrant {
        if (completions.length == 0) revert MarketplaceEmptyBatch();
        uint256 earned;
        uint256 fees;
        for (uint256 i; i < completions.length; ++i) {
            Completion calldata c = completions[i];
            (uint256 toProvider, uint256 fee) = _complete(c.leaseId, c.resultHash, c.exitCode, c.endedAt);
            earned += toProvider;
            fees += fee;
        }
        _book(msg.sender, earned, fees);
    }

    /// @inheritdoc IMarketplace
    function withdraw(uint256[] calldata leaseIds) external nonReentrant returns (uint256 amount) {
        for (uint256 i; i < leaseIds.length; ++i) {
            LeaseRecord storage l = _lease(leaseIds[i]);
            if (msg.sender != _providerOf(l)) revert MarketplaceNotLeaseProvider(leaseIds[i], msg.sender);
            if (l.state == LeaseState.Active) _settle(leaseIds[i], l, msg.sender);
        }
        Account memory a = _accounts[msg.sender];
        amount = a.earnings;
        if (amount == 0) revert MarketplaceNothingToWithdraw(msg.sender);
        // One unit of fees stays booked (the protocol's, swept later by `sweepFees`): the provider's next
        // settlement then rewrites a nonzero slot (2,900 gas) instead of filling an empty one (20,000).
        uint256 kept = a.fees == 0 ? 0 : 1;
        _accounts[msg.sender] = Account({earnings: 0, fees: uint128(kept)});
        if (a.fees > kept) {
            _pendingFees += a.fees - kept;
            emit FeesSwept(msg.sender, a.fees - kept);
        }
        emit EarningsWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IMarketplace
    function flushFees() external nonReentrant returns (uint256 amount) {
        amount = _pendingFees;
        if (amount == 0) return 0;
        _pendingFees = 0;
        address sink = _feeSink;
        emit FeesFlushed(sink, amount);
        if (sink == address(0)) token.burn(amount);
        else token.safeTransfer(sink, amount);
    }

    /// @inheritdoc IMarketplace
    function sweepFees(address[] calldata providers) external returns (uint256 amount) {
        for (uint256 i; i < providers.length; ++i) {
            Account storage a = _accounts[providers[i]];
            uint256 fees = a.fees;
            if (fees == 0) continue;
            a.fees = 0;
            amount += fees;
            emit FeesSwept(providers[i], fees);
        }
        _pendingFees += amount;
    }

    /// @inheritdoc IMarketplace
    function setParameters(Parameters calldata parameters_) external onlyAdmin {
        _setParameters(parameters_);
    }

    /// @inheritdoc IMarketplace
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc IMarketplace
    function acceptAdmin() external {
        address pending = _pendingAdmin;
        if (msg.sender != pending || pending == address(0)) revert MarketplaceNotPendingAdmin(msg.sender, pending);
        emit AdminTransferred(_admin, pending);
        _admin = pending;
        _pendingAdmin = address(0);
    }

    /// @inheritdoc IMarketplace
    function setGuardian(address guardian) external onlyAdmin {
        _guardian = guardian;
        emit GuardianChanged(guardian);
    }

    /// @inheritdoc IMarketplace
    function pause() external {
        if (msg.sender != _guardian && msg.sender != _admin) revert MarketplaceNotGuardian(msg.sender);
        _config.paused = true;
        emit PauseChanged(true, msg.sender);
    }

    /// @inheritdoc IMarketplace
    function unpause() external onlyAdmin {
        _config.paused = false;
        emit PauseChanged(false, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarketplace
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @inheritdoc IMarketplace
    function getLease(uint256 leaseId) external view returns (Lease memory lease) {
        LeaseRecord storage l = _leases[leaseId];
        if (l.state == LeaseState.None) return lease;
        bool pending = l.state == LeaseState.Pending;
        uint48 source = l.source;
        lease = Lease({
            provider: _providerOf(l),
            state: l.state,
            ackDeadline: pending ? l.time : 0,
            settledAt: pending ? 0 : l.time,
            buyer: l.buyer,
            offerId: source & FROM_REQUEST == 0 ? source : 0,
            feeBps: l.feeBps,
            maxDuration: _maxDurationOf(l),
            pricePerSecond: l.pricePerSecond,
            escrow: pending || l.state == LeaseState.Active ? l.escrow : 0
        });
    }

    /// @inheritdoc IMarketplace
    function getRequest(uint256 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IMarketplace
    function bidOf(uint256 requestId, address provider) external view returns (uint256) {
        return _bids[requestId][provider];
    }

    /// @inheritdoc IMarketplace
    function accrued(uint256 leaseId) external view returns (uint256 owed, uint256 escrowLeft) {
        return _accrued(_leases[leaseId]);
    }

    /// @inheritdoc IMarketplace
    function earningsOf(address provider) external view returns (uint256) {
        return _accounts[provider].earnings;
    }

    /// @inheritdoc IMarketplace
    function feesOf(address provider) external view returns (uint256) {
        return _accounts[provider].fees;
    }

    /// @inheritdoc IMarketplace
    function isQuoteNonceUsed(address provider, uint256 nonce) external view returns (bool) {
        return _quoteNonces[provider][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IMarketplace
    function roles() external view returns (address admin, address pendingAdmin, address guardian) {
        return (_admin, _pendingAdmin, _guardian);
    }

    /// @inheritdoc IMarketplace
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc IMarketplace
    function pendingFees() external view returns (uint256) {
        return _pendingFees;
    }

    /// @inheritdoc IMarketplace
    function noShowsOf(address provider) external view returns (uint256) {
        return _noShows[provider];
    }

    /// @inheritdoc IMarketplace
    function counts() external view returns (uint256 offers, uint256 leases, uint256 requests) {
        Config memory c = _config;
        return (c.offerCount, c.leaseCount, c.requestCount);
    }

    /// @inheritdoc IMarketplace
    function parameters() external view returns (Parameters memory) {
        Config memory c = _config;
        return
            Parameters({
                feeBps: c.feeBps, ackWindow: c.ackWindow, maxBiddingWindow: c.maxBiddingWindow, feeSink: _feeSink
            });
    }

    // ---------------------------------------------------------------- internal: leases

    /// @dev Creates lease number `leaseCount + 1`: Pending with an acknowledgement deadline, or Active from now
    /// (`acknowledged`, a quote's). Reverts while paused: no new lease, whatever its origin.
    function _createLease(
        address buyer,
        address provider,
        uint256 offerId,
        uint256 requestId,
        uint128 price,
        uint128 deposit,
        bytes32 manifestHash,
        bool acknowledged
    ) private returns (uint256 leaseId) {
        uint40 ackDeadline;
        {
            Config storage config = _config;
            if (config.paused) revert MarketplacePaused();
            // Cannot overflow uint48 in practice: one lease per call at most.
            uint48 count = config.leaseCount + 1;
            config.leaseCount = count;
            leaseId = count;
            // Timestamps fit uint40 until the year 36812; ids fit 47 bits (one per transaction at most).
            // A quoted lease is acknowledged by its signature: Active from now, with no deadline (0 in the event).
            ackDeadline = acknowledged ? 0 : uint40(block.timestamp + config.ackWindow);
            // Both slots of the new lease written once each, in LeaseRecord's layout (members from the low bits up).
            uint256 slot0 =
                _leaseSlot0(buyer, acknowledged, ackDeadline, offerId != 0 ? offerId : requestId, offerId == 0);
            uint256 slot1 = uint256(uint256(price).toUint120()) | (uint256(uint256(deposit).toUint120()) << 120)
                | (uint256(config.feeBps) << 240);
            LeaseRecord storage l = _leases[leaseId];
            assembly ("memory-safe") {
                sstore(l.slot, slot0)
                sstore(add(l.slot, 1), slot1)
            }
        }
        emit LeaseCreated(leaseId, buyer, provider, offerId, requestId, price, deposit, manifestHash, ackDeadline);
    }

    /// @dev Slot 0 of a new LeaseRecord: buyer (bits 0-159), state (160-167), time (168-207), source (208-255).
    function _leaseSlot0(address buyer, bool acknowledged, uint40 ackDeadline, uint256 id, bool fromRequest)
        private
        view
        returns (uint256)
    {
        LeaseState state = acknowledged ? LeaseState.Active : LeaseState.Pending;
        uint40 time = acknowledged ? uint40(block.timestamp) : ackDeadline;
        uint48 source = fromRequest ? uint48(id) | FROM_REQUEST : uint48(id);
        return
            uint256(uint160(buyer)) | (uint256(uint8(state)) << 160) | (uint256(time) << 168) | (uint256(source) << 208);
    }

    /// @dev The lease's provider: its offer's, or the winner of its auction.
    function _providerOf(LeaseRecord storage l) private view returns (address) {
        uint48 source = l.source;
        if (source & FROM_REQUEST != 0) return _requests[source ^ FROM_REQUEST].bestBidder;
        return _offers[source].provider;
    }

    /// @dev How far ahead the lease may be funded: its offer's current `maxDuration`; unbounded from a request.
    function _maxDurationOf(LeaseRecord storage l) private view returns (uint32) {
        uint48 source = l.source;
        if (source & FROM_REQUEST != 0) return type(uint32).max;
        return _offers[source].maxDuration;
    }

    function _acknowledge(uint256 leaseId) private {
        LeaseRecord storage l = _lease(leaseId);
        if (msg.sender != _providerOf(l)) revert MarketplaceNotLeaseProvider(leaseId, msg.sender);
        if (l.state != LeaseState.Pending) revert MarketplaceLeaseWrongState(leaseId, l.state);
        if (block.timestamp > l.time) revert MarketplaceAckDeadlinePassed(leaseId, l.time);
        l.state = LeaseState.Active;
        l.time = uint40(block.timestamp);
        emit LeaseAcknowledged(leaseId, block.timestamp);
    }

    /// @dev Completes one of the caller's active leases at `endedAt` clamped to [settledAt, now]; returns the
    /// provider's share and the fee, which the caller books (`_book`) once for a whole batch.
    function _complete(uint256 leaseId, bytes32 resultHash, int32 exitCode, uint64 endedAt)
        private
        returns (uint256 toProvider, uint256 fee)
    {
        LeaseRecord storage l = _leases[leaseId];
        // Both slots read once (LeaseRecord's layout: state bits 160-167 and time 168-207 of slot 0; price bits 0-119,
        // escrow 120-239 and feeBps 240-255 of slot 1).
        uint256 slot0;
        uint256 slot1;
        assembly ("memory-safe") {
            slot0 := sload(l.slot)
            slot1 := sload(add(l.slot, 1))
        }
        LeaseState state = LeaseState(uint8(slot0 >> 160));
        if (state != LeaseState.Active) {
            if (state == LeaseState.None) revert MarketplaceUnknownLease(leaseId);
            revert MarketplaceLeaseWrongState(leaseId, state);
        }
        if (msg.sender != _providerOf(l)) revert MarketplaceNotLeaseProvider(leaseId, msg.sender);
        uint256 settledAt = uint40(slot0 >> 168);
        // In the buyer's favour: a provider may stop the clock early, never late or before the last settlement.
        uint256 end = endedAt < settledAt ? settledAt : endedAt > block.timestamp ? block.timestamp : endedAt;
        uint256 escrow = uint120(slot1 >> 120);
        uint256 owed = Settlement.owed(uint120(slot1), settledAt, escrow, end);
        // Cannot underflow: owed <= escrow.
        uint256 escrowLeft;
        unchecked {
            escrowLeft = escrow - owed;
        }
        if (owed != 0) {
            (fee, toProvider) = Settlement.split(owed, uint16(slot1 >> 240));
            emit LeaseSettled(leaseId, owed, fee, escrowLeft);
        }
        emit LeaseCompleted(leaseId, resultHash, exitCode);
        _close(leaseId, l, msg.sender, CloseReason.Completed, escrowLeft, end);
    }

    /// @dev What an active lease owes now, and the escrow left after paying it.
    function _accrued(LeaseRecord storage l) private view returns (uint256 owed, uint256 escrowLeft) {
        if (l.state != LeaseState.Active) return (0, l.state == LeaseState.Pending ? l.escrow : 0);
        owed = Settlement.owed(l.pricePerSecond, l.time, l.escrow, block.timestamp);
        escrowLeft = l.escrow - owed;
    }

    /// @dev Settles an active lease up to now; closes it when the escrow ran out. Returns true if it closed.
    function _settle(uint256 leaseId, LeaseRecord storage l, address provider) private returns (bool exhausted) {
        (uint256 owed, uint256 escrowLeft) = _accrued(l);
        _credit(leaseId, l, provider, owed, escrowLeft);
        if (escrowLeft == 0) {
            _close(leaseId, l, provider, CloseReason.Exhausted, 0, block.timestamp);
            return true;
        }
        l.time = uint40(block.timestamp);
        l.escrow = uint120(escrowLeft); // escrowLeft <= escrow, a uint120
    }

    /// @dev The one path by which escrow becomes earnings and fees. The caller writes the lease
    /// (each of its slots once: settling and closing in one call costs no extra writes).
    function _credit(uint256 leaseId, LeaseRecord storage l, address provider, uint256 owed, uint256 escrowLeft)
        private
    {
        if (owed == 0) return;
        (uint256 fee, uint256 toProvider) = Settlement.split(owed, l.feeBps);
        _book(provider, toProvider, fee);
        emit LeaseSettled(leaseId, owed, fee, escrowLeft);
    }

    /// @dev Books a provider's share and the protocol's fee in the provider's account: one slot written.
    function _book(address provider, uint256 toProvider, uint256 fee) private {
        if (toProvider == 0 && fee == 0) return;
        Account storage a = _accounts[provider];
        // Checked: a sum above uint128 (more than the token's supply) reverts rather than wraps.
        uint256 earnings = (a.earnings + toProvider).toUint128();
        uint256 fees = (a.fees + fee).toUint128();
        // One write of the account's slot (earnings in the low 128 bits, fees in the high).
        assembly ("memory-safe") {
            sstore(a.slot, or(earnings, shl(128, fees)))
        }
    }

    /// @dev Closes a lease for good at `closedAt`: refunds `refund` (all that is left in escrow), frees the
    /// offer's capacity, and releases the GPU units the lease alone still holds committed (a lease won at
    /// auction, or one whose offer was withdrawn or shrunk below its running leases).
    function _close(
        uint256 leaseId,
        LeaseRecord storage l,
        address provider,
        CloseReason reason,
        uint256 refund,
        uint256 closedAt
    ) private {
        // The escrow field is left as it was (one storage write saved): a Closed lease holds nothing, whatever it
        // says; every reader goes by the state first (`getLease` and `accrued` report 0).
        // Slot 0 read once and written once (LeaseRecord's layout: buyer bits 0-159, state 160-167, time 168-207,
        // source 208-255): state Closed, time `closedAt` (a block time or one clamped below it: fits uint40).
        uint256 slot0;
        assembly ("memory-safe") {
            slot0 := sload(l.slot)
        }
        slot0 = (slot0 & ~(uint256(type(uint48).max) << 160)) | (uint256(uint8(LeaseState.Closed)) << 160)
            | (uint256(uint40(closedAt)) << 168);
        assembly ("memory-safe") {
            sstore(l.slot, slot0)
        }
        uint48 source = uint48(slot0 >> 208);
        if (source & FROM_REQUEST == 0) {
            Offer storage o = _offers[source];
            uint256 head;
            assembly ("memory-safe") {
                head := sload(o.slot)
            }
            // activeLeases (bits 184-199) - 1: cannot borrow, as every lease of an offer counted itself once there.
            assembly ("memory-safe") {
                sstore(o.slot, sub(head, shl(184, 1)))
            }
            if (OfferState(uint8(head >> 160)) == OfferState.Withdrawn || uint16(head >> 184) > uint16(head >> 168)) {
                registry.decreaseCommitment(provider, ResourcesLib.gpuUnits(o.resources.gpuCount));
            }
        } else {
            uint256 units = _auctionUnits[leaseId];
            if (units != 0) {
                delete _auctionUnits[leaseId];
                registry.decreaseCommitment(provider, units);
            }
        }
        emit LeaseClosed(leaseId, reason, refund);
        if (refund != 0) token.safeTransfer(address(uint160(slot0)), refund);
    }

    function _lease(uint256 leaseId) private view returns (LeaseRecord storage l) {
        l = _leases[leaseId];
        if (l.state == LeaseState.None) revert MarketplaceUnknownLease(leaseId);
    }

    // ---------------------------------------------------------------- internal: offers and requests

    function _ownOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.state == OfferState.None) revert MarketplaceUnknownOffer(offerId);
        if (o.provider != msg.sender) revert MarketplaceNotOfferOwner(offerId, msg.sender);
    }

    /// @dev Counts one more lease on an offer that can take it now (it exists, is active and has room), reading its
    /// two head slots once each (Offer's layout: provider bits 0-159, state 160-167, maxLeases 168-183, activeLeases
    /// 184-199, minDuration 200-231; then pricePerSecond 0-127, maxDuration 128-159). Returns its provider, its
    /// price, and its durations (minDuration in the low 32 bits, maxDuration in the next 32).
    function _reserve(uint256 offerId) private returns (address provider, uint128 price, uint256 durations) {
        Offer storage o = _offers[offerId];
        uint256 head;
        uint256 terms;
        assembly ("memory-safe") {
            head := sload(o.slot)
            terms := sload(add(o.slot, 1))
        }
        OfferState state = OfferState(uint8(head >> 160));
        if (state != OfferState.Active) {
            if (state == OfferState.None) revert MarketplaceUnknownOffer(offerId);
            revert MarketplaceOfferNotActive(offerId, state);
        }
        uint16 maxLeases = uint16(head >> 168);
        if (uint16(head >> 184) >= maxLeases) revert MarketplaceOfferFull(offerId, maxLeases);
        // activeLeases + 1: no carry out of its 16 bits, as activeLeases < maxLeases, a uint16.
        assembly ("memory-safe") {
            sstore(o.slot, add(head, shl(184, 1)))
        }
        provider = address(uint160(head));
        price = uint128(terms);
        durations = uint32(head >> 200) | (uint256(uint32(terms >> 128)) << 32);
    }

    /// @dev The deposit must fund between the offer's minimum and maximum durations (`durations` from `_reserve`)
    /// at `price`.
    function _checkDeposit(uint256 durations, uint128 price, uint128 deposit) private pure {
        uint256 minimum = uint256(price) * uint32(durations);
        if (deposit == 0 || deposit < minimum) revert MarketplaceDepositBelowMinimum(deposit, minimum);
        uint256 maximum = uint256(price) * uint32(durations >> 32);
        if (deposit > maximum) revert MarketplaceDepositAboveMaximum(deposit, maximum);
    }

    function _quoteDigest(Quote calldata q) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(QUOTE_TYPEHASH, q.offerId, q.buyer, q.pricePerSecond, q.manifestHash, q.nonce, q.expiry)
            )
        );
    }

    /// @dev Reverts unless `provider` is active and `signature` is its API signer's over `quote`; then uses the
    /// quote's nonce, once.
    function _checkQuoteSignature(address provider, Quote calldata quote, bytes calldata signature) private {
        (address signer, bool active) = registry.quoteSigner(provider);
        if (!active) revert MarketplaceProviderInactive(provider);
        // tryRecover refuses malformed signatures and high-s (malleable) ones: one quote, one signature.
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(_quoteDigest(quote), signature);
        if (error != ECDSA.RecoverError.NoError || recovered != signer) {
            revert MarketplaceQuoteSignerMismatch(provider, signer, recovered);
        }
        _useQuoteNonce(provider, quote.nonce);
    }

    /// @dev Marks `nonce` used for `provider`; reverts if it was.
    function _useQuoteNonce(address provider, uint64 nonce) private {
        mapping(uint256 => uint256) storage words = _quoteNonces[provider];
        uint256 word = words[nonce >> 8];
        uint256 bit = 1 << (nonce & 0xff);
        if (word & bit != 0) revert MarketplaceQuoteNonceUsed(provider, nonce);
        words[nonce >> 8] = word | bit;
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a : b;
    }

    function _checkTerms(uint128 price, uint16 maxLeases, uint32 minDuration, uint32 maxDuration) private pure {
        // A lease stores its price in 120 bits.
        if (price == 0 || price > type(uint120).max || maxLeases == 0 || maxDuration == 0 || minDuration > maxDuration)
        {
            revert MarketplaceInvalidTerms(price, maxLeases, minDuration, maxDuration);
        }
    }

    function _openRequest(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.state != RequestState.Open) {
            if (r.state == RequestState.None) revert MarketplaceUnknownRequest(requestId);
            revert MarketplaceRequestNotOpen(requestId, r.state);
        }
    }

    function _award(uint256 requestId, Request storage r, address provider, uint128 price)
        private
        returns (uint256 leaseId)
    {
        r.state = RequestState.Closed;
        uint128 deposit = r.deposit;
        r.deposit = 0;
        // The winner is recorded as the best bid: the lease reads its provider from here.
        r.bestBidder = provider;
        r.bestPrice = price;
        leaseId = _createLease(r.buyer, provider, 0, requestId, price, deposit, r.manifestHash, false);
        // The lease holds the request's GPU units of the provider's stake until it closes, as an offer's would.
        uint256 units = ResourcesLib.gpuUnits(r.requirements.gpuCount);
        _auctionUnits[leaseId] = units;
        registry.increaseCommitment(provider, units);
        emit RequestClosed(requestId, provider, price, leaseId);
    }

    function _refundRequest(uint256 requestId, Request storage r) private {
        uint256 refund = r.deposit;
        r.deposit = 0;
        r.state = RequestState.Cancelled;
        emit RequestCancelled(requestId, refund);
        token.safeTransfer(r.buyer, refund);
    }

    function _setParameters(Parameters memory p) private {
        if (p.feeBps > MAX_FEE_BPS) revert MarketplaceParameterOutOfBounds("feeBps", p.feeBps, 0, MAX_FEE_BPS);
        if (p.ackWindow < MIN_ACK_WINDOW || p.ackWindow > MAX_ACK_WINDOW) {
            revert MarketplaceParameterOutOfBounds("ackWindow", p.ackWindow, MIN_ACK_WINDOW, MAX_ACK_WINDOW);
        }
        if (p.maxBiddingWindow < MIN_BIDDING_WINDOW || p.maxBiddingWindow > MAX_BIDDING_WINDOW) {
            revert MarketplaceParameterOutOfBounds(
                "maxBiddingWindow", p.maxBiddingWindow, MIN_BIDDING_WINDOW, MAX_BIDDING_WINDOW
            );
        }
        Config storage c = _config;
        c.feeBps = p.feeBps;
        c.ackWindow = p.ackWindow;
        c.maxBiddingWindow = p.maxBiddingWindow;
        _feeSink = p.feeSink;
        emit ParametersChanged(p.feeBps, p.ackWindow, p.maxBiddingWindow, p.feeSink);
    }
}
