// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";
import {console} from "./utils/Console.sol";

/// @notice Invariants of the marketplace's money and the registry's stake, under random sequences
/// of every money-moving action (see MarketHandler), with three buyers and three providers.
/// @dev fail-on-revert is on for this suite: the handler skips every call the contracts may rightly
/// refuse (no such lease, no capacity, nothing to withdraw...), so a revert here is a bug.
/// forge-config: default.invariant.fail-on-revert = true
contract MarketplaceInvariants is Deployers {
    MarketHandler internal handler;
    address[] internal buyers;
    address[] internal providers;

    function setUp() public override {
        super.setUp();
        address provider3 = address(0xD0E);
        _fund(provider3, 1_000_000 ether);
        _registerAndStake(provider3, 10_000 ether);
        buyers.push(buyer);
        buyers.push(address(0xB0C));
        buyers.push(address(0xB0D));
        _fund(buyers[1], 1_000_000 ether);
        _fund(buyers[2], 1_000_000 ether);
        providers.push(provider);
        providers.push(provider2);
        providers.push(provider3);

        handler = new MarketHandler(market, registry, token, admin, slasher, buyers, providers);
        // Each provider's quotes are signed by a key the handler holds.
        for (uint256 i; i < providers.length; ++i) {
            address signer = vm.addr(handler.signerKey(providers[i]));
            vm.prank(providers[i]);
            registry.update("https://provider.example:8443", REGION, keccak256("metadata"), signer);
        }
        for (uint256 i; i < buyers.length; ++i) {
            vm.startPrank(buyers[i]);
            token.approve(address(market), type(uint256).max);
            vm.stopPrank();
        }

        targetContract(address(handler));
        // Every action once; the steps of a lease's life (take, acknowledge, settle, top up, complete,
        // withdraw) and time again, so that a run of 64 calls sees several leases through.
        bytes4[] memory selectors = new bytes4[](36);
        selectors[0] = MarketHandler.postOffer.selector;
        selectors[1] = MarketHandler.withdrawOffer.selector;
        selectors[2] = MarketHandler.takeOffer.selector;
        selectors[3] = MarketHandler.acknowledge.selector;
        selectors[4] = MarketHandler.cancel.selector;
        selectors[5] = MarketHandler.settle.selector;
        selectors[6] = MarketHandler.topUp.selector;
        selectors[7] = MarketHandler.close.selector;
        selectors[8] = MarketHandler.complete.selector;
        selectors[9] = MarketHandler.withdraw.selector;
        selectors[10] = MarketHandler.flushFees.selector;
        selectors[11] = MarketHandler.postRequest.selector;
        selectors[12] = MarketHandler.bid.selector;
        selectors[13] = MarketHandler.acceptBid.selector;
        selectors[14] = MarketHandler.closeAuction.selector;
        selectors[15] = MarketHandler.cancelRequest.selector;
        selectors[16] = MarketHandler.stake.selector;
        selectors[17] = MarketHandler.requestUnstake.selector;
        selectors[18] = MarketHandler.withdrawUnbonded.selector;
        selectors[19] = MarketHandler.slash.selector;
        selectors[20] = MarketHandler.unjail.selector;
        selectors[21] = MarketHandler.setFee.selector;
        selectors[22] = MarketHandler.warp.selector;
        selectors[23] = MarketHandler.takeOffer.selector;
        selectors[24] = MarketHandler.takeOffer.selector;
        selectors[25] = MarketHandler.acknowledge.selector;
        selectors[26] = MarketHandler.acknowledge.selector;
        selectors[27] = MarketHandler.settle.selector;
        selectors[28] = MarketHandler.complete.selector;
        selectors[29] = MarketHandler.withdraw.selector;
        selectors[30] = MarketHandler.warp.selector;
        selectors[31] = MarketHandler.takeQuote.selector;
        selectors[32] = MarketHandler.takeQuote.selector;
        selectors[33] = MarketHandler.updateOffer.selector;
        selectors[34] = MarketHandler.acknowledgeMany.selector;
        selectors[35] = MarketHandler.completeMany.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ---------------------------------------------------------------- sums over the market's state

    /// @dev What the marketplace owes: open requests' deposits, live leases' escrow, earnings and fees.
    function _liabilities() internal view returns (uint256 deposits, uint256 escrows, uint256 held) {
        (, uint256 leases, uint256 requests) = market.counts();
        for (uint256 id = 1; id <= requests; ++id) {
            IMarketplace.Request memory r = market.getRequest(id);
            if (r.state == IMarketplace.RequestState.Open) deposits += r.deposit;
            else assertEq(r.deposit, 0, "a request that is no longer open holds no deposit");
        }
        for (uint256 id = 1; id <= leases; ++id) {
            IMarketplace.Lease memory l = market.getLease(id);
            if (l.state == IMarketplace.LeaseState.Pending || l.state == IMarketplace.LeaseState.Active) {
                escrows += l.escrow;
            } else {
                assertEq(l.escrow, 0, "a closed lease holds no escrow");
            }
        }
        for (uint256 i; i < providers.length; ++i) {
            held += market.earningsOf(providers[i]) + market.feesOf(providers[i]);
        }
        held += market.pendingFees();
    }

    // ---------------------------------------------------------------- invariants

    /// @notice The marketplace's balance is exactly open deposits + live escrows + earnings + fees.
    function invariant_marketBalanceEqualsLiabilities() public view {
        (uint256 deposits, uint256 escrows, uint256 held) = _liabilities();
        assertEq(token.balanceOf(address(market)), deposits + escrows + held, "market balance == liabilities");
    }

    /// @notice Whatever buyers put in comes out only as refunds, withdrawn earnings or flushed fees,
    /// or is still held.
    function invariant_moneyInEqualsMoneyOut() public view {
        uint256 out = handler.ghostRefunded() + handler.ghostWithdrawn() + handler.ghostFlushed();
        (,, uint256 held) = _liabilities();
        uint256 deposited = handler.ghostDeposited();
        assertLe(out + held, deposited, "refunded + withdrawn + flushed + earnings + fees <= deposited");
        assertEq(
            out + token.balanceOf(address(market)), deposited, "refunded + withdrawn + flushed + held == deposited"
        );
        assertEq(
            handler.buyerBalances() + deposited,
            handler.initialBuyerBalances() + handler.ghostRefunded(),
            "buyers' balances moved only by deposits and refunds"
        );
        assertEq(
            handler.ghostPaid(),
            handler.ghostWithdrawn() + handler.ghostFlushed() + held,
            "paid = withdrawn + flushed + held"
        );
        assertEq(handler.buyerLosses(), 0, "buyers never lose more than they deposit");
        assertEq(handler.refundMismatches(), 0, "refund events match buyers' balance changes");
        assertEq(handler.transferMismatches(), 0, "withdraw, flush, stake, unstake and slash move what they report");
        assertEq(handler.lateRefundMismatches(), 0, "a cancelled lease is refunded in full");
    }

    /// @notice Every lease pays at most its deposit and top-ups, only for time after its acknowledgement,
    /// with each fee rounded down from what it paid; a closed lease splits its deposits exactly
    /// into paid and refunded.
    function invariant_leasesPayWithinTheirEscrow() public view {
        uint256 now_ = handler.currentTime();
        uint256 n = handler.leaseCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.leaseIds(i);
            IMarketplace.Lease memory l = market.getLease(id);
            uint256 deposited = handler.leaseDeposited(id);
            uint256 paid = handler.leasePaid(id);
            assertLe(paid, deposited, "paid so far <= deposit + top-ups");
            assertLe(handler.leaseFees(id), paid * market.MAX_FEE_BPS() / 10_000, "fees within the fee cap");
            uint256 ackAt = handler.leaseAckAt(id);
            if (ackAt == 0) assertEq(paid, 0, "nothing paid before acknowledgement");
            else assertLe(paid, uint256(l.pricePerSecond) * (now_ - ackAt), "paid <= price * seconds since ack");
            if (l.state == IMarketplace.LeaseState.Closed) {
                assertEq(paid + handler.leaseRefunded(id), deposited, "closed: paid + refunded == deposited");
            } else {
                assertEq(paid + l.escrow, deposited, "live: paid + escrow == deposited");
                assertEq(handler.leaseRefunded(id), 0, "live: nothing refunded yet");
            }
        }
        assertEq(handler.feeMismatches(), 0, "every fee == paid * feeBps / 10000");
    }

    /// @notice The registry holds exactly the providers' stake and unbonding stake, and all stake ever
    /// put in is still there, withdrawn, or slashed.
    function invariant_stakeAccounting() public view {
        uint256 bonded;
        for (uint256 i; i < providers.length; ++i) {
            IProviderRegistry.Provider memory p = registry.getProvider(providers[i]);
            bonded += uint256(p.stake) + p.unbonding;
        }
        assertEq(token.balanceOf(address(registry)), bonded, "registry balance == stake + unbonding");
        assertEq(
            handler.ghostStaked(),
            bonded + handler.ghostUnstaked() + handler.ghostSlashed(),
            "staked == bonded + unstaked + slashed"
        );
    }

    /// @notice A provider's committed GPU units are exactly what its offers and live auction leases hold: an
    /// offer commits its units for max(maxLeases, running leases) until withdrawn, then for its running leases
    /// only; a lease won at auction commits its request's units until it closes.
    function invariant_commitmentsMatchOffersAndLiveLeases() public view {
        (uint256 offers, uint256 leases,) = market.counts();
        for (uint256 i; i < providers.length; ++i) {
            address who = providers[i];
            uint256 expected;
            for (uint256 id = 1; id <= offers; ++id) {
                IMarketplace.Offer memory o = market.getOffer(id);
                if (o.provider != who) continue;
                uint256 units = o.resources.gpuCount == 0 ? 1 : o.resources.gpuCount;
                uint256 slots = o.state == IMarketplace.OfferState.Withdrawn
                    ? o.activeLeases
                    : (o.maxLeases > o.activeLeases ? o.maxLeases : o.activeLeases);
                expected += units * slots;
            }
            for (uint256 id = 1; id <= leases; ++id) {
                IMarketplace.Lease memory l = market.getLease(id);
                if (l.provider != who || l.offerId != 0) continue;
                if (l.state == IMarketplace.LeaseState.Pending || l.state == IMarketplace.LeaseState.Active) {
                    expected += handler.auctionLeaseUnits(id);
                }
            }
            assertEq(registry.getProvider(who).committedGpus, expected, "committed == offers' + live auction leases'");
        }
    }

    /// @notice Supply only drops, and only by the fees flushed and the stake slashed (both burned here).
    function invariant_supplyDropsOnlyByBurns() public view {
        assertEq(
            token.totalSupply() + handler.ghostFlushed() + handler.ghostSlashed(),
            handler.initialSupply(),
            "supply == initial - flushed fees - slashed stake"
        );
    }

    // ---------------------------------------------------------------- the handler really works

    /// @notice A fixed pseudo-random walk of 1,500 handler calls, checking every invariant along the
    /// way, must create, acknowledge, settle, top up, close, complete, cancel, exhaust, withdraw, flush,
    /// auction and slash: proof that the handler's actions do not merely revert.
    function test_handlerExercisesEveryPath() public {
        uint256 seed = uint256(keccak256("ocx-market-handler"));
        for (uint256 i; i < 1_500; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            _drive(seed % 27, seed >> 8);
            if (i % 100 == 99) _checkAll();
        }
        _checkAll();
        bytes32[27] memory mustHappen = [
            bytes32("postOffer"),
            "takeQuote",
            "updateOffer",
            "acknowledgeMany",
            "completeMany",
            "withdrawOffer",
            "takeOffer",
            "acknowledge",
            "cancel",
            "cancelLate",
            "settlement",
            "topUp",
            "close",
            "complete",
            "closed:Completed",
            "closed:ClosedByBuyer",
            "closed:Cancelled",
            "closed:Exhausted",
            "withdraw",
            "flushFees",
            "postRequest",
            "bid",
            "acceptBid",
            "closeAuction:won",
            "cancelRequest",
            "stake",
            "slash"
        ];
        for (uint256 i; i < mustHappen.length; ++i) {
            assertTrue(handler.calls(mustHappen[i]) > 0, string(abi.encodePacked("never happened: ", mustHappen[i])));
        }
        assertTrue(handler.calls("requestUnstake") > 0 && handler.calls("withdrawUnbonded") > 0, "unbonding happens");
        assertTrue(handler.ghostPaid() > 0 && handler.ghostRefunded() > 0, "money flows both ways");
        afterInvariant();
    }

    function _checkAll() internal view {
        invariant_marketBalanceEqualsLiabilities();
        invariant_moneyInEqualsMoneyOut();
        invariant_leasesPayWithinTheirEscrow();
        invariant_stakeAccounting();
        invariant_supplyDropsOnlyByBurns();
        invariant_commitmentsMatchOffersAndLiveLeases();
    }

    /// @dev Calls handler action `action` with arguments drawn from `r`. The handler skips what the
    /// contracts may rightly refuse, so any revert fails the test, as in the invariant runs.
    function _drive(uint256 action, uint256 r) internal {
        uint256 a = uint256(keccak256(abi.encode(r, 1)));
        uint256 b = uint256(keccak256(abi.encode(r, 2)));
        uint256 c = uint256(keccak256(abi.encode(r, 3)));
        bool f = r & 1 == 1;
        MarketHandler h = handler;
        if (action == 0) {
            h.postOffer(a, b, c, r, a >> 7);
        } else if (action == 1) {
            h.withdrawOffer(a);
        } else if (action == 2) {
            h.takeOffer(a, b, c);
        } else if (action == 3) {
            h.acknowledge(a);
        } else if (action == 4) {
            h.cancel(a, b, f);
        } else if (action == 5) {
            h.settle(a, b);
        } else if (action == 6) {
            h.topUp(a, b, f);
        } else if (action == 7) {
            h.close(a);
        } else if (action == 8) {
            h.complete(a, bytes32(b), int32(int256(c % 256)));
        } else if (action == 9) {
            h.withdraw(a, b);
        } else if (action == 10) {
            h.flushFees();
        } else if (action == 11) {
            h.postRequest(a, b, c, r, a >> 7);
        } else if (action == 12) {
            h.bid(a, b, c);
        } else if (action == 13) {
            h.acceptBid(a, b);
        } else if (action == 14) {
            h.closeAuction(a);
        } else if (action == 15) {
            h.cancelRequest(a);
        } else if (action == 16) {
            h.stake(a, b);
        } else if (action == 17) {
            h.requestUnstake(a, b);
        } else if (action == 18) {
            h.withdrawUnbonded(a, f);
        } else if (action == 19) {
            h.slash(a, b % 500 ether);
        } else if (action == 20) {
            h.unjail(a);
        } else if (action == 21) {
            h.setFee(a);
        } else if (action == 23) {
            h.takeQuote(a, b, c);
        } else if (action == 24) {
            h.updateOffer(a, b);
        } else if (action == 25) {
            h.acknowledgeMany(a);
        } else if (action == 26) {
            h.completeMany(a, b);
        } else {
            h.warp(a);
        }
    }

    /// @notice Prints what the run did (visible with -vv).
    function afterInvariant() public {
        bytes32[] memory names = handler.callNames();
        console.log("-- MarketHandler call summary (successful actions and outcomes) --");
        for (uint256 i; i < names.length; ++i) {
            console.log(string(abi.encodePacked(names[i])), handler.calls(names[i]));
        }
        console.log("leases", handler.leaseCount());
        console.log("requests", handler.requestCount());
        console.log("deposited", handler.ghostDeposited());
        console.log("paid", handler.ghostPaid());
    }
}
