// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Marketplace} from "../../src/Marketplace.sol";
import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Unit tests of the marketplace's leases (acknowledge, cancel, settle, topUp, close, complete),
/// of provider withdrawals and fee flushing, of setParameters and of the views.
contract MarketplaceLeasesTest is Deployers {
    /// An awkward price so that fees do not divide evenly.
    uint128 internal constant ODD_PRICE = 123_457;
    uint128 internal constant DEPOSIT = uint128(PRICE * 1000);

    address internal stranger = address(0x5757);
    address internal sink = address(0x51C);

    // ---------------------------------------------------------------- helpers

    function _pendingLease(uint128 deposit) internal returns (uint256 offerId, uint256 leaseId) {
        offerId = _postOffer(provider);
        leaseId = _takeOffer(offerId, deposit);
    }

    /// @dev An acknowledged lease at ODD_PRICE, funded for `seconds_` seconds plus `extra` units.
    function _oddLease(uint256 seconds_, uint256 extra) internal returns (uint256 leaseId, uint128 deposit) {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), ODD_PRICE, 4, 0, 30 days);
        deposit = uint128(uint256(ODD_PRICE) * seconds_ + extra);
        vm.prank(buyer);
        leaseId = market.takeOffer(offerId, ODD_PRICE, MANIFEST, deposit);
        vm.prank(provider);
        market.acknowledge(leaseId);
    }

    function _fee(uint256 paid) internal pure returns (uint256) {
        return paid * FEE_BPS / 10_000;
    }

    function _state(uint256 leaseId) internal view returns (uint256) {
        return uint256(market.getLease(leaseId).state);
    }

    function _params(uint16 feeBps, uint32 ackWindow, uint32 maxBiddingWindow, address feeSink)
        internal
        pure
        returns (IMarketplace.Parameters memory)
    {
        return IMarketplace.Parameters({
            feeBps: feeBps, ackWindow: ackWindow, maxBiddingWindow: maxBiddingWindow, feeSink: feeSink
        });
    }

    /// @dev The market holds exactly the listed leases' escrows plus earnings plus fees.
    function _assertSolvent(uint256[] memory leaseIds, address[] memory providers) internal view {
        uint256 sum = _allFees();
        for (uint256 i; i < leaseIds.length; ++i) {
            sum += market.getLease(leaseIds[i]).escrow;
        }
        for (uint256 i; i < providers.length; ++i) {
            sum += market.earningsOf(providers[i]);
        }
        assertEq(token.balanceOf(address(market)), sum, "market balance != escrows + earnings + fees");
    }

    function _assertSolvent(uint256 leaseId) internal view {
        uint256[] memory ids = new uint256[](1);
        ids[0] = leaseId;
        address[] memory providers = new address[](1);
        providers[0] = provider;
        _assertSolvent(ids, providers);
    }

    function _one(uint256 id) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = id;
    }

    // ---------------------------------------------------------------- acknowledge

    function test_acknowledge_activatesLeaseAndEmits() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.warp(block.timestamp + 30);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseAcknowledged(leaseId, block.timestamp);
        vm.prank(provider);
        market.acknowledge(leaseId);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Active));
        assertEq(l.settledAt, block.timestamp);
        assertEq(l.escrow, DEPOSIT);
        // Payment accrues from the acknowledgement, not from the lease's creation.
        vm.warp(block.timestamp + 10);
        (uint256 owed, uint256 left) = market.accrued(leaseId);
        assertEq(owed, PRICE * 10);
        assertEq(left, DEPOSIT - PRICE * 10);
    }

    function test_acknowledge_worksAtTheDeadline() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.warp(market.getLease(leaseId).ackDeadline);
        vm.prank(provider);
        market.acknowledge(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Active));
    }

    function test_acknowledge_revertsAfterDeadline() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        uint256 ackDeadline = market.getLease(leaseId).ackDeadline;
        vm.warp(ackDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceAckDeadlinePassed.selector, leaseId, ackDeadline)
        );
        vm.prank(provider);
        market.acknowledge(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Pending));
    }

    function test_acknowledge_revertsForNonProvider() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, leaseId, buyer));
        vm.prank(buyer);
        market.acknowledge(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, leaseId, provider2));
        vm.prank(provider2);
        market.acknowledge(leaseId);
    }

    function test_acknowledge_revertsWhenAlreadyActive() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Active
            )
        );
        vm.prank(provider);
        market.acknowledge(leaseId);
    }

    function test_acknowledge_revertsWhenCancelled() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.prank(buyer);
        market.cancel(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        vm.prank(provider);
        market.acknowledge(leaseId);
    }

    function test_acknowledge_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 1));
        vm.prank(provider);
        market.acknowledge(1);
    }

    // ---------------------------------------------------------------- cancel

    function test_cancel_buyerBeforeAckGetsFullRefund() public {
        (uint256 offerId, uint256 leaseId) = _pendingLease(DEPOSIT);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Cancelled, DEPOSIT);
        vm.prank(buyer);
        market.cancel(leaseId);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(token.balanceOf(address(market)), 0);
        assertEq(market.noShowsOf(provider), 0);
        assertEq(market.earningsOf(provider), 0);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Closed));
        assertEq(l.escrow, 0);
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }

    function test_cancel_buyerAtTheDeadlineIsNoNoShow() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.warp(market.getLease(leaseId).ackDeadline);
        vm.prank(buyer);
        market.cancel(leaseId);
        assertEq(market.noShowsOf(provider), 0);
    }

    function test_cancel_strangerBeforeDeadlineReverts() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.warp(market.getLease(leaseId).ackDeadline); // still on time
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseBuyer.selector, leaseId, stranger));
        vm.prank(stranger);
        market.cancel(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseBuyer.selector, leaseId, provider));
        vm.prank(provider);
        market.cancel(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Pending));
    }

    function test_cancel_anyoneAfterDeadlineCountsNoShow() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.warp(market.getLease(leaseId).ackDeadline + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.ProviderNoShow(leaseId, provider, 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Cancelled, DEPOSIT);
        vm.prank(stranger);
        market.cancel(leaseId);
        assertEq(market.noShowsOf(provider), 1);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT, "refund goes to the buyer");
        assertEq(token.balanceOf(stranger), 0);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Closed));
    }

    function test_cancel_noShowsAccumulate() public {
        uint256 offerId = _postOffer(provider);
        uint256 first = _takeOffer(offerId, DEPOSIT);
        uint256 second = _takeOffer(offerId, DEPOSIT);
        vm.warp(block.timestamp + ACK_WINDOW + 1);
        market.cancel(first);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.ProviderNoShow(second, provider, 2);
        vm.prank(buyer); // the buyer after the deadline also records the no-show
        market.cancel(second);
        assertEq(market.noShowsOf(provider), 2);
        assertEq(market.noShowsOf(provider2), 0);
    }

    function test_cancel_revertsOnActiveLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Active
            )
        );
        vm.prank(buyer);
        market.cancel(leaseId);
    }

    function test_cancel_revertsOnClosedLease() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.prank(buyer);
        market.cancel(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        vm.prank(buyer);
        market.cancel(leaseId);
    }

    function test_cancel_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 3));
        vm.prank(buyer);
        market.cancel(3);
    }

    // ---------------------------------------------------------------- settle

    function test_settle_paysExactAmounts() public {
        (uint256 leaseId, uint128 deposit) = _oddLease(1000, 0);
        vm.warp(block.timestamp + 7);
        uint256 paid = uint256(ODD_PRICE) * 7; // 864_199
        uint256 fee = paid * 250 / 10_000; // 21_604 (21_604.975 rounded down)
        assertEq(paid, 864_199);
        assertEq(fee, 21_604);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseSettled(leaseId, paid, fee, deposit - paid);
        vm.prank(stranger); // anyone may settle
        market.settle(leaseId);
        assertEq(market.earningsOf(provider), paid - fee);
        assertEq(market.earningsOf(provider), 842_595);
        assertEq(_allFees(), fee);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.escrow, deposit - paid);
        assertEq(l.settledAt, block.timestamp);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Active));
        _assertSolvent(leaseId);
    }

    function test_settle_isIncremental() public {
        (uint256 leaseId, uint128 deposit) = _oddLease(1000, 0);
        vm.warp(block.timestamp + 7);
        market.settle(leaseId);
        vm.warp(block.timestamp + 13);
        market.settle(leaseId);
        uint256 fee = _fee(uint256(ODD_PRICE) * 7) + _fee(uint256(ODD_PRICE) * 13);
        assertEq(_allFees(), fee);
        assertEq(market.earningsOf(provider), uint256(ODD_PRICE) * 20 - fee);
        assertEq(market.getLease(leaseId).escrow, deposit - uint256(ODD_PRICE) * 20);
        _assertSolvent(leaseId);
    }

    function test_settle_twiceInTheSameSecondPaysNothing() public {
        (uint256 leaseId,) = _oddLease(1000, 0);
        vm.warp(block.timestamp + 7);
        market.settle(leaseId);
        uint256 earnings = market.earningsOf(provider);
        vm.recordLogs();
        market.settle(leaseId);
        assertEq(vm.getRecordedLogs().length, 0, "no settlement event");
        assertEq(market.earningsOf(provider), earnings);
    }

    function test_settle_closesExhaustedLeaseAndNeverPaysBeyondDeposit() public {
        (uint256 leaseId, uint128 deposit) = _oddLease(100, 5); // 100 s and 5 units
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.warp(block.timestamp + 1 days);
        (uint256 owed, uint256 left) = market.accrued(leaseId);
        assertEq(owed, deposit);
        assertEq(left, 0);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseSettled(leaseId, deposit, _fee(deposit), 0);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Exhausted, 0);
        market.settle(leaseId);
        assertEq(market.earningsOf(provider) + _allFees(), deposit);
        assertEq(_allFees(), _fee(deposit));
        assertEq(token.balanceOf(buyer), buyerBefore, "nothing left to refund");
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Closed));
        assertEq(l.escrow, 0);
        assertEq(token.balanceOf(address(market)), deposit);
    }

    function test_settle_exhaustsAtExactlyTheLastSecond() public {
        (uint256 leaseId, uint128 deposit) = _oddLease(100, 0);
        vm.warp(block.timestamp + 99);
        market.settle(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Active));
        vm.warp(block.timestamp + 1);
        market.settle(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Closed));
        assertEq(market.earningsOf(provider) + _allFees(), deposit);
    }

    function test_settle_revertsOnPendingLease() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Pending
            )
        );
        market.settle(leaseId);
    }

    function test_settle_revertsOnClosedLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.prank(buyer);
        market.close(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        market.settle(leaseId);
    }

    function test_settle_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 42));
        market.settle(42);
    }

    function test_settle_keepsTheFeeFixedAtCreation() public {
        (uint256 leaseId,) = _oddLease(1000, 0);
        vm.warp(block.timestamp + 10);
        market.settle(leaseId);
        vm.prank(admin);
        market.setParameters(_params(1_000, ACK_WINDOW, MAX_BIDDING_WINDOW, address(0)));
        assertEq(market.getLease(leaseId).feeBps, FEE_BPS);
        vm.warp(block.timestamp + 10);
        market.settle(leaseId);
        uint256 paid = uint256(ODD_PRICE) * 10;
        // Both settlements at the fee in force when the lease was created.
        assertEq(_allFees(), 2 * _fee(paid));
        assertEq(market.earningsOf(provider), 2 * paid - _allFees());
    }

    function test_settle_zeroFeeCreditsEverything() public {
        vm.prank(admin);
        market.setParameters(_params(0, ACK_WINDOW, MAX_BIDDING_WINDOW, address(0)));
        (uint256 leaseId,) = _oddLease(1000, 0);
        vm.warp(block.timestamp + 10);
        market.settle(leaseId);
        assertEq(_allFees(), 0);
        assertEq(market.earningsOf(provider), uint256(ODD_PRICE) * 10);
    }

    // ---------------------------------------------------------------- topUp

    function test_topUp_settlesThenAddsToEscrow() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 100);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 expectedEscrow = DEPOSIT - PRICE * 100 + PRICE * 500;
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseToppedUp(leaseId, buyer, PRICE * 500, expectedEscrow);
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 500));
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.escrow, expectedEscrow);
        assertEq(l.settledAt, block.timestamp);
        assertEq(token.balanceOf(buyer), buyerBefore - PRICE * 500);
        assertEq(market.earningsOf(provider), PRICE * 100 - _fee(PRICE * 100));
        _assertSolvent(leaseId);
    }

    function test_topUp_pendingLease() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 10));
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.escrow, DEPOSIT + PRICE * 10);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Pending));
        assertEq(l.settledAt, 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT + PRICE * 10);
    }

    function test_topUp_byThirdPartyRefundsTheBuyer() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        _fund(stranger, 1_000 ether);
        vm.prank(stranger);
        market.topUp(leaseId, uint128(PRICE * 100));
        assertEq(token.balanceOf(stranger), 1_000 ether - PRICE * 100);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.prank(buyer);
        market.close(leaseId);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT + PRICE * 100);
        assertEq(token.balanceOf(stranger), 1_000 ether - PRICE * 100);
    }

    function test_topUp_revertsOnZero() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.expectRevert(IMarketplace.MarketplaceZeroAmount.selector);
        vm.prank(buyer);
        market.topUp(leaseId, 0);
    }

    function test_topUp_revertsOnExhaustedLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 1000);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceLeaseExhausted.selector, leaseId));
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 100));
        // The lease can still be settled, which closes it.
        market.settle(leaseId);
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Closed));
    }

    function test_topUp_oneSecondBeforeExhaustionWorks() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 999);
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 100));
        assertEq(market.getLease(leaseId).escrow, PRICE * 101);
    }

    function test_topUp_revertsAboveMaxDuration() public {
        // The offer funds at most 30 days ahead.
        (, uint256 leaseId) = _activeLease(uint128(PRICE * 30 days));
        vm.warp(block.timestamp + 100);
        uint256 maximum = PRICE * 30 days;
        uint256 tooMuch = PRICE * 30 days - PRICE * 100 + PRICE * 100 + 1;
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceDepositAboveMaximum.selector, tooMuch, maximum));
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 100 + 1));
        // Exactly back to the maximum is fine.
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 100));
        assertEq(market.getLease(leaseId).escrow, maximum);
    }

    function test_topUp_revertsAboveMaxDurationOnPendingLease() public {
        (, uint256 leaseId) = _pendingLease(uint128(PRICE * 30 days));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceDepositAboveMaximum.selector, PRICE * 30 days + 1, PRICE * 30 days
            )
        );
        vm.prank(buyer);
        market.topUp(leaseId, 1);
    }

    function test_topUp_revertsOnClosedLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.prank(buyer);
        market.close(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE));
    }

    function test_topUp_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 8));
        vm.prank(buyer);
        market.topUp(8, uint128(PRICE));
    }

    function test_topUp_requestLeaseIsUnboundedByOfferDuration() public {
        vm.prank(buyer);
        uint256 requestId =
            market.postRequest(_h100(1), PRICE, uint128(PRICE * 60), uint40(block.timestamp + 60), MANIFEST);
        vm.prank(provider);
        market.bid(requestId, PRICE, _h100(1));
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, provider);
        vm.prank(buyer);
        market.topUp(leaseId, uint128(PRICE * 60 days));
        assertEq(market.getLease(leaseId).escrow, PRICE * 60 + PRICE * 60 days);
    }

    // ---------------------------------------------------------------- close

    function test_close_refundsExactRest() public {
        (uint256 offerId, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 250);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 refund = DEPOSIT - PRICE * 250;
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseSettled(leaseId, PRICE * 250, _fee(PRICE * 250), refund);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.ClosedByBuyer, refund);
        vm.prank(buyer);
        market.close(leaseId);
        assertEq(token.balanceOf(buyer), buyerBefore + refund);
        assertEq(market.earningsOf(provider), PRICE * 250 - _fee(PRICE * 250));
        assertEq(_allFees(), _fee(PRICE * 250));
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Closed));
        assertEq(l.escrow, 0);
        assertEq(market.getOffer(offerId).activeLeases, 0);
        _assertSolvent(leaseId);
    }

    function test_close_immediatelyRefundsEverything() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.prank(buyer);
        market.close(leaseId);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(market.earningsOf(provider), 0);
    }

    function test_close_afterExhaustionClosesAsExhausted() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 5000);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Exhausted, 0);
        vm.prank(buyer);
        market.close(leaseId);
        assertEq(token.balanceOf(buyer), buyerBefore);
        assertEq(market.earningsOf(provider) + _allFees(), DEPOSIT);
    }

    function test_close_revertsForNonBuyer() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseBuyer.selector, leaseId, provider));
        vm.prank(provider);
        market.close(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseBuyer.selector, leaseId, stranger));
        vm.prank(stranger);
        market.close(leaseId);
    }

    function test_close_revertsOnPendingLease() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Pending
            )
        );
        vm.prank(buyer);
        market.close(leaseId);
    }

    function test_close_revertsOnClosedLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.prank(buyer);
        market.close(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        vm.prank(buyer);
        market.close(leaseId);
    }

    function test_close_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 1));
        vm.prank(buyer);
        market.close(1);
    }

    // ---------------------------------------------------------------- complete

    function test_complete_emitsResultAndRefundsExactRest() public {
        (uint256 offerId, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 333);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 paid = PRICE * 333;
        bytes32 result = keccak256("result");
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseSettled(leaseId, paid, _fee(paid), DEPOSIT - paid);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseCompleted(leaseId, result, -9);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Completed, DEPOSIT - paid);
        vm.prank(provider);
        market.complete(leaseId, result, -9, uint64(block.timestamp));
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT - paid);
        assertEq(market.earningsOf(provider), paid - _fee(paid));
        assertEq(_allFees(), _fee(paid));
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Closed));
        assertEq(market.getLease(leaseId).escrow, 0);
        assertEq(market.getOffer(offerId).activeLeases, 0);
        _assertSolvent(leaseId);
    }

    function test_complete_afterExhaustionPaysOnlyTheDeposit() public {
        (uint256 leaseId, uint128 deposit) = _oddLease(50, 3);
        vm.warp(block.timestamp + 1 days);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseClosed(leaseId, IMarketplace.CloseReason.Completed, 0);
        vm.prank(provider);
        market.complete(leaseId, keccak256("r"), 0, uint64(block.timestamp));
        assertEq(token.balanceOf(buyer), buyerBefore);
        assertEq(market.earningsOf(provider), deposit - _fee(deposit));
        assertEq(_allFees(), _fee(deposit));
        assertEq(token.balanceOf(address(market)), deposit);
    }

    function test_complete_sameSecondAsSettlementRefundsAll() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(market.earningsOf(provider), 0);
    }

    function test_complete_revertsForNonProvider() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, leaseId, buyer));
        vm.prank(buyer);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, leaseId, provider2));
        vm.prank(provider2);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
    }

    function test_complete_revertsOnPendingLease() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Pending
            )
        );
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
    }

    function test_complete_revertsOnClosedLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, leaseId, IMarketplace.LeaseState.Closed
            )
        );
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(block.timestamp));
    }

    function test_complete_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 1));
        vm.prank(provider);
        market.complete(1, bytes32(0), 0, uint64(block.timestamp));
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_settlesListedLeasesAndPaysAllEarnings() public {
        uint256 offerId = _postOffer(provider);
        uint256 a = _takeOffer(offerId, DEPOSIT);
        uint256 b = _takeOffer(offerId, DEPOSIT);
        uint256 c = _takeOffer(offerId, DEPOSIT);
        vm.startPrank(provider);
        market.acknowledge(a);
        market.acknowledge(b);
        market.acknowledge(c);
        vm.stopPrank();
        vm.warp(block.timestamp + 100);
        // c is settled separately and not listed: its earnings are paid too.
        market.settle(c);
        vm.warp(block.timestamp + 50);

        uint256 paidEach = PRICE * 150;
        uint256 expected = 2 * (paidEach - _fee(paidEach)) + (PRICE * 100 - _fee(PRICE * 100));
        uint256 providerBefore = token.balanceOf(provider);
        uint256[] memory ids = new uint256[](2);
        ids[0] = a;
        ids[1] = b;
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.EarningsWithdrawn(provider, expected);
        vm.prank(provider);
        uint256 amount = market.withdraw(ids);

        assertEq(amount, expected);
        assertEq(token.balanceOf(provider), providerBefore + expected);
        assertEq(market.earningsOf(provider), 0);
        assertEq(market.getLease(a).settledAt, block.timestamp);
        assertEq(market.getLease(b).settledAt, block.timestamp);
        assertEq(market.getLease(c).escrow, DEPOSIT - PRICE * 100, "unlisted lease not settled");
        uint256[] memory all = new uint256[](3);
        all[0] = a;
        all[1] = b;
        all[2] = c;
        address[] memory providers = new address[](1);
        providers[0] = provider;
        _assertSolvent(all, providers);
    }

    function test_withdraw_emptyListPaysSettledEarnings() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 10);
        market.settle(leaseId);
        uint256 earned = market.earningsOf(provider);
        assertEq(earned, PRICE * 10 - _fee(PRICE * 10));
        uint256 providerBefore = token.balanceOf(provider);
        vm.prank(provider);
        uint256 amount = market.withdraw(new uint256[](0));
        assertEq(amount, earned);
        assertEq(token.balanceOf(provider), providerBefore + earned);
    }

    function test_withdraw_listedExhaustedLeaseClosesIt() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 2000);
        vm.prank(provider);
        uint256 amount = market.withdraw(_one(leaseId));
        assertEq(amount, DEPOSIT - _fee(DEPOSIT));
        assertEq(_state(leaseId), uint256(IMarketplace.LeaseState.Closed));
    }

    function test_withdraw_closedAndPendingLeasesAreSkipped() public {
        uint256 offerId = _postOffer(provider);
        uint256 closed = _takeOffer(offerId, DEPOSIT);
        uint256 pending = _takeOffer(offerId, DEPOSIT);
        vm.prank(provider);
        market.acknowledge(closed);
        vm.warp(block.timestamp + 10);
        vm.prank(buyer);
        market.close(closed);
        uint256[] memory ids = new uint256[](2);
        ids[0] = closed;
        ids[1] = pending;
        vm.prank(provider);
        uint256 amount = market.withdraw(ids);
        assertEq(amount, PRICE * 10 - _fee(PRICE * 10));
        assertEq(market.getLease(pending).escrow, DEPOSIT);
    }

    function test_withdraw_revertsForAnotherProvidersLease() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 10);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, leaseId, provider2));
        vm.prank(provider2);
        market.withdraw(_one(leaseId));
        assertEq(market.getLease(leaseId).escrow, DEPOSIT, "not settled");
    }

    function test_withdraw_revertsWithNothingToWithdraw() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNothingToWithdraw.selector, provider));
        vm.prank(provider);
        market.withdraw(new uint256[](0));
        // A listed lease with nothing accrued yet still leaves nothing.
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNothingToWithdraw.selector, provider));
        vm.prank(provider);
        market.withdraw(_one(leaseId));
    }

    function test_withdraw_revertsWhenCalledTwice() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 10);
        vm.prank(provider);
        market.withdraw(_one(leaseId));
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNothingToWithdraw.selector, provider));
        vm.prank(provider);
        market.withdraw(_one(leaseId));
    }

    function test_withdraw_revertsForUnknownLease() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownLease.selector, 77));
        vm.prank(provider);
        market.withdraw(_one(77));
    }

    // ---------------------------------------------------------------- flushFees

    function test_flushFees_burnsWithoutSink() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 400);
        market.settle(leaseId);
        _sweepFees();
        uint256 fees = _allFees();
        assertEq(fees, _fee(PRICE * 400));
        uint256 supplyBefore = token.totalSupply();
        uint256 marketBefore = token.balanceOf(address(market));
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.FeesFlushed(address(0), fees);
        vm.prank(stranger); // anyone may flush
        uint256 amount = market.flushFees();
        assertEq(amount, fees);
        assertEq(token.totalSupply(), supplyBefore - fees);
        assertEq(token.balanceOf(address(market)), marketBefore - fees);
        assertEq(_allFees(), 0);
        _assertSolvent(leaseId);
    }

    function test_flushFees_sendsToSink() public {
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, ACK_WINDOW, MAX_BIDDING_WINDOW, sink));
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 400);
        market.settle(leaseId);
        _sweepFees();
        uint256 fees = _allFees();
        uint256 supplyBefore = token.totalSupply();
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.FeesFlushed(sink, fees);
        uint256 amount = market.flushFees();
        assertEq(amount, fees);
        assertEq(token.balanceOf(sink), fees);
        assertEq(token.totalSupply(), supplyBefore, "nothing burned");
        assertEq(_allFees(), 0);
    }

    function test_flushFees_returnsZeroWhenNothingPending() public {
        uint256 supplyBefore = token.totalSupply();
        vm.recordLogs();
        uint256 amount = market.flushFees();
        assertEq(amount, 0);
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        assertEq(token.totalSupply(), supplyBefore);
    }

    function test_flushFees_secondFlushReturnsZero() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 400);
        market.settle(leaseId);
        _sweepFees();
        assertTrue(market.flushFees() > 0, "fees flushed");
        assertEq(market.flushFees(), 0);
    }

    // ---------------------------------------------------------------- setParameters

    function test_setParameters_setsAndEmits() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.ParametersChanged(500, 60, 2 days, sink);
        vm.prank(admin);
        market.setParameters(_params(500, 60, 2 days, sink));
        IMarketplace.Parameters memory p = market.parameters();
        assertEq(p.feeBps, 500);
        assertEq(p.ackWindow, 60);
        assertEq(p.maxBiddingWindow, 2 days);
        assertEq(p.feeSink, sink);
    }

    function test_setParameters_ackWindowAppliesToNewLeases() public {
        (, uint256 before) = _pendingLease(DEPOSIT);
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, 1 hours, MAX_BIDDING_WINDOW, address(0)));
        uint256 afterwards = _takeOffer(1, DEPOSIT);
        assertEq(market.getLease(before).ackDeadline, block.timestamp + ACK_WINDOW);
        assertEq(market.getLease(afterwards).ackDeadline, block.timestamp + 1 hours);
    }

    function test_setParameters_revertsWithoutRole() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotAdmin.selector, stranger));
        vm.prank(stranger);
        market.setParameters(_params(0, ACK_WINDOW, MAX_BIDDING_WINDOW, address(0)));
        assertEq(market.parameters().feeBps, FEE_BPS);
    }

    function test_setParameters_revertsOnFeeAboveMax() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("feeBps"), 1_001, 0, 1_000
            )
        );
        vm.prank(admin);
        market.setParameters(_params(1_001, ACK_WINDOW, MAX_BIDDING_WINDOW, address(0)));
    }

    function test_setParameters_revertsOnAckWindowTooShort() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("ackWindow"), 9, 10, 1 days
            )
        );
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, 9, MAX_BIDDING_WINDOW, address(0)));
    }

    function test_setParameters_revertsOnAckWindowTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("ackWindow"), 1 days + 1, 10, 1 days
            )
        );
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, 1 days + 1, MAX_BIDDING_WINDOW, address(0)));
    }

    function test_setParameters_revertsOnBiddingWindowTooShort() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("maxBiddingWindow"), 59, 60, 30 days
            )
        );
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, ACK_WINDOW, 59, address(0)));
    }

    function test_setParameters_revertsOnBiddingWindowTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector,
                bytes32("maxBiddingWindow"),
                30 days + 1,
                60,
                30 days
            )
        );
        vm.prank(admin);
        market.setParameters(_params(FEE_BPS, ACK_WINDOW, 30 days + 1, address(0)));
    }

    function test_setParameters_acceptsBounds() public {
        vm.startPrank(admin);
        market.setParameters(_params(1_000, 10, 60, address(0)));
        assertEq(market.parameters().feeBps, 1_000);
        assertEq(market.parameters().ackWindow, 10);
        assertEq(market.parameters().maxBiddingWindow, 60);
        market.setParameters(_params(0, 1 days, 30 days, address(0)));
        vm.stopPrank();
        assertEq(market.parameters().feeBps, 0);
        assertEq(market.parameters().ackWindow, 1 days);
        assertEq(market.parameters().maxBiddingWindow, 30 days);
    }

    // ---------------------------------------------------------------- views

    function test_accrued_pendingLeaseOwesNothing() public {
        (, uint256 leaseId) = _pendingLease(DEPOSIT);
        vm.warp(block.timestamp + 100);
        (uint256 owed, uint256 left) = market.accrued(leaseId);
        assertEq(owed, 0);
        assertEq(left, DEPOSIT);
    }

    function test_accrued_activeLeaseAccruesPerSecondCappedByEscrow() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.warp(block.timestamp + 1);
        (uint256 owed, uint256 left) = market.accrued(leaseId);
        assertEq(owed, PRICE);
        assertEq(left, DEPOSIT - PRICE);
        vm.warp(block.timestamp + 10 days);
        (owed, left) = market.accrued(leaseId);
        assertEq(owed, DEPOSIT);
        assertEq(left, 0);
    }

    function test_accrued_closedOrUnknownLeaseIsZero() public {
        (, uint256 leaseId) = _activeLease(DEPOSIT);
        vm.prank(buyer);
        market.close(leaseId);
        (uint256 owed, uint256 left) = market.accrued(leaseId);
        assertEq(owed, 0);
        assertEq(left, 0);
        (owed, left) = market.accrued(99);
        assertEq(owed, 0);
        assertEq(left, 0);
    }

    function test_counts_trackOffersLeasesAndRequests() public {
        (uint256 offers, uint256 leases, uint256 requests) = market.counts();
        assertEq(offers + leases + requests, 0);
        _activeLease(DEPOSIT);
        _postOffer(provider2);
        vm.prank(buyer);
        market.postRequest(_h100(1), PRICE, DEPOSIT, uint40(block.timestamp + 60), MANIFEST);
        (offers, leases, requests) = market.counts();
        assertEq(offers, 2);
        assertEq(leases, 1);
        assertEq(requests, 1);
    }

    function test_getters_unknownIdsAreEmpty() public view {
        IMarketplace.Offer memory o = market.getOffer(1);
        assertEq(o.provider, address(0));
        assertEq(uint256(o.state), uint256(IMarketplace.OfferState.None));
        IMarketplace.Lease memory l = market.getLease(1);
        assertEq(l.buyer, address(0));
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.None));
        IMarketplace.Request memory r = market.getRequest(1);
        assertEq(r.buyer, address(0));
        assertEq(uint256(r.state), uint256(IMarketplace.RequestState.None));
        assertEq(market.bidOf(1, provider), 0);
        assertEq(market.earningsOf(provider), 0);
        assertEq(_allFees(), 0);
        assertEq(market.noShowsOf(provider), 0);
    }

    function test_views_constantsAndWiring() public view {
        assertEq(address(market.token()), address(token));
        assertEq(address(market.registry()), address(registry));
        assertEq(market.MAX_FEE_BPS(), 1_000);
        assertEq(market.MIN_ACK_WINDOW(), 10);
        assertEq(market.MAX_ACK_WINDOW(), 1 days);
        assertEq(market.MIN_BIDDING_WINDOW(), 60);
        assertEq(market.MAX_BIDDING_WINDOW(), 30 days);
        (address currentAdmin, address pendingAdmin, address guardian) = market.roles();
        assertEq(currentAdmin, admin);
        assertEq(pendingAdmin, address(0));
        assertEq(guardian, address(0));
        IMarketplace.Parameters memory p = market.parameters();
        assertEq(p.feeBps, FEE_BPS);
        assertEq(p.ackWindow, ACK_WINDOW);
        assertEq(p.maxBiddingWindow, MAX_BIDDING_WINDOW);
        assertEq(p.feeSink, address(0));
    }

    function test_constructor_revertsOnOutOfBoundsParameters() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("feeBps"), 2_000, 0, 1_000
            )
        );
        new Marketplace(
            IOcxToken(address(token)),
            IProviderRegistry(address(registry)),
            admin,
            _params(2_000, ACK_WINDOW, MAX_BIDDING_WINDOW, address(0))
        );
    }
}
