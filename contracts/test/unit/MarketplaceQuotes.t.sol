// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Unit and fuzz tests of what wave 2 added to the marketplace: provider-signed quotes, completion at
/// the workload's exit (`endedAt`), batch acknowledge and complete, fee sweeping, the guardian's pause, the
/// two-step admin transfer, and the stake units that auction leases and withdrawn offers keep committed.
contract MarketplaceQuotesTest is Deployers {
    uint256 internal constant SIGNER_KEY = 0xA11CE5161;
    uint256 internal constant OTHER_KEY = 0xBAD5161;
    uint128 internal constant DEPOSIT = uint128(PRICE * 1000);
    /// secp256k1's group order: s and n - s are both valid ECDSA signatures of the same digest.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    address internal signer;
    address internal guardian = address(0x6A4D);
    address internal stranger = address(0x5757);
    uint256 internal offerId;

    function setUp() public override {
        super.setUp();
        signer = vm.addr(SIGNER_KEY);
        vm.prank(provider);
        registry.update("https://provider.example:8443", REGION, keccak256("metadata"), signer);
        offerId = _postOffer(provider);
    }

    // ---------------------------------------------------------------- helpers

    function _quote(uint64 nonce) internal view returns (IMarketplace.Quote memory) {
        return IMarketplace.Quote({
            offerId: offerId,
            buyer: buyer,
            pricePerSecond: PRICE,
            manifestHash: MANIFEST,
            nonce: nonce,
            expiry: uint64(block.timestamp + 60)
        });
    }

    function _digest(IMarketplace.Quote memory q) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("OCX Marketplace"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(market.QUOTE_TYPEHASH(), q.offerId, q.buyer, q.pricePerSecond, q.manifestHash, q.nonce, q.expiry)
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 key, IMarketplace.Quote memory q) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(q));
        return abi.encodePacked(r, s, v);
    }

    function _takeQuote(IMarketplace.Quote memory q, uint128 deposit) internal returns (uint256 leaseId) {
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.prank(q.buyer);
        leaseId = market.takeQuote(q, signature, deposit);
    }

    function _committed(address who) internal view returns (uint256) {
        return registry.getProvider(who).committedGpus;
    }

    // ---------------------------------------------------------------- takeQuote

    function test_takeQuote_createsAnActiveLeaseInOneTransaction() public {
        IMarketplace.Quote memory q = _quote(7);
        q.pricePerSecond = PRICE - 1; // a provider may quote below its offer
        uint128 deposit = uint128((PRICE - 1) * 1000);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseCreated(1, buyer, provider, offerId, 0, PRICE - 1, deposit, MANIFEST, 0);
        uint256 leaseId = _takeQuote(q, deposit);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Active));
        assertEq(l.settledAt, block.timestamp, "accrues from creation");
        assertEq(l.ackDeadline, 0, "no acknowledgement needed");
        assertEq(l.pricePerSecond, PRICE - 1);
        assertEq(l.escrow, deposit);
        assertEq(token.balanceOf(buyer), buyerBefore - deposit);
        assertEq(market.getOffer(offerId).activeLeases, 1);
        assertTrue(market.isQuoteNonceUsed(provider, 7), "nonce used");
        assertFalse(market.isQuoteNonceUsed(provider, 6)); // other nonces stay free
        vm.warp(block.timestamp + 10);
        (uint256 owed,) = market.accrued(leaseId);
        assertEq(owed, uint256(PRICE - 1) * 10, "pays from the quote's block");
    }

    function test_takeQuote_revertsOnReusedNonce() public {
        _takeQuote(_quote(300), DEPOSIT);
        IMarketplace.Quote memory again = _quote(300);
        again.manifestHash = keccak256("another job"); // a different quote with the same nonce
        bytes memory signature = _sign(SIGNER_KEY, again);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceQuoteNonceUsed.selector, provider, 300));
        vm.prank(buyer);
        market.takeQuote(again, signature, DEPOSIT);
    }

    function test_takeQuote_noncesAreUnordered() public {
        _takeQuote(_quote(1000), DEPOSIT);
        _takeQuote(_quote(3), DEPOSIT);
        _takeQuote(_quote(type(uint64).max), DEPOSIT);
        assertTrue(market.isQuoteNonceUsed(provider, 1000) && market.isQuoteNonceUsed(provider, 3));
        assertTrue(market.isQuoteNonceUsed(provider, type(uint64).max));
    }

    function test_takeQuote_revertsWhenExpired() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.warp(q.expiry + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceQuoteExpired.selector, q.expiry, uint256(q.expiry) + 1)
        );
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_acceptsAtTheExpirySecond() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.warp(q.expiry);
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_revertsForAnotherBuyer() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceQuoteBuyerMismatch.selector, buyer, stranger));
        vm.prank(stranger);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_revertsWhenSignedByAnotherKey() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(OTHER_KEY, q);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceQuoteSignerMismatch.selector, provider, signer, vm.addr(OTHER_KEY)
            )
        );
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_revertsOnATamperedQuote() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        q.pricePerSecond = PRICE / 2; // the buyer lowers the price it was quoted
        vm.prank(buyer);
        vm.expectRevert(); // recovers to some other address
        market.takeQuote(q, signature, DEPOSIT);
        assertFalse(market.isQuoteNonceUsed(provider, 1));
    }

    function test_takeQuote_revertsOnAMalleableSignature() public {
        IMarketplace.Quote memory q = _quote(1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SIGNER_KEY, _digest(q));
        // (r, n - s, v ^ 1) is the same signature in its high-s form: OpenZeppelin's ECDSA refuses it.
        bytes memory flipped = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceQuoteSignerMismatch.selector, provider, signer, address(0))
        );
        vm.prank(buyer);
        market.takeQuote(q, flipped, DEPOSIT);
    }

    function test_takeQuote_revertsWhenPriceAboveOffer() public {
        IMarketplace.Quote memory q = _quote(1);
        q.pricePerSecond = PRICE + 1;
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceQuotePriceInvalid.selector, PRICE + 1, PRICE));
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_revertsWhenOfferFull() public {
        for (uint64 i; i < 4; ++i) {
            _takeQuote(_quote(i), DEPOSIT);
        }
        IMarketplace.Quote memory q = _quote(4);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceOfferFull.selector, offerId, 4));
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    function test_takeQuote_revertsOnDepositBelowMinimum() public {
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceDepositBelowMinimum.selector, PRICE * 59, PRICE * 60)
        );
        vm.prank(buyer);
        market.takeQuote(q, signature, uint128(PRICE * 59));
    }

    function test_takeQuote_revertsWhenProviderJailed() public {
        vm.prank(slasher);
        registry.slash(provider, 10_000 ether, "test", address(0), 0);
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceProviderInactive.selector, provider));
        vm.prank(buyer);
        market.takeQuote(q, signature, DEPOSIT);
    }

    /// @notice Whatever the price, deposit, run time and claimed end, a quoted lease pays the provider for
    /// exactly the seconds up to the clamped end, and the buyer gets the exact rest back.
    function testFuzz_takeQuoteThenComplete_paysExactlyUpToTheClampedEnd(
        uint128 priceSeed,
        uint256 depositSeed,
        uint256 runFor,
        uint256 endedSeed
    ) public {
        uint128 price = uint128(bound(priceSeed, 1, PRICE));
        IMarketplace.Quote memory q = _quote(1);
        q.pricePerSecond = price;
        uint128 deposit = uint128(bound(depositSeed, uint256(price) * 60, uint256(price) * 30 days));
        uint256 start = block.timestamp;
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 leaseId = _takeQuote(q, deposit);
        runFor = bound(runFor, 0, 40 days);
        vm.warp(start + runFor);
        uint64 endedAt = uint64(bound(endedSeed, 0, start + runFor + 1 days));
        vm.prank(provider);
        market.complete(leaseId, keccak256("result"), 0, endedAt);
        uint256 end = endedAt < start ? start : endedAt > block.timestamp ? block.timestamp : endedAt;
        uint256 due = (end - start) * price;
        uint256 paid = due < deposit ? due : deposit;
        uint256 fee = paid * FEE_BPS / 10_000;
        assertEq(market.earningsOf(provider), paid - fee, "provider's share");
        assertEq(market.feesOf(provider), fee, "fee, rounded down");
        assertEq(token.balanceOf(buyer), buyerBefore - paid, "buyer refunded the exact rest");
        assertEq(token.balanceOf(address(market)), paid, "market holds only earnings and fees");
        assertEq(market.getLease(leaseId).settledAt, end, "closed at the clamped end");
    }

    // ---------------------------------------------------------------- complete at endedAt

    function _activeQuoted() internal returns (uint256 leaseId) {
        leaseId = _takeQuote(_quote(uint64(block.timestamp)), DEPOSIT);
    }

    function test_complete_settlesAtEndedAt() public {
        uint256 leaseId = _activeQuoted();
        uint256 start = block.timestamp;
        vm.warp(start + 100);
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(start + 40)); // packing took the last 60 s
        assertEq(market.earningsOf(provider) + market.feesOf(provider), PRICE * 40, "only the 40 s it ran");
        assertEq(market.getLease(leaseId).settledAt, start + 40);
    }

    function test_complete_clampsEndedAtToNow() public {
        uint256 leaseId = _activeQuoted();
        uint256 start = block.timestamp;
        vm.warp(start + 100);
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(start + 5000)); // a claim in the future
        assertEq(market.earningsOf(provider) + market.feesOf(provider), PRICE * 100, "no more than up to now");
    }

    function test_complete_clampsEndedAtToLastSettlement() public {
        uint256 leaseId = _activeQuoted();
        uint256 start = block.timestamp;
        vm.warp(start + 100);
        market.settle(leaseId);
        uint256 paidBefore = market.earningsOf(provider) + market.feesOf(provider);
        vm.warp(start + 200);
        vm.prank(provider);
        market.complete(leaseId, bytes32(0), 0, uint64(start + 50)); // before the last settlement
        assertEq(market.earningsOf(provider) + market.feesOf(provider), paidBefore, "nothing more, nothing back");
        assertEq(paidBefore, PRICE * 100);
    }

    // ---------------------------------------------------------------- batches

    function test_acknowledgeMany_acknowledgesEach() public {
        uint256[] memory ids = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            ids[i] = _takeOffer(offerId, DEPOSIT);
        }
        vm.prank(provider);
        market.acknowledgeMany(ids);
        for (uint256 i; i < 3; ++i) {
            assertEq(uint256(market.getLease(ids[i]).state), uint256(IMarketplace.LeaseState.Active));
            assertEq(market.getLease(ids[i]).settledAt, block.timestamp);
        }
    }

    function test_acknowledgeMany_revertsAllWhenOneFails() public {
        uint256[] memory ids = new uint256[](2);
        ids[0] = _takeOffer(offerId, DEPOSIT);
        ids[1] = _activeQuoted(); // already active
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceLeaseWrongState.selector, ids[1], IMarketplace.LeaseState.Active
            )
        );
        vm.prank(provider);
        market.acknowledgeMany(ids);
        assertEq(uint256(market.getLease(ids[0]).state), uint256(IMarketplace.LeaseState.Pending), "rolled back");
    }

    function test_acknowledgeMany_revertsOnEmpty() public {
        vm.expectRevert(IMarketplace.MarketplaceEmptyBatch.selector);
        vm.prank(provider);
        market.acknowledgeMany(new uint256[](0));
    }

    function test_completeMany_completesEachAtItsEnd() public {
        uint256 start = block.timestamp;
        IMarketplace.Completion[] memory batch = new IMarketplace.Completion[](3);
        for (uint256 i; i < 3; ++i) {
            batch[i] = IMarketplace.Completion({
                leaseId: _takeQuote(_quote(uint64(i)), DEPOSIT),
                resultHash: keccak256(abi.encode(i)),
                exitCode: int32(int256(i)),
                endedAt: uint64(start + 10 * (i + 1))
            });
        }
        vm.warp(start + 100);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.prank(provider);
        market.completeMany(batch);
        uint256 paid = PRICE * (10 + 20 + 30);
        assertEq(market.earningsOf(provider) + market.feesOf(provider), paid, "10 + 20 + 30 seconds");
        assertEq(market.feesOf(provider), PRICE * 10 * FEE_BPS / 10_000 * 6, "each lease's fee rounded down");
        assertEq(token.balanceOf(buyer), buyerBefore + 3 * uint256(DEPOSIT) - paid, "refunds");
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }

    function test_completeMany_revertsForAnotherProvidersLease() public {
        IMarketplace.Completion[] memory batch = new IMarketplace.Completion[](1);
        batch[0] = IMarketplace.Completion({leaseId: _activeQuoted(), resultHash: 0, exitCode: 0, endedAt: 0});
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceNotLeaseProvider.selector, batch[0].leaseId, provider2)
        );
        vm.prank(provider2);
        market.completeMany(batch);
    }

    // ---------------------------------------------------------------- fees

    function test_withdraw_sweepsTheProvidersFeesToThePool() public {
        uint256 leaseId = _activeQuoted();
        vm.warp(block.timestamp + 100);
        vm.prank(provider);
        market.complete(leaseId, 0, 0, uint64(block.timestamp));
        uint256 fee = market.feesOf(provider);
        assertEq(fee, PRICE * 100 * FEE_BPS / 10_000);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.FeesSwept(provider, fee - 1);
        vm.prank(provider);
        market.withdraw(new uint256[](0));
        assertEq(market.feesOf(provider), 1, "one unit stays booked: the slot stays nonzero");
        assertEq(market.pendingFees(), fee - 1);
        assertEq(market.earningsOf(provider), 0);
        uint256 supply = token.totalSupply();
        assertEq(market.flushFees(), fee - 1);
        assertEq(token.totalSupply(), supply - fee + 1, "burned");
        assertEq(_sweepFees(), 1, "the last unit is swept too");
    }

    function test_sweepFees_anyoneMovesFeesToThePool() public {
        uint256 leaseId = _activeQuoted();
        vm.warp(block.timestamp + 100);
        market.settle(leaseId);
        uint256 fee = market.feesOf(provider);
        address[] memory providers = new address[](2);
        providers[0] = provider;
        providers[1] = provider2; // nothing booked: skipped
        vm.prank(stranger);
        assertEq(market.sweepFees(providers), fee);
        assertEq(market.pendingFees(), fee);
        assertEq(market.feesOf(provider), 0);
        assertEq(market.earningsOf(provider), PRICE * 100 - fee, "earnings untouched");
    }

    // ---------------------------------------------------------------- pause

    function _pause() internal {
        vm.prank(admin);
        market.setGuardian(guardian);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.PauseChanged(true, guardian);
        vm.prank(guardian);
        market.pause();
        assertTrue(market.paused());
    }

    function test_pause_blocksEveryKindOfNewBusiness() public {
        uint256 requestId = _openRequestWithBid();
        _pause();
        IMarketplace.Quote memory q = _quote(1);
        bytes memory signature = _sign(SIGNER_KEY, q);
        vm.startPrank(buyer);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        market.takeOffer(offerId, PRICE, MANIFEST, DEPOSIT);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        market.takeQuote(q, signature, DEPOSIT);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        market.postRequest(_h100(1), PRICE, DEPOSIT, uint40(block.timestamp + 600), MANIFEST);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        market.acceptBid(requestId, provider2);
        vm.stopPrank();
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 1, 60, 1 days);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        vm.prank(provider);
        market.bid(requestId, PRICE - 1, _h100(1));
        vm.warp(block.timestamp + 601);
        vm.expectRevert(IMarketplace.MarketplacePaused.selector);
        market.closeAuction(requestId); // would create a lease
    }

    function _openRequestWithBid() internal returns (uint256 requestId) {
        vm.prank(buyer);
        requestId = market.postRequest(_h100(1), PRICE, DEPOSIT, uint40(block.timestamp + 600), MANIFEST);
        vm.prank(provider2);
        market.bid(requestId, PRICE, _h100(1));
    }

    /// @notice While paused, every party gets all of its money out: buyers of pending and active leases and
    /// of open requests, the provider its earnings, the protocol its fees. Nobody's tokens are trapped.
    function test_pause_trapsNobodysTokens() public {
        uint256 pending = _takeOffer(offerId, DEPOSIT);
        uint256 running = _activeQuoted();
        uint256 completed = _takeQuote(_quote(2), DEPOSIT);
        uint256 requestId = _openRequestWithBid();
        vm.warp(block.timestamp + 100);
        _pause();
        uint256 buyerBefore = token.balanceOf(buyer);

        vm.startPrank(provider);
        market.acknowledgeMany(_one(pending)); // existing leases go on
        market.complete(completed, keccak256("r"), 0, uint64(block.timestamp));
        vm.stopPrank();
        vm.startPrank(buyer);
        market.topUp(running, uint128(PRICE)); // keeps a running job alive: allowed
        market.close(running);
        market.close(pending);
        market.cancelRequest(requestId);
        vm.stopPrank();
        vm.prank(provider);
        market.withdraw(new uint256[](0));
        _sweepFees();
        market.flushFees();

        assertEq(token.balanceOf(address(market)), 0, "the market holds nothing: everyone got out");
        // The buyer paid exactly the 100 s each of two leases ran (the top-up came back with the rest).
        assertEq(token.balanceOf(buyer), buyerBefore + 4 * uint256(DEPOSIT) - 2 * PRICE * 100);
    }

    function _one(uint256 id) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = id;
    }

    function test_pause_closeAuctionWithoutBidsStillRefunds() public {
        vm.prank(buyer);
        uint256 requestId = market.postRequest(_h100(1), PRICE, DEPOSIT, uint40(block.timestamp + 600), MANIFEST);
        _pause();
        vm.warp(block.timestamp + 601);
        uint256 before = token.balanceOf(buyer);
        market.closeAuction(requestId);
        assertEq(token.balanceOf(buyer), before + DEPOSIT);
    }

    function test_pause_revertsForStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotGuardian.selector, stranger));
        vm.prank(stranger);
        market.pause();
    }

    function test_unpause_onlyAdmin() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotAdmin.selector, guardian));
        vm.prank(guardian);
        market.unpause();
        vm.prank(admin);
        market.unpause();
        assertFalse(market.paused());
        _takeOffer(offerId, DEPOSIT);
    }

    // ---------------------------------------------------------------- two-step admin

    function test_transferAdmin_takesEffectOnlyWhenAccepted() public {
        address next = address(0x4E57);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.AdminTransferStarted(admin, next);
        vm.prank(admin);
        market.transferAdmin(next);
        (address current, address pending,) = market.roles();
        assertEq(current, admin); // still the old admin
        assertEq(pending, next);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotPendingAdmin.selector, stranger, next));
        vm.prank(stranger);
        market.acceptAdmin();
        vm.prank(next);
        market.acceptAdmin();
        (current, pending,) = market.roles();
        assertEq(current, next);
        assertEq(pending, address(0));
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotAdmin.selector, admin));
        vm.prank(admin);
        market.setGuardian(admin);
    }

    function test_transferAdmin_revertsForNonAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotAdmin.selector, stranger));
        vm.prank(stranger);
        market.transferAdmin(stranger);
    }

    function test_registryAndToken_adminTransferTakesTwoSteps() public {
        address next = address(0x4E57);
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        registry.grantRole(adminRole, next); // one step is refused
        vm.startPrank(admin);
        registry.beginDefaultAdminTransfer(next);
        token.beginDefaultAdminTransfer(next);
        vm.stopPrank();
        assertTrue(registry.hasRole(adminRole, admin) && !registry.hasRole(adminRole, next), "not yet");
        vm.warp(block.timestamp + 1);
        vm.startPrank(next);
        registry.acceptDefaultAdminTransfer();
        token.acceptDefaultAdminTransfer();
        vm.stopPrank();
        assertTrue(registry.hasRole(adminRole, next) && !registry.hasRole(adminRole, admin));
        assertTrue(token.hasRole(adminRole, next) && !token.hasRole(adminRole, admin));
        bytes32 slasherRole = registry.SLASHER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, adminRole)
        );
        vm.prank(admin);
        registry.grantRole(slasherRole, admin);
    }

    // ---------------------------------------------------------------- stake units of auction leases and withdrawn offers

    function test_acceptBid_commitsUnitsUntilTheLeaseEnds() public {
        vm.prank(buyer);
        uint256 requestId = market.postRequest(_h100(2), PRICE, DEPOSIT, uint40(block.timestamp + 600), MANIFEST);
        vm.prank(provider2);
        market.bid(requestId, PRICE, _h100(2));
        uint256 before = _committed(provider2);
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, provider2);
        assertEq(_committed(provider2), before + 2, "two GPUs committed");
        vm.prank(provider2);
        market.acknowledge(leaseId);
        vm.warp(block.timestamp + 60);
        vm.prank(provider2);
        market.complete(leaseId, 0, 0, uint64(block.timestamp));
        assertEq(_committed(provider2), before, "released when it ends");
    }

    function test_closeAuction_commitsUnitsAndReleasesOnCancel() public {
        uint256 requestId = _openRequestWithBid();
        uint256 before = _committed(provider2);
        vm.warp(block.timestamp + 601);
        uint256 leaseId = market.closeAuction(requestId);
        assertEq(_committed(provider2), before + 1);
        vm.prank(buyer);
        market.cancel(leaseId);
        assertEq(_committed(provider2), before, "released when cancelled");
    }

    function test_closeAuction_refundsWhenTheWinnerLacksStake() public {
        uint256 requestId = _openRequestWithBid();
        // provider2 commits all its stake (10,000 OCX = 100 units) elsewhere after bidding.
        vm.prank(provider2);
        market.postOffer(_h100(1), PRICE, 100, 60, 1 days);
        vm.warp(block.timestamp + 601);
        uint256 before = token.balanceOf(buyer);
        assertEq(market.closeAuction(requestId), 0, "no lease");
        assertEq(token.balanceOf(buyer), before + DEPOSIT, "deposit back");
    }

    function test_acceptBid_revertsWhenTheBidderLacksStake() public {
        uint256 requestId = _openRequestWithBid();
        vm.prank(provider2);
        market.postOffer(_h100(1), PRICE, 100, 60, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider2, 10_000 ether, 10_100 ether
            )
        );
        vm.prank(buyer);
        market.acceptBid(requestId, provider2);
    }

    function test_withdrawOffer_keepsRunningLeasesCommitted() public {
        uint256 base = _committed(provider) - 4; // the offer of setUp commits 4 units
        uint256 a = _activeQuoted();
        _takeQuote(_quote(2), DEPOSIT);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(_committed(provider), base + 2, "the two running leases stay covered");
        vm.prank(provider);
        market.complete(a, 0, 0, uint64(block.timestamp));
        assertEq(_committed(provider), base + 1, "each releases its units when it ends");
    }

    function test_updateOffer_belowRunningLeasesKeepsThemCommitted() public {
        uint256 base = _committed(provider) - 4;
        uint256 a = _activeQuoted();
        _takeQuote(_quote(2), DEPOSIT);
        _takeQuote(_quote(3), DEPOSIT);
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 1, 60, 30 days);
        assertEq(_committed(provider), base + 3, "max(1, 3 running)");
        vm.prank(provider);
        market.complete(a, 0, 0, uint64(block.timestamp));
        assertEq(_committed(provider), base + 2);
    }

    // ---------------------------------------------------------------- registry views used by quotes and auctions

    function test_canCommit_reflectsStakeJailAndRegistration() public {
        // 10,000 OCX at 100 OCX a unit covers 100 units; setUp's offer commits 4.
        assertTrue(registry.canCommit(provider, 96));
        assertFalse(registry.canCommit(provider, 97));
        assertFalse(registry.canCommit(stranger, 0)); // not registered
        vm.prank(slasher);
        registry.slash(provider, 9_700 ether, "test", address(0), 0); // 300 OCX left, 400 needed
        assertTrue(registry.getProvider(provider).jailed, "under-staked: jailed");
        assertFalse(registry.canCommit(provider, 0)); // jailed
    }

    function test_quoteSigner_returnsTheApiSignerAndWhetherActive() public {
        (address s1, bool active) = registry.quoteSigner(provider);
        assertEq(s1, signer);
        assertTrue(active);
        vm.prank(slasher);
        registry.slash(provider, 9_700 ether, "test", address(0), 0); // 300 OCX left, 400 needed
        (address s2, bool stillActive) = registry.quoteSigner(provider);
        assertEq(s2, signer);
        assertFalse(stillActive);
        (address none, bool strangerActive) = registry.quoteSigner(stranger);
        assertEq(none, address(0));
        assertFalse(strangerActive);
    }
}
