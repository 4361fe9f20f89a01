// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {Settlement} from "../../src/libraries/Settlement.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Fuzz tests of settlement: the arithmetic of the Settlement library, and leases settled
/// at random times against a simple model of the money rules in IMarketplace.
contract SettlementFuzzTest is Deployers {
    uint256 internal constant BPS = 10_000;
    uint32 internal constant MAX_DURATION = 30 days;

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

    /// @dev An acknowledged lease of `who`'s fresh offer at `price`, funded with `deposit` by the buyer.
    function _lease(address who, uint128 price, uint128 deposit) internal returns (uint256 leaseId) {
        vm.prank(who);
        uint256 offerId = market.postOffer(_h100(1), price, 4, 0, MAX_DURATION);
        vm.prank(buyer);
        leaseId = market.takeOffer(offerId, price, MANIFEST, deposit);
        vm.prank(who);
        market.acknowledge(leaseId);
    }

    function _price(uint256 seed) internal pure returns (uint128) {
        return uint128(bound(seed, 1, 1e18));
    }

    /// @dev A deposit the buyer can afford twice over that the offer's duration bounds accept.
    function _deposit(uint256 seed, uint128 price) internal pure returns (uint128) {
        uint256 maximum = uint256(price) * MAX_DURATION;
        if (maximum > 400_000 ether) maximum = 400_000 ether;
        return uint128(bound(seed, 1, maximum));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    /// @dev Settles `leaseId` now and returns what it paid and the fee of it, checking the split on the way.
    function _settleAndMeasure(uint256 leaseId, uint16 feeBps) internal returns (uint256 paid, uint256 fee) {
        address who = market.getLease(leaseId).provider;
        uint256 earningsBefore = market.earningsOf(who);
        uint256 feesBefore = _allFees();
        uint256 escrowBefore = market.getLease(leaseId).escrow;
        (uint256 owed,) = market.accrued(leaseId);
        market.settle(leaseId);
        fee = _allFees() - feesBefore;
        paid = market.earningsOf(who) - earningsBefore + fee;
        assertEq(paid, owed, "settle paid what accrued() announced");
        assertEq(fee, paid * feeBps / BPS, "fee is paid * feeBps / 10000, rounded down");
        assertLe(paid, escrowBefore, "a settlement never pays beyond the escrow");
    }

    // ---------------------------------------------------------------- the library

    function testFuzz_owedIsElapsedTimesPriceCappedByEscrow(
        uint128 price,
        uint40 settledAt,
        uint32 elapsed,
        uint128 escrow
    ) public pure {
        uint256 now_ = uint256(settledAt) + elapsed;
        uint256 owed = Settlement.owed(price, settledAt, escrow, now_);
        uint256 due = uint256(elapsed) * price;
        assertEq(owed, due < escrow ? due : escrow, "owed = min(elapsed * price, escrow)");
        assertLe(owed, escrow, "never beyond the escrow");
    }

    function testFuzz_splitIsExactAndRoundsFeeDown(uint256 paid, uint256 feeSeed) public pure {
        paid = bound(paid, 0, type(uint128).max);
        uint256 feeBps = bound(feeSeed, 0, BPS);
        (uint256 fee, uint256 toProvider) = Settlement.split(paid, feeBps);
        assertEq(fee + toProvider, paid, "no unit created or lost");
        assertEq(fee, paid * feeBps / BPS, "fee = paid * feeBps / 10000");
        // Rounded down: fee * BPS <= paid * feeBps < (fee + 1) * BPS.
        assertLe(fee * BPS, paid * feeBps, "fee not rounded up");
        assertTrue(paid * feeBps < (fee + 1) * BPS, "fee rounded down by less than one unit");
    }

    /// @notice Splitting a payment into pieces costs the protocol at most one wei of fee per piece,
    /// never the provider.
    function testFuzz_piecewiseFeesFavourTheProvider(uint128 total, uint64[6] memory cuts, uint256 feeSeed)
        public
        pure
    {
        uint256 feeBps = bound(feeSeed, 0, 1_000);
        uint256 left = total;
        uint256 feeSum;
        uint256 providerSum;
        for (uint256 i; i <= cuts.length; ++i) {
            uint256 piece = i == cuts.length ? left : bound(cuts[i], 0, left);
            left -= piece;
            (uint256 fee, uint256 toProvider) = Settlement.split(piece, feeBps);
            feeSum += fee;
            providerSum += toProvider;
        }
        (uint256 feeOnce, uint256 providerOnce) = Settlement.split(total, feeBps);
        assertEq(feeSum + providerSum, total, "pieces conserve the total");
        assertLe(feeSum, feeOnce, "pieces never raise the fee");
        assertLe(feeOnce - feeSum, cuts.length + 1, "at most one wei per piece");
        assertGe(providerSum, providerOnce, "the provider never loses by pieces");
    }

    // ---------------------------------------------------------------- leases

    /// @notice Settle at random times, then complete or close: credit + fee + refund == deposit,
    /// and the amount paid is exactly what the lease accrued.
    function testFuzz_settleAtRandomTimesThenEnd(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 feeSeed,
        uint32[4] memory gaps,
        bool completeIt
    ) public {
        uint16 feeBps = _setFee(feeSeed);
        uint128 price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, price);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 leaseId = _lease(provider, price, deposit);

        uint256 elapsed;
        uint256 paidSum;
        uint256 feeSum;
        bool open = true;
        for (uint256 i; i < gaps.length && open; ++i) {
            uint256 gap = bound(gaps[i], 0, 2 days);
            elapsed += gap;
            vm.warp(block.timestamp + gap);
            (uint256 paid, uint256 fee) = _settleAndMeasure(leaseId, feeBps);
            paidSum += paid;
            feeSum += fee;
            open = market.getLease(leaseId).state == IMarketplace.LeaseState.Active;
            assertEq(paidSum, _min(elapsed * price, deposit), "paid so far = min(price * elapsed, deposit)");
            assertEq(market.getLease(leaseId).escrow + paidSum, open ? deposit : paidSum, "escrow is the unpaid rest");
        }
        if (open) {
            vm.warp(block.timestamp + 1 hours);
            elapsed += 1 hours;
            uint256 feesBefore = _allFees();
            uint256 earningsBefore = market.earningsOf(provider);
            vm.prank(completeIt ? provider : buyer);
            if (completeIt) market.complete(leaseId, keccak256("result"), 0, uint64(block.timestamp));
            else market.close(leaseId);
            uint256 fee = _allFees() - feesBefore;
            uint256 paid = market.earningsOf(provider) - earningsBefore + fee;
            assertEq(fee, paid * feeBps / BPS, "final fee rounded down");
            paidSum += paid;
            feeSum += fee;
        }
        uint256 refund = token.balanceOf(buyer) - (buyerBefore - deposit);
        assertEq(market.earningsOf(provider) + feeSum + refund, deposit, "credit + fee + refund == deposit");
        assertEq(_allFees(), feeSum, "fees held until flushed");
        assertEq(paidSum, _min(elapsed * price, deposit), "paid = min(price * active seconds, deposit)");
        assertEq(token.balanceOf(address(market)), market.earningsOf(provider) + feeSum, "market holds credit + fees");
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertTrue(l.state == IMarketplace.LeaseState.Closed, "closed");
        assertEq(l.escrow, 0, "no escrow left behind");
    }

    /// @notice Settling many times pays exactly what one settlement at the end pays; each extra
    /// settlement may lower the fee by at most one wei, which goes to the provider.
    function testFuzz_repeatedSettlesMatchOneSettle(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 feeSeed,
        uint32[5] memory gaps
    ) public {
        uint16 feeBps = _setFee(feeSeed);
        uint128 price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, price);
        uint256 many = _lease(provider, price, deposit);
        uint256 once = _lease(provider2, price, deposit);

        uint256 paidMany;
        uint256 feeMany;
        uint256 settlements;
        uint256 elapsed;
        for (uint256 i; i < gaps.length; ++i) {
            uint256 gap = bound(gaps[i], 0, 3 days);
            elapsed += gap;
            vm.warp(block.timestamp + gap);
            if (market.getLease(many).state != IMarketplace.LeaseState.Active) continue;
            (uint256 paid, uint256 fee) = _settleAndMeasure(many, feeBps);
            paidMany += paid;
            feeMany += fee;
            ++settlements;
        }
        (uint256 paidOnce, uint256 feeOnce) = _settleAndMeasure(once, feeBps);

        assertEq(paidMany, paidOnce, "same total paid");
        assertEq(paidOnce, _min(elapsed * price, deposit), "paid = min(price * elapsed, deposit)");
        assertLe(feeMany, feeOnce, "repeated settlements never raise the fee");
        assertLe(feeOnce - feeMany, settlements, "at most one wei of fee per settlement");
        assertEq(
            market.earningsOf(provider) - market.earningsOf(provider2),
            feeOnce - feeMany,
            "the rounding difference goes to the provider"
        );
        assertEq(market.getLease(many).escrow, market.getLease(once).escrow, "same escrow left");
    }

    /// @notice However long a lease runs unattended, it pays exactly its escrow and no more.
    function testFuzz_leaseNeverPaysBeyondEscrow(
        uint256 priceSeed,
        uint256 depositSeed,
        uint256 feeSeed,
        uint256 overshoot
    ) public {
        uint16 feeBps = _setFee(feeSeed);
        uint128 price = _price(priceSeed);
        uint128 deposit = _deposit(depositSeed, price);
        uint256 leaseId = _lease(provider, price, deposit);
        uint256 runsFor = (uint256(deposit) + price - 1) / price; // seconds until exhausted
        vm.warp(block.timestamp + runsFor + bound(overshoot, 0, 365 days));

        (uint256 paid, uint256 fee) = _settleAndMeasure(leaseId, feeBps);
        assertEq(paid, deposit, "pays exactly the escrow");
        assertEq(market.earningsOf(provider) + fee, deposit, "credit + fee == deposit");
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertTrue(l.state == IMarketplace.LeaseState.Closed, "exhausted leases close");
        assertEq(l.escrow, 0, "nothing left");
        assertEq(token.balanceOf(address(market)), deposit, "everything still held as credit and fees");

        vm.prank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        market.topUp(leaseId, 1);
    }
}
