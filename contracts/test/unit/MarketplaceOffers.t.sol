// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Unit tests of the marketplace's offers: postOffer, updateOffer, pauseOffer, resumeOffer,
/// withdrawOffer and takeOffer.
contract MarketplaceOffersTest is Deployers {
    address internal stranger = address(0x5757);
    address internal newcomer = address(0xC0FE);

    // ---------------------------------------------------------------- helpers

    function _committed(address who) internal view returns (uint256) {
        return registry.getProvider(who).committedGpus;
    }

    function _jail(address who) internal {
        uint256 stake = registry.getProvider(who).stake;
        vm.prank(slasher);
        registry.slash(who, stake, "test", address(0), 0);
        assertTrue(registry.getProvider(who).jailed, "provider should be jailed");
    }

    function _cpuOnly() internal pure returns (IMarketplace.Resources memory) {
        return IMarketplace.Resources({
            gpuModel: bytes32(0),
            region: REGION,
            gpuCount: 0,
            gpuVramMiB: 0,
            cpuMillicores: 8_000,
            memoryMiB: 32_768,
            diskMiB: 100_000
        });
    }

    // ---------------------------------------------------------------- postOffer

    function test_postOffer_storesOfferAndCountsIt() public {
        uint256 offerId = _postOffer(provider);
        assertEq(offerId, 1);
        IMarketplace.Offer memory o = market.getOffer(offerId);
        assertEq(o.provider, provider);
        assertEq(uint256(o.state), uint256(IMarketplace.OfferState.Active));
        assertEq(o.maxLeases, 4);
        assertEq(o.activeLeases, 0);
        assertEq(o.minDuration, 60);
        assertEq(o.maxDuration, 30 days);
        assertEq(o.pricePerSecond, PRICE);
        assertEq(o.resources.gpuModel, H100);
        assertEq(o.resources.region, REGION);
        assertEq(o.resources.gpuCount, 1);
        assertEq(o.resources.gpuVramMiB, 81_559);
        assertEq(o.resources.cpuMillicores, 16_000);
        assertEq(o.resources.memoryMiB, 131_072);
        assertEq(o.resources.diskMiB, 512_000);
        (uint256 offers, uint256 leases, uint256 requests) = market.counts();
        assertEq(offers, 1);
        assertEq(leases, 0);
        assertEq(requests, 0);
        assertEq(_postOffer(provider), 2, "ids count up");
    }

    function test_postOffer_emitsOfferPosted() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.OfferPosted(1, provider, _h100(8), PRICE, 3, 120, 1 days);
        vm.prank(provider);
        market.postOffer(_h100(8), PRICE, 3, 120, 1 days);
    }

    function test_postOffer_commitsGpuCountTimesMaxLeases() public {
        vm.prank(provider);
        market.postOffer(_h100(8), PRICE, 3, 60, 1 days);
        assertEq(_committed(provider), 24);
        assertEq(registry.requiredStake(24), 2_400 ether);
    }

    function test_postOffer_cpuOnlyCommitsOneUnitPerLease() public {
        vm.prank(provider);
        market.postOffer(_cpuOnly(), PRICE, 5, 60, 1 days);
        assertEq(_committed(provider), 5);
    }

    function test_postOffer_revertsOnZeroPrice() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, 0, 4, 60, 3600));
        vm.prank(provider);
        market.postOffer(_h100(1), 0, 4, 60, 3600);
    }

    function test_postOffer_revertsOnZeroMaxLeases() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 0, 60, 3600));
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 0, 60, 3600);
    }

    function test_postOffer_revertsOnZeroMaxDuration() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 4, 0, 0));
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 4, 0, 0);
    }

    function test_postOffer_revertsOnMinDurationAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 4, 3601, 3600));
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 4, 3601, 3600);
    }

    function test_postOffer_acceptsMinDurationEqualToMax() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 4, 3600, 3600);
        assertEq(market.getOffer(offerId).minDuration, 3600);
    }

    function test_postOffer_revertsForUnregisteredProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        market.postOffer(_h100(1), PRICE, 1, 60, 3600);
    }

    function test_postOffer_revertsForUnstakedProvider() public {
        _fund(newcomer, 1_000 ether);
        _registerAndStake(newcomer, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, newcomer, 0, 100 ether)
        );
        vm.prank(newcomer);
        market.postOffer(_h100(1), PRICE, 1, 60, 3600);
    }

    function test_postOffer_revertsWhenStakeDoesNotCoverCommitment() public {
        // 10_000 ether covers 100 GPU units; 101 do not fit.
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider, 10_000 ether, 10_100 ether
            )
        );
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 101, 60, 3600);
        // Exactly 100 units fit.
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 100, 60, 3600);
        assertEq(_committed(provider), 100);
    }

    function test_postOffer_revertsForJailedProvider() public {
        _jail(provider);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderJailed.selector, provider));
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 1, 60, 3600);
        (uint256 offers,,) = market.counts();
        assertEq(offers, 0);
    }

    // ---------------------------------------------------------------- updateOffer

    function test_updateOffer_changesTermsAndEmits() public {
        uint256 offerId = _postOffer(provider);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.OfferUpdated(offerId, 2 * PRICE, 6, 10, 1 days);
        vm.prank(provider);
        market.updateOffer(offerId, 2 * PRICE, 6, 10, 1 days);
        IMarketplace.Offer memory o = market.getOffer(offerId);
        assertEq(o.pricePerSecond, 2 * PRICE);
        assertEq(o.maxLeases, 6);
        assertEq(o.minDuration, 10);
        assertEq(o.maxDuration, 1 days);
        assertEq(o.resources.gpuCount, 1, "bundle unchanged");
        assertEq(uint256(o.state), uint256(IMarketplace.OfferState.Active));
    }

    function test_updateOffer_growingCapacityRaisesCommitment() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(2), PRICE, 3, 60, 1 days);
        assertEq(_committed(provider), 6);
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 5, 60, 1 days);
        assertEq(_committed(provider), 10);
    }

    function test_updateOffer_shrinkingCapacityLowersCommitment() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(2), PRICE, 5, 60, 1 days);
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 2, 60, 1 days);
        assertEq(_committed(provider), 4);
    }

    function test_updateOffer_sameCapacityKeepsCommitment() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.updateOffer(offerId, 3 * PRICE, 4, 60, 1 days);
        assertEq(_committed(provider), 4);
    }

    function test_updateOffer_revertsWhenGrowthExceedsStake() public {
        uint256 offerId = _postOffer(provider); // 4 units
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider, 10_000 ether, 10_100 ether
            )
        );
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 101, 60, 1 days);
        assertEq(market.getOffer(offerId).maxLeases, 4);
    }

    function test_updateOffer_runningLeasesKeepTheirPrice() public {
        (uint256 offerId, uint256 leaseId) = _activeLease(uint128(PRICE * 1000));
        vm.prank(provider);
        market.updateOffer(offerId, 5 * PRICE, 4, 60, 30 days);
        assertEq(market.getLease(leaseId).pricePerSecond, PRICE);
        vm.warp(block.timestamp + 100);
        (uint256 owed,) = market.accrued(leaseId);
        assertEq(owed, PRICE * 100);
        // A new lease takes the new price.
        vm.prank(buyer);
        uint256 second = market.takeOffer(offerId, 5 * PRICE, MANIFEST, uint128(5 * PRICE * 100));
        assertEq(market.getLease(second).pricePerSecond, 5 * PRICE);
    }

    function test_updateOffer_worksOnPausedOffer() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.prank(provider);
        market.updateOffer(offerId, 2 * PRICE, 4, 60, 1 days);
        IMarketplace.Offer memory o = market.getOffer(offerId);
        assertEq(o.pricePerSecond, 2 * PRICE);
        assertEq(uint256(o.state), uint256(IMarketplace.OfferState.Paused));
    }

    function test_updateOffer_revertsForNonOwner() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotOfferOwner.selector, offerId, provider2));
        vm.prank(provider2);
        market.updateOffer(offerId, 2 * PRICE, 4, 60, 1 days);
        assertEq(market.getOffer(offerId).pricePerSecond, PRICE);
    }

    function test_updateOffer_revertsForUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownOffer.selector, 7));
        vm.prank(provider);
        market.updateOffer(7, PRICE, 4, 60, 1 days);
    }

    function test_updateOffer_revertsOnWithdrawnOffer() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Withdrawn
            )
        );
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 4, 60, 1 days);
        assertEq(_committed(provider), 0);
    }

    function test_updateOffer_revertsOnInvalidTerms() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, 0, 4, 60, 3600));
        vm.prank(provider);
        market.updateOffer(offerId, 0, 4, 60, 3600);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 0, 60, 3600));
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 0, 60, 3600);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 4, 0, 0));
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 4, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceInvalidTerms.selector, PRICE, 4, 61, 60));
        vm.prank(provider);
        market.updateOffer(offerId, PRICE, 4, 61, 60);
    }

    // ---------------------------------------------------------------- pauseOffer / resumeOffer / withdrawOffer

    function test_pauseOffer_pausesAndEmits() public {
        uint256 offerId = _postOffer(provider);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.OfferStateChanged(offerId, IMarketplace.OfferState.Paused);
        vm.prank(provider);
        market.pauseOffer(offerId);
        assertEq(uint256(market.getOffer(offerId).state), uint256(IMarketplace.OfferState.Paused));
        assertEq(_committed(provider), 4, "pausing keeps the commitment");
    }

    function test_pauseOffer_revertsForNonOwner() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotOfferOwner.selector, offerId, stranger));
        vm.prank(stranger);
        market.pauseOffer(offerId);
    }

    function test_pauseOffer_revertsForUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownOffer.selector, 1));
        vm.prank(provider);
        market.pauseOffer(1);
    }

    function test_pauseOffer_revertsWhenAlreadyPaused() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Paused
            )
        );
        vm.prank(provider);
        market.pauseOffer(offerId);
    }

    function test_pauseOffer_revertsWhenWithdrawn() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Withdrawn
            )
        );
        vm.prank(provider);
        market.pauseOffer(offerId);
    }

    function test_resumeOffer_resumesAndEmits() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.OfferStateChanged(offerId, IMarketplace.OfferState.Active);
        vm.prank(provider);
        market.resumeOffer(offerId);
        assertEq(uint256(market.getOffer(offerId).state), uint256(IMarketplace.OfferState.Active));
        // Takeable again.
        uint256 leaseId = _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(leaseId, 1);
    }

    function test_resumeOffer_revertsWhenActive() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Active
            )
        );
        vm.prank(provider);
        market.resumeOffer(offerId);
    }

    function test_resumeOffer_revertsWhenWithdrawn() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Withdrawn
            )
        );
        vm.prank(provider);
        market.resumeOffer(offerId);
    }

    function test_resumeOffer_revertsForNonOwner() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotOfferOwner.selector, offerId, provider2));
        vm.prank(provider2);
        market.resumeOffer(offerId);
    }

    function test_resumeOffer_revertsForUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownOffer.selector, 3));
        vm.prank(provider);
        market.resumeOffer(3);
    }

    function test_withdrawOffer_releasesCommitmentAndEmits() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(2), PRICE, 3, 60, 1 days);
        _postOffer(provider); // another 4 units
        assertEq(_committed(provider), 10);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.OfferStateChanged(offerId, IMarketplace.OfferState.Withdrawn);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(_committed(provider), 4);
        assertEq(uint256(market.getOffer(offerId).state), uint256(IMarketplace.OfferState.Withdrawn));
    }

    function test_withdrawOffer_worksWhenPaused() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(_committed(provider), 0);
    }

    function test_withdrawOffer_runningLeasesGoOn() public {
        (uint256 offerId, uint256 leaseId) = _activeLease(uint128(PRICE * 1000));
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.warp(block.timestamp + 10);
        market.settle(leaseId);
        assertEq(uint256(market.getLease(leaseId).state), uint256(IMarketplace.LeaseState.Active));
        assertEq(market.getLease(leaseId).escrow, PRICE * 990);
        vm.prank(buyer);
        market.close(leaseId);
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }

    function test_withdrawOffer_revertsWhenWithdrawnTwice() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Withdrawn
            )
        );
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(_committed(provider), 0);
    }

    function test_withdrawOffer_revertsForNonOwner() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotOfferOwner.selector, offerId, buyer));
        vm.prank(buyer);
        market.withdrawOffer(offerId);
        assertEq(_committed(provider), 4);
    }

    function test_withdrawOffer_revertsForUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownOffer.selector, 9));
        vm.prank(provider);
        market.withdrawOffer(9);
    }

    // ---------------------------------------------------------------- takeOffer

    function test_takeOffer_pullsDepositIntoEscrowAndCreatesLease() public {
        uint256 offerId = _postOffer(provider);
        uint128 deposit = uint128(PRICE * 3600);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 marketBefore = token.balanceOf(address(market));
        bytes32 manifest = keccak256("job-42");

        vm.prank(buyer);
        uint256 leaseId = market.takeOffer(offerId, PRICE, manifest, deposit);

        assertEq(leaseId, 1);
        assertEq(token.balanceOf(buyer), buyerBefore - deposit);
        assertEq(token.balanceOf(address(market)), marketBefore + deposit);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.buyer, buyer);
        assertEq(l.provider, provider);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Pending));
        assertEq(l.ackDeadline, block.timestamp + ACK_WINDOW);
        assertEq(l.settledAt, 0);
        assertEq(l.offerId, offerId);
        assertEq(l.maxDuration, 30 days);
        assertEq(l.pricePerSecond, PRICE);
        assertEq(l.escrow, deposit);
        assertEq(market.getOffer(offerId).activeLeases, 1);
        (, uint256 leases,) = market.counts();
        assertEq(leases, 1);
    }

    function test_takeOffer_emitsLeaseCreated() public {
        uint256 offerId = _postOffer(provider);
        uint128 deposit = uint128(PRICE * 600);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseCreated(
            1, buyer, provider, offerId, 0, PRICE, deposit, MANIFEST, block.timestamp + ACK_WINDOW
        );
        _takeOffer(offerId, deposit);
    }

    function test_takeOffer_acceptsLimitAbovePrice() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(buyer);
        uint256 leaseId = market.takeOffer(offerId, 10 * PRICE, MANIFEST, uint128(PRICE * 60));
        assertEq(market.getLease(leaseId).pricePerSecond, PRICE, "pays the offer price, not the limit");
    }

    function test_takeOffer_revertsForUnknownOffer() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownOffer.selector, 1));
        _takeOffer(1, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsWhenPaused() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.pauseOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Paused
            )
        );
        _takeOffer(offerId, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsWhenWithdrawn() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceOfferNotActive.selector, offerId, IMarketplace.OfferState.Withdrawn
            )
        );
        _takeOffer(offerId, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsWhenFull() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 2, 60, 1 days);
        _takeOffer(offerId, uint128(PRICE * 60));
        _takeOffer(offerId, uint128(PRICE * 60));
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceOfferFull.selector, offerId, 2));
        _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(token.balanceOf(buyer), buyerBefore);
    }

    function test_takeOffer_activeLeasesCountUpAndFreeOnClose() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 2, 60, 1 days);
        uint256 first = _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(market.getOffer(offerId).activeLeases, 1);
        uint256 second = _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(market.getOffer(offerId).activeLeases, 2);

        // A cancelled pending lease frees its slot.
        vm.prank(buyer);
        market.cancel(first);
        assertEq(market.getOffer(offerId).activeLeases, 1);
        uint256 third = _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(market.getOffer(offerId).activeLeases, 2);

        // A closed active lease frees its slot.
        vm.prank(provider);
        market.acknowledge(second);
        vm.prank(buyer);
        market.close(second);
        assertEq(market.getOffer(offerId).activeLeases, 1);

        // A completed lease frees its slot.
        vm.prank(provider);
        market.acknowledge(third);
        vm.prank(provider);
        market.complete(third, bytes32(0), 0, uint64(block.timestamp));
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }

    function test_takeOffer_exhaustedLeaseFreesItsSlot() public {
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 1, 60, 1 days);
        uint256 leaseId = _takeOffer(offerId, uint128(PRICE * 60));
        vm.prank(provider);
        market.acknowledge(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceOfferFull.selector, offerId, 1));
        _takeOffer(offerId, uint128(PRICE * 60));
        vm.warp(block.timestamp + 61);
        market.settle(leaseId);
        assertEq(market.getOffer(offerId).activeLeases, 0);
        _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(market.getOffer(offerId).activeLeases, 1);
    }

    function test_takeOffer_revertsWhenPriceAboveLimit() public {
        uint256 offerId = _postOffer(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplacePriceAboveLimit.selector, PRICE, PRICE - 1));
        vm.prank(buyer);
        market.takeOffer(offerId, PRICE - 1, MANIFEST, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsOnZeroDeposit() public {
        // Even an offer without a minimum duration needs a deposit.
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 1, 0, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceDepositBelowMinimum.selector, 0, 0));
        _takeOffer(offerId, 0);
    }

    function test_takeOffer_revertsOnDepositBelowMinDuration() public {
        uint256 offerId = _postOffer(provider); // min 60 s
        uint128 deposit = uint128(PRICE * 60 - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceDepositBelowMinimum.selector, deposit, PRICE * 60)
        );
        _takeOffer(offerId, deposit);
        // Exactly the minimum is accepted.
        _takeOffer(offerId, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsOnDepositAboveMaxDuration() public {
        uint256 offerId = _postOffer(provider); // max 30 days
        uint128 deposit = uint128(PRICE * 30 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceDepositAboveMaximum.selector, deposit, PRICE * 30 days)
        );
        _takeOffer(offerId, deposit);
        // Exactly the maximum is accepted.
        uint256 leaseId = _takeOffer(offerId, uint128(PRICE * 30 days));
        assertEq(market.getLease(leaseId).escrow, PRICE * 30 days);
    }

    function test_takeOffer_revertsWhenProviderJailed() public {
        uint256 offerId = _postOffer(provider);
        _jail(provider);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceProviderInactive.selector, provider));
        _takeOffer(offerId, uint128(PRICE * 60));
        assertEq(token.balanceOf(buyer), buyerBefore);
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }

    function test_takeOffer_revertsWhenProviderUnderstaked() public {
        uint256 offerId = _postOffer(provider); // 4 units = 400 ether
        // Slash down to 300 ether: below the commitment, jailed and inactive.
        vm.prank(slasher);
        registry.slash(provider, 9_700 ether, "test", address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceProviderInactive.selector, provider));
        _takeOffer(offerId, uint128(PRICE * 60));
    }

    function test_takeOffer_revertsWithoutAllowance() public {
        uint256 offerId = _postOffer(provider);
        vm.prank(stranger);
        vm.expectRevert();
        market.takeOffer(offerId, PRICE, MANIFEST, uint128(PRICE * 60));
        assertEq(market.getOffer(offerId).activeLeases, 0);
    }
}
