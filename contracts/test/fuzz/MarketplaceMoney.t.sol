// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Fuzz tests of the marketplace's money paths: deposits, top-ups, cancellations,
/// withdrawals, fee flushes and reverse auctions, each checked against a simple model.
contract MarketplaceMoneyFuzzTest is Deployers {
    uint256 internal constant BPS = 10_000;
    uint32 internal constant MIN_DURATION = 60;
    uint32 internal constant MAX_DURATION = 30 days;
    uint256 internal constant BIDDERS = 4;

    address[BIDDERS] internal bidders;

    function setUp() public override {
        super.setUp();
        bidders[0] = provider;
        bidders[1] = provider2;
        bidders[2] = address(0xD0E);
        bidders[3] = address(0xD0F);
        for (uint256 i = 2; i < BIDDERS; ++i) {
            _fund(bidders[i], 100_000 ether);
            _registerAndStake(bidders[i], 10_000 ether);
        }
    }

    // ---------------------------------------------------------------- helpers

    function _setFee(uint256 feeSeed) internal returns (uint16 feeBps) {
        feeBps = uint16(bound(feeSeed, 0, market.MAX_FEE_BPS()));
        vm.prank(admin);
        market.setParameters(
            IMarketplace.Parameters({
                feeBps: feeBps, ackWindow: ACK_WINDOW, maxBiddingWindow: MAX_BIDDING_WINDOW, feeSink: address(0)
            })
        );
    }

    function _offer(uint128 price) internal returns (uint256 offerId) {
        vm.prank(provider);
        offerId = market.postOffer(_h100(1), price, 4, MIN_DURATION, MAX_DURATION);
    }

    function _take(uint256 offerId, uint128 price, uint128 deposit) internal returns (uint256 leaseId) {
        vm.prank(buyer);
        leaseId = market.takeOffer(offerId, price, MANIFEST, deposit);
    }

    function _price(uint256 seed) internal pure returns (uint128) {
        return uint128(bound(seed, 1, 1e16));
    }

    /// @dev A deposit within the offer's duration bounds, and small enough for a few top-ups.
    function _deposit(uint256 seed, uint128 price) internal pure returns (uint128) {
        uint256 maximum = uint256(price) * MAX_DURATION;
        if (maximum > 100_000 ether) maximum = 100_000 ether;
        return uint128(bound(seed, uint256(price) * MIN_DURATION, maximum));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    // ---------------------------------------------------------------- offers, top-ups, settlement

    struct Model {
        uint256 leaseId;
        uint128 price;
        uint16 feeBps;
        uint256 escrow; // what the model says is left in escrow
        uint256 deposited; // deposit + top-ups
        uint256 paid; // what left the escrow for the provider and the protocol
        uint256 fees; // the protocol's part of it
        uint256 lastSettled;
        bool open;
    }

    /// @notice Random top-ups and settlements, then complete or close: credit + fee + refund equals
    /// deposit + top-ups exactly, and every payment matches the per-second model.
    function testFuzz_topUpsAndSettlementsConserveMoney(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 feeSeed,
        uint64[4] memory topUps,
        uint32[4] memory gaps,
        uint8 actions,
        bool completeIt
    ) public {
        uint256 buyerBefore = token.balanceOf(buyer);
        Model memory m = _openModelLease(priceSeed, depositSeed, feeSeed);
        for (uint256 i; i < gaps.length && m.open; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 1 days));
            if ((actions >> i) & 1 == 1) _stepTopUp(topUps[i], m);
            else _stepSettle(m);
        }
        if (m.open) {
            vm.warp(block.timestamp + bound(gaps[0], 0, 1 days));
            uint256 owed = _owed(m);
            uint256 feesBefore = _allFees();
            vm.prank(completeIt ? provider : buyer);
            if (completeIt) market.complete(m.leaseId, keccak256("result"), 0, uint64(block.timestamp));
            else market.close(m.leaseId);
            assertEq(_allFees() - feesBefore, owed * m.feeBps / BPS, "final fee");
            m.paid += owed;
            m.fees += owed * m.feeBps / BPS;
            m.escrow -= owed;
        }

        uint256 refund = token.balanceOf(buyer) + m.deposited - buyerBefore;
        assertEq(refund, m.escrow, "the buyer gets back exactly the unpaid escrow");
        assertEq(market.earningsOf(provider) + _allFees() + refund, m.deposited, "credit + fee + refund");
        assertEq(_allFees(), m.fees, "fees match the model");
        assertEq(market.earningsOf(provider), m.paid - m.fees, "provider credited the exact rest");
        assertLe(m.paid, m.deposited, "never pays beyond deposit + top-ups");
        assertEq(token.balanceOf(address(market)), market.earningsOf(provider) + _allFees(), "market holds the rest");
        IMarketplace.Lease memory l = market.getLease(m.leaseId);
        assertTrue(l.state == IMarketplace.LeaseState.Closed, "closed");
        assertEq(l.escrow, 0, "escrow emptied");
        assertEq(market.getOffer(l.offerId).activeLeases, 0, "capacity released");
    }

    function _openModelLease(uint256 priceSeed, uint256 depositSeed, uint256 feeSeed)
        internal
        returns (Model memory m)
    {
        m.feeBps = _setFee(feeSeed);
        m.price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, m.price);
        m.leaseId = _take(_offer(m.price), m.price, deposit);
        vm.warp(block.timestamp + 10);
        vm.prank(provider);
        market.acknowledge(m.leaseId);
        m.escrow = deposit;
        m.deposited = deposit;
        m.lastSettled = block.timestamp;
        m.open = true;
    }

    /// @dev What the model says the lease owes now.
    function _owed(Model memory m) internal view returns (uint256) {
        return _min((block.timestamp - m.lastSettled) * m.price, m.escrow);
    }

    function _stepSettle(Model memory m) internal {
        uint256 owed = _owed(m);
        uint256 feesBefore = _allFees();
        market.settle(m.leaseId);
        uint256 fee = _allFees() - feesBefore;
        assertEq(fee, owed * m.feeBps / BPS, "settle fee");
        m.paid += owed;
        m.fees += fee;
        m.escrow -= owed;
        m.lastSettled = block.timestamp;
        m.open = m.escrow != 0;
        assertEq(market.getLease(m.leaseId).escrow, m.escrow, "escrow after settle");
        assertTrue(
            (market.getLease(m.leaseId).state == IMarketplace.LeaseState.Active) == m.open, "closes exactly when empty"
        );
    }

    function _stepTopUp(uint64 amountSeed, Model memory m) internal {
        uint256 owed = _owed(m);
        if (owed == m.escrow) {
            // Exhausted: a top-up cannot revive it; settling closes it.
            vm.prank(buyer);
            vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceLeaseExhausted.selector, m.leaseId));
            market.topUp(m.leaseId, 1);
            _stepSettle(m);
            return;
        }
        uint256 room = uint256(m.price) * MAX_DURATION - (m.escrow - owed);
        if (room == 0) return;
        uint256 amount = bound(amountSeed, 1, _min(room, 50_000 ether));
        uint256 feesBefore = _allFees();
        vm.prank(buyer);
        market.topUp(m.leaseId, uint128(amount));
        assertEq(_allFees() - feesBefore, owed * m.feeBps / BPS, "top-up settles first");
        m.paid += owed;
        m.fees += owed * m.feeBps / BPS;
        m.escrow = m.escrow - owed + amount;
        m.deposited += amount;
        m.lastSettled = block.timestamp;
        assertEq(market.getLease(m.leaseId).escrow, m.escrow, "escrow after top-up");
    }

    /// @notice A pending lease, topped up or not, cancels with a full refund and pays nothing,
    /// whether the buyer cancels or anyone does after the acknowledgement deadline.
    function testFuzz_cancelPendingRefundsEverything(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 topUpSeed,
        uint256 waitSeed,
        bool late
    ) public {
        uint128 price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, price);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 leaseId = _take(_offer(price), price, deposit);
        uint256 room = uint256(price) * MAX_DURATION - deposit;
        uint256 topUp = room == 0 ? 0 : bound(topUpSeed, 0, _min(room, 10_000 ether));
        if (topUp != 0) {
            vm.prank(buyer);
            market.topUp(leaseId, uint128(topUp));
        }
        uint256 wait = late ? bound(waitSeed, ACK_WINDOW + 1, 30 days) : bound(waitSeed, 0, ACK_WINDOW);
        vm.warp(block.timestamp + wait);
        vm.prank(late ? address(0xCAFE) : buyer);
        market.cancel(leaseId);

        assertEq(token.balanceOf(buyer), buyerBefore, "full refund");
        assertEq(market.earningsOf(provider), 0, "provider paid nothing");
        assertEq(_allFees(), 0, "no fee");
        assertEq(token.balanceOf(address(market)), 0, "nothing held");
        assertEq(market.noShowsOf(provider), late ? 1 : 0, "a late cancel is a no-show");
    }

    /// @notice Deposits and top-ups outside the offer's duration bounds revert.
    function testFuzz_depositOutsideDurationBoundsReverts(uint256 priceSeed, uint256 below, uint256 above) public {
        uint128 price = _price(priceSeed);
        uint256 offerId = _offer(price);
        uint256 minimum = uint256(price) * MIN_DURATION;
        uint256 maximum = uint256(price) * MAX_DURATION;
        uint128 low = uint128(bound(below, 0, minimum - 1));
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceDepositBelowMinimum.selector, low, minimum));
        market.takeOffer(offerId, price, MANIFEST, low);

        uint128 high = uint128(bound(above, maximum + 1, maximum + 1_000 ether));
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceDepositAboveMaximum.selector, high, maximum));
        market.takeOffer(offerId, price, MANIFEST, high);

        uint256 leaseId = _take(offerId, price, uint128(minimum));
        uint128 extra = uint128(high - minimum);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceDepositAboveMaximum.selector, high, maximum));
        market.topUp(leaseId, extra);
    }

    /// @notice withdraw pays the provider exactly its credit (settling the leases it names), and
    /// flushFees burns exactly the fees held.
    function testFuzz_withdrawAndFlushMoveExactlyWhatIsHeld(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 feeSeed,
        uint32 runFor
    ) public {
        uint16 feeBps = _setFee(feeSeed);
        uint128 price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, price);
        uint256 offerId = _offer(price);
        uint256 a = _take(offerId, price, deposit);
        uint256 b = _take(offerId, price, deposit);
        vm.startPrank(provider);
        market.acknowledge(a);
        market.acknowledge(b);
        vm.stopPrank();
        vm.warp(block.timestamp + bound(runFor, 1, 40 days));
        uint256 owedEach = _min(uint256(price) * (block.timestamp - market.getLease(a).settledAt), deposit);

        uint256[] memory ids = new uint256[](2);
        ids[0] = a;
        ids[1] = b;
        uint256 providerBefore = token.balanceOf(provider);
        vm.prank(provider);
        uint256 amount = market.withdraw(ids);
        uint256 feeEach = owedEach * feeBps / BPS;
        assertEq(amount, 2 * (owedEach - feeEach), "withdraws both leases' credit");
        assertEq(token.balanceOf(provider) - providerBefore, amount, "sent what it says");
        assertEq(market.earningsOf(provider), 0, "credit emptied");
        assertEq(_allFees(), 2 * feeEach, "fees held");
        assertEq(token.balanceOf(address(market)), 2 * (deposit - owedEach) + 2 * feeEach, "escrows and fees held");

        uint256 supplyBefore = token.totalSupply();
        _sweepFees(); // withdraw left one unit booked
        uint256 flushed = market.flushFees();
        assertEq(flushed, 2 * feeEach, "flushes all fees");
        assertEq(supplyBefore - token.totalSupply(), flushed, "burns exactly the fees");
        assertEq(_allFees(), 0, "none left");
        assertEq(market.flushFees(), 0, "a second flush moves nothing");
    }

    // ---------------------------------------------------------------- auctions

    function _postRequest(uint128 maxPrice, uint128 deposit) internal returns (uint256 requestId) {
        vm.prank(buyer);
        requestId = market.postRequest(_h100(1), maxPrice, deposit, uint40(block.timestamp + 1 hours), MANIFEST);
    }

    /// @notice Random bids, some of them invalid raises: after the deadline the lowest price wins,
    /// and of equal prices the one bid first.
    function testFuzz_auctionLowestBidWinsEarliestOnTie(
        uint8[12] memory who,
        uint8[12] memory priceSeeds,
        uint256 depositSeed
    ) public {
        uint128 maxPrice = 8;
        uint128 deposit = uint128(bound(depositSeed, 1, 100_000 ether));
        uint256 requestId = _postRequest(maxPrice, deposit);

        uint256 bestPrice = type(uint256).max;
        address expected;
        uint256 placed;
        for (uint256 i; i < who.length; ++i) {
            address bidder = bidders[who[i] % BIDDERS];
            // Few distinct prices, so that ties are common.
            uint128 price = uint128(bound(priceSeeds[i], 1, maxPrice));
            uint256 current = market.bidOf(requestId, bidder);
            vm.warp(block.timestamp + 1);
            vm.prank(bidder);
            if (current != 0 && price >= current) {
                vm.expectRevert(
                    abi.encodeWithSelector(IMarketplace.MarketplaceBidNotLower.selector, requestId, price, current)
                );
                market.bid(requestId, price, _h100(1));
                continue;
            }
            market.bid(requestId, price, _h100(1));
            ++placed;
            // The spec: the lowest price, and of equal ones the earliest bid, wins.
            if (price < bestPrice) {
                bestPrice = price;
                expected = bidder;
            }
        }
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.warp(market.getRequest(requestId).biddingDeadline);
        uint256 leaseId = market.closeAuction(requestId);

        if (placed == 0) {
            assertEq(leaseId, 0, "no bids, no lease");
            assertEq(token.balanceOf(buyer) - buyerBefore, deposit, "deposit refunded");
            assertTrue(market.getRequest(requestId).state == IMarketplace.RequestState.Cancelled, "cancelled");
            return;
        }
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertTrue(l.provider == expected, "lowest price wins, earliest on a tie");
        assertEq(l.pricePerSecond, bestPrice, "at the winning price");
        assertEq(l.escrow, deposit, "the request's deposit becomes the escrow");
        assertTrue(l.buyer == buyer, "for the request's buyer");
        assertTrue(l.state == IMarketplace.LeaseState.Pending, "waiting for acknowledgement");
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertTrue(r.state == IMarketplace.RequestState.Closed, "request closed");
        assertEq(r.deposit, 0, "deposit moved to the lease");
        assertEq(token.balanceOf(buyer), buyerBefore, "no refund");
        assertEq(token.balanceOf(address(market)), deposit, "the deposit is still held, now as escrow");
    }

    /// @notice The buyer may accept any bid; the lease that follows conserves money like any other.
    function testFuzz_acceptedBidLeaseConservesMoney(
        uint8 chosen,
        uint64[BIDDERS] memory priceSeeds,
        uint256 depositSeed,
        uint256 feeSeed,
        uint32 runFor,
        bool completeIt
    ) public {
        uint16 feeBps = _setFee(feeSeed);
        uint128 maxPrice = 1e16;
        uint128 deposit = uint128(bound(depositSeed, 1, 100_000 ether));
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 requestId = _postRequest(maxPrice, deposit);
        for (uint256 i; i < BIDDERS; ++i) {
            vm.prank(bidders[i]);
            market.bid(requestId, uint128(bound(priceSeeds[i], 1, maxPrice)), _h100(2));
        }
        address winner = bidders[chosen % BIDDERS];
        uint256 price = market.bidOf(requestId, winner);
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, winner);
        assertTrue(market.getLease(leaseId).provider == winner, "the accepted bidder");
        assertEq(market.getLease(leaseId).pricePerSecond, price, "at its own price");

        vm.prank(winner);
        market.acknowledge(leaseId);
        vm.warp(block.timestamp + bound(runFor, 0, 30 days));
        uint256 owed = _min(price * (block.timestamp - market.getLease(leaseId).settledAt), deposit);
        if (owed == deposit) {
            market.settle(leaseId); // exhausted: closes
        } else {
            vm.prank(completeIt ? winner : buyer);
            if (completeIt) market.complete(leaseId, keccak256("result"), 0, uint64(block.timestamp));
            else market.close(leaseId);
        }
        uint256 fee = owed * feeBps / BPS;
        assertEq(market.pendingFees() + market.feesOf(winner), fee, "fee");
        assertEq(market.earningsOf(winner), owed - fee, "credit");
        assertEq(buyerBefore - token.balanceOf(buyer), owed, "the buyer paid exactly what accrued");
        assertEq(token.balanceOf(address(market)), owed, "credit and fee held");
        assertTrue(market.getLease(leaseId).state == IMarketplace.LeaseState.Closed, "closed");
    }
}
