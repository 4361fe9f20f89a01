// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
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
contract Marketplace is IMarketplace, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IOcxToken;
    using ResourcesLib for Resources;
    using SafeCast for uint256;

    /// @notice May change the marketplace's parameters (governance, later).
    bytes32 public constant PARAMETER_ADMIN_ROLE = keccak256("PARAMETER_ADMIN_ROLE");

    uint16 public constant MAX_FEE_BPS = 1_000;
    uint32 public constant MIN_ACK_WINDOW = 10;
    uint32 public constant MAX_ACK_WINDOW = 1 days;
    uint32 public constant MIN_BIDDING_WINDOW = 60;
    uint32 public constant MAX_BIDDING_WINDOW = 30 days;

    /// @notice The payment token.
    IOcxToken public immutable token;
    /// @notice Where providers register and stake.
    IProviderRegistry public immutable registry;

    Parameters private _parameters;
    uint64 private _offerCount;
    uint64 private _leaseCount;
    uint64 private _requestCount;
    uint256 private _pendingFees;

    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 leaseId => Lease) private _leases;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 requestId => mapping(address provider => uint128 price)) private _bids;
    mapping(address provider => uint256) private _earnings;
    mapping(address provider => uint256) private _noShows;

    constructor(IOcxToken token_, IProviderRegistry registry_, address admin, Parameters memory parameters_) {
        token = token_;
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ADMIN_ROLE, admin);
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- offers

    /// @inheritdoc IMarketplace
    function postOffer(
        Resources calldata resources,
        uint128 pricePerSecond,
        uint16 maxLeases,
        uint32 minDuration,
        uint32 maxDuration
    ) external returns (uint256 offerId) {
        _checkTerms(pricePerSecond, maxLeases, minDuration, maxDuration);
        registry.increaseCommitment(msg.sender, ResourcesLib.gpuUnits(resources.gpuCount) * maxLeases);
        offerId = ++_offerCount;
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
        uint256 units = ResourcesLib.gpuUnits(o.resources.gpuCount);
        if (maxLeases > o.maxLeases) registry.increaseCommitment(msg.sender, units * (maxLeases - o.maxLeases));
        else if (maxLeases < o.maxLeases) registry.decreaseCommitment(msg.sender, units * (o.maxLeases - maxLeases));
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
        registry.decreaseCommitment(msg.sender, ResourcesLib.gpuUnits(o.resources.gpuCount) * o.maxLeases);
        emit OfferStateChanged(offerId, OfferState.Withdrawn);
    }

    /// @inheritdoc IMarketplace
    function takeOffer(uint256 offerId, uint128 maxPricePerSecond, bytes32 manifestHash, uint128 deposit)
        external
        nonReentrant
        returns (uint256 leaseId)
    {
        Offer storage o = _offers[offerId];
        if (o.state != OfferState.Active) {
            if (o.state == OfferState.None) revert MarketplaceUnknownOffer(offerId);
            revert MarketplaceOfferNotActive(offerId, o.state);
        }
        if (o.activeLeases >= o.maxLeases) revert MarketplaceOfferFull(offerId, o.maxLeases);
        uint128 price = o.pricePerSecond;
        if (price > maxPricePerSecond) revert MarketplacePriceAboveLimit(price, maxPricePerSecond);
        uint256 minimum = uint256(price) * o.minDuration;
        if (deposit == 0 || deposit < minimum) revert MarketplaceDepositBelowMinimum(deposit, minimum);
        uint256 maximum = uint256(price) * o.maxDuration;
        if (deposit > maximum) revert MarketplaceDepositAboveMaximum(deposit, maximum);
        address provider = o.provider;
        if (!registry.isActive(provider)) revert MarketplaceProviderInactive(provider);

        // Cannot overflow: activeLeases < maxLeases, a uint16.
        unchecked {
            ++o.activeLeases;
        }
        leaseId = _createLease(msg.sender, provider, offerId, 0, price, deposit, o.maxDuration, manifestHash);
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
    ) external nonReentrant returns (uint256 requestId) {
        if (deposit == 0 || maxPricePerSecond == 0) revert MarketplaceZeroAmount();
        uint256 earliest = block.timestamp + MIN_BIDDING_WINDOW;
        uint256 latest = block.timestamp + _parameters.maxBiddingWindow;
        if (biddingDeadline < earliest || biddingDeadline > latest) {
            revert MarketplaceInvalidBiddingDeadline(biddingDeadline, earliest, latest);
        }
        requestId = ++_requestCount;
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
    function bid(uint256 requestId, uint128 pricePerSecond, Resources calldata resources) external {
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
    function acceptBid(uint256 requestId, address provider) external returns (uint256 leaseId) {
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
        // A winner jailed since it bid cannot take the lease; the buyer gets the deposit back and may post again.
        if (winner != address(0) && registry.isActive(winner)) return _award(requestId, r, winner, r.bestPrice);
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
        Lease storage l = _lease(leaseId);
        if (msg.sender != l.provider) revert MarketplaceNotLeaseProvider(leaseId, msg.sender);
        if (l.state != LeaseState.Pending) revert MarketplaceLeaseWrongState(leaseId, l.state);
        if (block.timestamp > l.ackDeadline) revert MarketplaceAckDeadlinePassed(leaseId, l.ackDeadline);
        l.state = LeaseState.Active;
        l.settledAt = uint40(block.timestamp);
        emit LeaseAcknowledged(leaseId, block.timestamp);
    }

    /// @inheritdoc IMarketplace
    function cancel(uint256 leaseId) external nonReentrant {
        Lease storage l = _lease(leaseId);
        if (l.state != LeaseState.Pending) revert MarketplaceLeaseWrongState(leaseId, l.state);
        bool late = block.timestamp > l.ackDeadline;
        if (msg.sender != l.buyer && !late) revert MarketplaceNotLeaseBuyer(leaseId, msg.sender);
        if (late) {
            uint256 noShows = ++_noShows[l.provider];
            emit ProviderNoShow(leaseId, l.provider, noShows);
        }
        _close(leaseId, l, CloseReason.Cancelled, l.escrow);
    }

    /// @inheritdoc IMarketplace
    function settle(uint256 leaseId) external nonReentrant {
        Lease storage l = _lease(leaseId);
        if (l.state != LeaseState.Active) revert MarketplaceLeaseWrongState(leaseId, l.state);
        _settle(leaseId, l);
    }

    /// @inheritdoc IMarketplace
    function topUp(uint256 leaseId, uint128 amount) external nonReentrant {
        if (amount == 0) revert MarketplaceZeroAmount();
        Lease storage l = _lease(leaseId);
        if (l.state == LeaseState.Active) {
            (uint256 owed,) = _accrued(l);
            if (owed == l.escrow) revert MarketplaceLeaseExhausted(leaseId);
            _settle(leaseId, l);
        } else if (l.state != LeaseState.Pending) {
            revert MarketplaceLeaseWrongState(leaseId, l.state);
        }
        uint256 escrow = uint256(l.escrow) + amount;
        uint256 maximum = uint256(l.pricePerSecond) * l.maxDuration;
        if (escrow > maximum) revert MarketplaceDepositAboveMaximum(escrow, maximum);
        l.escrow = escrow.toUint128();
        emit LeaseToppedUp(leaseId, msg.sender, amount, escrow);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IMarketplace
    function close(uint256 leaseId) external nonReentrant {
        Lease storage l = _lease(leaseId);
        if (msg.sender != l.buyer) revert MarketplaceNotLeaseBuyer(leaseId, msg.sender);
        if (l.state != LeaseState.Active) revert MarketplaceLeaseWrongState(leaseId, l.state);
        (uint256 owed, uint256 escrowLeft) = _accrued(l);
        _credit(leaseId, l, owed, escrowLeft);
        _close(leaseId, l, escrowLeft == 0 ? CloseReason.Exhausted : CloseReason.ClosedByBuyer, escrowLeft);
    }

    /// @inheritdoc IMarketplace
    function complete(uint256 leaseId, bytes32 resultHash, int32 exitCode) external nonReentrant {
        Lease storage l = _lease(leaseId);
        if (msg.sender != l.provider) revert MarketplaceNotLeaseProvider(leaseId, msg.sender);
        if (l.state != LeaseState.Active) revert MarketplaceLeaseWrongState(leaseId, l.state);
        (uint256 owed, uint256 escrowLeft) = _accrued(l);
        _credit(leaseId, l, owed, escrowLeft);
        emit LeaseCompleted(leaseId, resultHash, exitCode);
        _close(leaseId, l, CloseReason.Completed, escrowLeft);
    }

    /// @inheritdoc IMarketplace
    function withdraw(uint256[] calldata leaseIds) external nonReentrant returns (uint256 amount) {
        for (uint256 i; i < leaseIds.length; ++i) {
            Lease storage l = _lease(leaseIds[i]);
            if (msg.sender != l.provider) revert MarketplaceNotLeaseProvider(leaseIds[i], msg.sender);
            if (l.state == LeaseState.Active) _settle(leaseIds[i], l);
        }
        amount = _earnings[msg.sender];
        if (amount == 0) revert MarketplaceNothingToWithdraw(msg.sender);
        _earnings[msg.sender] = 0;
        emit EarningsWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IMarketplace
    function flushFees() external nonReentrant returns (uint256 amount) {
        amount = _pendingFees;
        if (amount == 0) return 0;
        _pendingFees = 0;
        address sink = _parameters.feeSink;
        emit FeesFlushed(sink, amount);
        if (sink == address(0)) token.burn(amount);
        else token.safeTransfer(sink, amount);
    }

    /// @inheritdoc IMarketplace
    function setParameters(Parameters calldata parameters_) external onlyRole(PARAMETER_ADMIN_ROLE) {
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarketplace
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @inheritdoc IMarketplace
    function getLease(uint256 leaseId) external view returns (Lease memory) {
        return _leases[leaseId];
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
        return _earnings[provider];
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
        return (_offerCount, _leaseCount, _requestCount);
    }

    /// @inheritdoc IMarketplace
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    // ---------------------------------------------------------------- internal: leases

    function _createLease(
        address buyer,
        address provider,
        uint256 offerId,
        uint256 requestId,
        uint128 price,
        uint128 deposit,
        uint32 maxDuration,
        bytes32 manifestHash
    ) private returns (uint256 leaseId) {
        leaseId = ++_leaseCount;
        // Timestamps fit uint40 until the year 36812; offer ids fit uint48 (one per transaction).
        uint40 ackDeadline = uint40(block.timestamp + _parameters.ackWindow);
        _leases[leaseId] = Lease({
            provider: provider,
            state: LeaseState.Pending,
            ackDeadline: ackDeadline,
            settledAt: 0,
            buyer: buyer,
            offerId: uint48(offerId),
            feeBps: _parameters.feeBps,
            maxDuration: maxDuration,
            pricePerSecond: price,
            escrow: deposit
        });
        emit LeaseCreated(leaseId, buyer, provider, offerId, requestId, price, deposit, manifestHash, ackDeadline);
    }

    /// @dev What an active lease owes now, and the escrow left after paying it.
    function _accrued(Lease storage l) private view returns (uint256 owed, uint256 escrowLeft) {
        if (l.state != LeaseState.Active) return (0, l.escrow);
        owed = Settlement.owed(l.pricePerSecond, l.settledAt, l.escrow, block.timestamp);
        escrowLeft = l.escrow - owed;
    }

    /// @dev Settles an active lease up to now; closes it when the escrow ran out. Returns true if it closed.
    function _settle(uint256 leaseId, Lease storage l) private returns (bool exhausted) {
        (uint256 owed, uint256 escrowLeft) = _accrued(l);
        _credit(leaseId, l, owed, escrowLeft);
        if (escrowLeft == 0) {
            _close(leaseId, l, CloseReason.Exhausted, 0);
            return true;
        }
        l.settledAt = uint40(block.timestamp);
        l.escrow = uint128(escrowLeft); // escrowLeft <= escrow, a uint128
    }

    /// @dev The one path by which escrow becomes earnings and fees. The caller writes the lease
    /// (each of its slots once: settling and closing in one call costs no extra writes).
    function _credit(uint256 leaseId, Lease storage l, uint256 owed, uint256 escrowLeft) private {
        if (owed == 0) return;
        (uint256 fee, uint256 toProvider) = Settlement.split(owed, l.feeBps);
        _earnings[l.provider] += toProvider;
        _pendingFees += fee;
        emit LeaseSettled(leaseId, owed, fee, escrowLeft);
    }

    /// @dev Closes a lease for good: refunds `refund` (all that is left in escrow) and frees the offer's capacity.
    function _close(uint256 leaseId, Lease storage l, CloseReason reason, uint256 refund) private {
        l.state = LeaseState.Closed;
        l.settledAt = uint40(block.timestamp);
        l.escrow = 0;
        uint256 offerId = l.offerId;
        // Cannot underflow: every lease of an offer incremented activeLeases once when it was created.
        if (offerId != 0) {
            unchecked {
                --_offers[offerId].activeLeases;
            }
        }
        emit LeaseClosed(leaseId, reason, refund);
        if (refund != 0) token.safeTransfer(l.buyer, refund);
    }

    function _lease(uint256 leaseId) private view returns (Lease storage l) {
        l = _leases[leaseId];
        if (l.state == LeaseState.None) revert MarketplaceUnknownLease(leaseId);
    }

    // ---------------------------------------------------------------- internal: offers and requests

    function _ownOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.state == OfferState.None) revert MarketplaceUnknownOffer(offerId);
        if (o.provider != msg.sender) revert MarketplaceNotOfferOwner(offerId, msg.sender);
    }

    function _checkTerms(uint128 price, uint16 maxLeases, uint32 minDuration, uint32 maxDuration) private pure {
        if (price == 0 || maxLeases == 0 || maxDuration == 0 || minDuration > maxDuration) {
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
        leaseId = _createLease(r.buyer, provider, 0, requestId, price, deposit, type(uint32).max, r.manifestHash);
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
        _parameters = p;
        emit ParametersChanged(p.feeBps, p.ackWindow, p.maxBiddingWindow, p.feeSink);
    }
}
