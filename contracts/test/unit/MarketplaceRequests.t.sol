// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice Unit tests of the marketplace's reverse auctions: postRequest, bid, acceptBid,
/// closeAuction and cancelRequest.
contract MarketplaceRequestsTest is Deployers {
    uint128 internal constant MAX_PRICE = 2 * PRICE;
    uint128 internal constant DEPOSIT = uint128(PRICE * 3600);

    address internal stranger = address(0x5757);
    address internal provider3 = address(0xD0E);

    uint40 internal deadline;

    function setUp() public override {
        super.setUp();
        deadline = uint40(block.timestamp + 1 hours);
    }

    // ---------------------------------------------------------------- helpers

    function _postRequest(IMarketplace.Resources memory requirements) internal returns (uint256 requestId) {
        vm.prank(buyer);
        requestId = market.postRequest(requirements, MAX_PRICE, DEPOSIT, deadline, MANIFEST);
    }

    function _postRequest() internal returns (uint256) {
        return _postRequest(_h100(1));
    }

    function _bid(address who, uint256 requestId, uint128 price) internal {
        vm.prank(who);
        market.bid(requestId, price, _h100(1));
    }

    function _jail(address who) internal {
        uint256 stake = registry.getProvider(who).stake;
        vm.prank(slasher);
        registry.slash(who, stake, "test", address(0), 0);
        assertTrue(registry.getProvider(who).jailed, "provider should be jailed");
    }

    function _requestState(uint256 requestId) internal view returns (uint256) {
        return uint256(market.getRequest(requestId).state);
    }

    function _expectNoFit(uint256 requestId, IMarketplace.Resources memory offered) internal {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceResourcesDoNotFit.selector, requestId));
        vm.prank(provider);
        market.bid(requestId, PRICE, offered);
    }

    // ---------------------------------------------------------------- postRequest

    function test_postRequest_pullsDepositAndStoresRequest() public {
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 requestId = _postRequest();
        assertEq(requestId, 1);
        assertEq(token.balanceOf(buyer), buyerBefore - DEPOSIT);
        assertEq(token.balanceOf(address(market)), DEPOSIT);

        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.buyer, buyer);
        assertEq(uint256(r.state), uint256(IMarketplace.RequestState.Open));
        assertEq(r.biddingDeadline, deadline);
        assertEq(r.maxPricePerSecond, MAX_PRICE);
        assertEq(r.deposit, DEPOSIT);
        assertEq(r.bestBidder, address(0));
        assertEq(r.bestPrice, 0);
        assertEq(r.manifestHash, MANIFEST);
        assertEq(r.requirements.gpuModel, H100);
        assertEq(r.requirements.region, REGION);
        assertEq(r.requirements.gpuCount, 1);
        assertEq(r.requirements.diskMiB, 512_000);
        (,, uint256 requests) = market.counts();
        assertEq(requests, 1);
    }

    function test_postRequest_emitsRequestPosted() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.RequestPosted(1, buyer, _h100(2), MAX_PRICE, DEPOSIT, deadline, MANIFEST);
        vm.prank(buyer);
        market.postRequest(_h100(2), MAX_PRICE, DEPOSIT, deadline, MANIFEST);
    }

    function test_postRequest_revertsOnZeroDeposit() public {
        vm.expectRevert(IMarketplace.MarketplaceZeroAmount.selector);
        vm.prank(buyer);
        market.postRequest(_h100(1), MAX_PRICE, 0, deadline, MANIFEST);
    }

    function test_postRequest_revertsOnZeroMaxPrice() public {
        vm.expectRevert(IMarketplace.MarketplaceZeroAmount.selector);
        vm.prank(buyer);
        market.postRequest(_h100(1), 0, DEPOSIT, deadline, MANIFEST);
    }

    function test_postRequest_revertsOnDeadlineTooEarly() public {
        uint256 earliest = block.timestamp + market.MIN_BIDDING_WINDOW();
        uint256 latest = block.timestamp + MAX_BIDDING_WINDOW;
        uint40 tooEarly = uint40(earliest - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceInvalidBiddingDeadline.selector, tooEarly, earliest, latest)
        );
        vm.prank(buyer);
        market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, tooEarly, MANIFEST);
    }

    function test_postRequest_revertsOnDeadlineInThePast() public {
        uint256 earliest = block.timestamp + 60;
        uint256 latest = block.timestamp + MAX_BIDDING_WINDOW;
        uint40 past = uint40(block.timestamp - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceInvalidBiddingDeadline.selector, past, earliest, latest)
        );
        vm.prank(buyer);
        market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, past, MANIFEST);
    }

    function test_postRequest_revertsOnDeadlineTooLate() public {
        uint256 earliest = block.timestamp + 60;
        uint256 latest = block.timestamp + MAX_BIDDING_WINDOW;
        uint40 tooLate = uint40(latest + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceInvalidBiddingDeadline.selector, tooLate, earliest, latest)
        );
        vm.prank(buyer);
        market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, tooLate, MANIFEST);
    }

    function test_postRequest_acceptsDeadlineBounds() public {
        vm.startPrank(buyer);
        uint256 a = market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, uint40(block.timestamp + 60), MANIFEST);
        uint256 b =
            market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, uint40(block.timestamp + MAX_BIDDING_WINDOW), MANIFEST);
        vm.stopPrank();
        assertEq(market.getRequest(a).biddingDeadline, block.timestamp + 60);
        assertEq(market.getRequest(b).biddingDeadline, block.timestamp + MAX_BIDDING_WINDOW);
        assertEq(token.balanceOf(address(market)), 2 * uint256(DEPOSIT));
    }

    function test_postRequest_latestFollowsMaxBiddingWindowParameter() public {
        vm.prank(admin);
        market.setParameters(
            IMarketplace.Parameters({
                feeBps: FEE_BPS, ackWindow: ACK_WINDOW, maxBiddingWindow: 2 days, feeSink: address(0)
            })
        );
        vm.prank(buyer);
        uint256 requestId = market.postRequest(_h100(1), MAX_PRICE, DEPOSIT, uint40(block.timestamp + 2 days), MANIFEST);
        assertEq(market.getRequest(requestId).biddingDeadline, block.timestamp + 2 days);
    }

    // ---------------------------------------------------------------- bid

    function test_bid_recordsBestBidAndEmits() public {
        uint256 requestId = _postRequest();
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.BidPlaced(requestId, provider, PRICE, _h100(2));
        vm.prank(provider);
        market.bid(requestId, PRICE, _h100(2));
        assertEq(market.bidOf(requestId, provider), PRICE);
        assertEq(market.bidOf(requestId, provider2), 0);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.bestBidder, provider);
        assertEq(r.bestPrice, PRICE);
    }

    function test_bid_lowerBidTakesTheLead() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE - 1);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.bestBidder, provider2);
        assertEq(r.bestPrice, PRICE - 1);
    }

    function test_bid_higherBidDoesNotTakeTheLead() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE + 1);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.bestBidder, provider);
        assertEq(r.bestPrice, PRICE);
        assertEq(market.bidOf(requestId, provider2), PRICE + 1);
    }

    function test_bid_tieKeepsEarlierBidder() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.bestBidder, provider);
        assertEq(r.bestPrice, PRICE);
    }

    function test_bid_loweringOwnBidUpdatesIt() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE - 10);
        _bid(provider, requestId, PRICE - 20);
        assertEq(market.bidOf(requestId, provider), PRICE - 20);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(r.bestBidder, provider);
        assertEq(r.bestPrice, PRICE - 20);
    }

    function test_bid_revertsWhenNotLower() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceBidNotLower.selector, requestId, PRICE, PRICE));
        _bid(provider, requestId, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplaceBidNotLower.selector, requestId, PRICE + 1, PRICE)
        );
        _bid(provider, requestId, PRICE + 1);
        assertEq(market.bidOf(requestId, provider), PRICE);
    }

    function test_bid_revertsForUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownRequest.selector, 5));
        _bid(provider, 5, PRICE);
    }

    function test_bid_revertsOnCancelledRequest() public {
        uint256 requestId = _postRequest();
        vm.prank(buyer);
        market.cancelRequest(requestId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Cancelled
            )
        );
        _bid(provider, requestId, PRICE);
    }

    function test_bid_revertsOnClosedRequest() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.prank(buyer);
        market.acceptBid(requestId, provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Closed
            )
        );
        _bid(provider2, requestId, PRICE);
    }

    function test_bid_revertsAtAndAfterDeadline() public {
        uint256 requestId = _postRequest();
        vm.warp(deadline - 1);
        _bid(provider, requestId, PRICE); // the last second is still open
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceBiddingClosed.selector, requestId, deadline));
        _bid(provider2, requestId, PRICE);
        vm.warp(deadline + 100);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceBiddingClosed.selector, requestId, deadline));
        _bid(provider2, requestId, PRICE);
    }

    function test_bid_revertsOnSelfBid() public {
        // The buyer registers as a provider too; it still may not bid on its own request.
        _registerAndStake(buyer, 1_000 ether);
        uint256 requestId = _postRequest();
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceSelfBid.selector, requestId));
        _bid(buyer, requestId, PRICE);
    }

    function test_bid_revertsOnZeroPrice() public {
        uint256 requestId = _postRequest();
        vm.expectRevert(IMarketplace.MarketplaceZeroAmount.selector);
        _bid(provider, requestId, 0);
    }

    function test_bid_revertsAboveMaxPrice() public {
        uint256 requestId = _postRequest();
        vm.expectRevert(
            abi.encodeWithSelector(IMarketplace.MarketplacePriceAboveLimit.selector, MAX_PRICE + 1, MAX_PRICE)
        );
        _bid(provider, requestId, MAX_PRICE + 1);
        _bid(provider, requestId, MAX_PRICE); // exactly the limit is fine
        assertEq(market.bidOf(requestId, provider), MAX_PRICE);
    }

    function test_bid_revertsOnWrongModel() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.gpuModel = "nvidia-a100-40gb";
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnCpuOnlyBundleForGpuModel() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.gpuModel = bytes32(0);
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnWrongRegion() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.region = "us-east";
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnTooFewGpus() public {
        uint256 requestId = _postRequest(_h100(2));
        _expectNoFit(requestId, _h100(1));
    }

    function test_bid_revertsOnTooLittleVram() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.gpuVramMiB -= 1;
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnTooFewCpuMillicores() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.cpuMillicores -= 1;
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnTooLittleMemory() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.memoryMiB -= 1;
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsOnTooLittleDisk() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(1);
        offered.diskMiB -= 1;
        _expectNoFit(requestId, offered);
    }

    function test_bid_acceptsLargerBundle() public {
        uint256 requestId = _postRequest();
        IMarketplace.Resources memory offered = _h100(8);
        offered.gpuVramMiB += 1;
        offered.cpuMillicores += 1;
        offered.memoryMiB += 1;
        offered.diskMiB += 1;
        vm.prank(provider);
        market.bid(requestId, PRICE, offered);
        assertEq(market.bidOf(requestId, provider), PRICE);
    }

    function test_bid_zeroModelAndRegionMeanAny() public {
        IMarketplace.Resources memory required = _h100(1);
        required.gpuModel = bytes32(0);
        required.region = bytes32(0);
        uint256 requestId = _postRequest(required);
        IMarketplace.Resources memory offered = _h100(1);
        offered.gpuModel = "amd-mi300x";
        offered.region = "ap-south";
        vm.prank(provider);
        market.bid(requestId, PRICE, offered);
        assertEq(market.bidOf(requestId, provider), PRICE);
        // Any still means the other fields must fit.
        offered.memoryMiB = 1;
        _expectNoFit(requestId, offered);
    }

    function test_bid_revertsForUnregisteredProvider() public {
        uint256 requestId = _postRequest();
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, stranger));
        _bid(stranger, requestId, PRICE);
    }

    function test_bid_revertsForProviderWithoutEnoughStake() public {
        _fund(provider3, 1_000 ether);
        _registerAndStake(provider3, 50 ether);
        uint256 requestId = _postRequest();
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, provider3, 50 ether, 100 ether)
        );
        _bid(provider3, requestId, PRICE);
    }

    function test_bid_stakeMustCoverExistingCommitmentsPlusRequest() public {
        // provider commits 99 of its 100 units; a 2-GPU request needs 101.
        vm.prank(provider);
        market.postOffer(_h100(1), PRICE, 99, 60, 1 days);
        uint256 requestId = _postRequest(_h100(2));
        IMarketplace.Resources memory offered = _h100(2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider, 10_000 ether, 10_100 ether
            )
        );
        vm.prank(provider);
        market.bid(requestId, PRICE, offered);
    }

    function test_bid_revertsForJailedProvider() public {
        uint256 requestId = _postRequest();
        _jail(provider);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderJailed.selector, provider));
        _bid(provider, requestId, PRICE);
    }

    // ---------------------------------------------------------------- acceptBid

    function test_acceptBid_createsLeaseFromBid() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        uint256 marketBefore = token.balanceOf(address(market));

        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.LeaseCreated(
            1, buyer, provider, 0, requestId, PRICE, DEPOSIT, MANIFEST, block.timestamp + ACK_WINDOW
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.RequestClosed(requestId, provider, PRICE, 1);
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, provider);

        assertEq(leaseId, 1);
        assertEq(token.balanceOf(address(market)), marketBefore, "the deposit stays in escrow");
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.buyer, buyer);
        assertEq(l.provider, provider);
        assertEq(uint256(l.state), uint256(IMarketplace.LeaseState.Pending));
        assertEq(l.offerId, 0);
        assertEq(l.maxDuration, type(uint32).max);
        assertEq(l.pricePerSecond, PRICE);
        assertEq(l.escrow, DEPOSIT);
        assertEq(l.ackDeadline, block.timestamp + ACK_WINDOW);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(uint256(r.state), uint256(IMarketplace.RequestState.Closed));
        assertEq(r.deposit, 0);
    }

    function test_acceptBid_worksBeforeDeadline() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        assertTrue(block.timestamp < deadline);
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, provider);
        assertEq(leaseId, 1);
    }

    function test_acceptBid_canAcceptNonBestBid() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE / 2);
        vm.prank(buyer);
        uint256 leaseId = market.acceptBid(requestId, provider);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.provider, provider);
        assertEq(l.pricePerSecond, PRICE, "pays the accepted bid, not the best");
    }

    function test_acceptBid_revertsForNonBuyer() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotRequestBuyer.selector, requestId, provider));
        vm.prank(provider);
        market.acceptBid(requestId, provider);
        assertEq(_requestState(requestId), uint256(IMarketplace.RequestState.Open));
    }

    function test_acceptBid_revertsWithoutBid() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNoBid.selector, requestId, provider2));
        vm.prank(buyer);
        market.acceptBid(requestId, provider2);
    }

    function test_acceptBid_revertsForJailedProvider() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _jail(provider);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceProviderInactive.selector, provider));
        vm.prank(buyer);
        market.acceptBid(requestId, provider);
        assertEq(_requestState(requestId), uint256(IMarketplace.RequestState.Open));
    }

    function test_acceptBid_revertsForUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownRequest.selector, 2));
        vm.prank(buyer);
        market.acceptBid(2, provider);
    }

    function test_acceptBid_revertsWhenAlreadyClosed() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE);
        vm.prank(buyer);
        market.acceptBid(requestId, provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Closed
            )
        );
        vm.prank(buyer);
        market.acceptBid(requestId, provider2);
        (, uint256 leases,) = market.counts();
        assertEq(leases, 1);
    }

    // ---------------------------------------------------------------- closeAuction

    function test_closeAuction_revertsBeforeDeadline() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceBiddingOpen.selector, requestId, deadline));
        vm.prank(stranger);
        market.closeAuction(requestId);
    }

    function test_closeAuction_lowestBidWins() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        _bid(provider2, requestId, PRICE - 5);
        vm.warp(deadline);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.RequestClosed(requestId, provider2, PRICE - 5, 1);
        vm.prank(stranger);
        uint256 leaseId = market.closeAuction(requestId);
        assertEq(leaseId, 1);
        IMarketplace.Lease memory l = market.getLease(leaseId);
        assertEq(l.provider, provider2);
        assertEq(l.buyer, buyer);
        assertEq(l.pricePerSecond, PRICE - 5);
        assertEq(l.escrow, DEPOSIT);
        assertEq(_requestState(requestId), uint256(IMarketplace.RequestState.Closed));
    }

    function test_closeAuction_earliestWinsATie() public {
        uint256 requestId = _postRequest();
        _bid(provider2, requestId, PRICE);
        _bid(provider, requestId, PRICE);
        vm.warp(deadline + 1);
        uint256 leaseId = market.closeAuction(requestId);
        assertEq(market.getLease(leaseId).provider, provider2);
    }

    function test_closeAuction_noBidsRefundsBuyer() public {
        uint256 requestId = _postRequest();
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.warp(deadline);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.RequestCancelled(requestId, DEPOSIT);
        vm.prank(stranger);
        uint256 leaseId = market.closeAuction(requestId);
        assertEq(leaseId, 0);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(token.balanceOf(address(market)), 0);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(uint256(r.state), uint256(IMarketplace.RequestState.Cancelled));
        assertEq(r.deposit, 0);
        (, uint256 leases,) = market.counts();
        assertEq(leases, 0);
    }

    function test_closeAuction_jailedWinnerRefundsBuyer() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE - 1);
        _bid(provider2, requestId, PRICE);
        _jail(provider);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.warp(deadline);
        uint256 leaseId = market.closeAuction(requestId);
        assertEq(leaseId, 0);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(_requestState(requestId), uint256(IMarketplace.RequestState.Cancelled));
    }

    function test_closeAuction_revertsWhenClosedTwice() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.warp(deadline);
        market.closeAuction(requestId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Closed
            )
        );
        market.closeAuction(requestId);
    }

    function test_closeAuction_revertsForUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownRequest.selector, 1));
        market.closeAuction(1);
    }

    // ---------------------------------------------------------------- cancelRequest

    function test_cancelRequest_refundsAndCloses() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.expectEmit(true, true, true, true, address(market));
        emit IMarketplace.RequestCancelled(requestId, DEPOSIT);
        vm.prank(buyer);
        market.cancelRequest(requestId);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
        assertEq(token.balanceOf(address(market)), 0);
        IMarketplace.Request memory r = market.getRequest(requestId);
        assertEq(uint256(r.state), uint256(IMarketplace.RequestState.Cancelled));
        assertEq(r.deposit, 0);
    }

    function test_cancelRequest_notOpenAfterwards() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.prank(buyer);
        market.cancelRequest(requestId);
        bytes memory notOpen = abi.encodeWithSelector(
            IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Cancelled
        );
        vm.expectRevert(notOpen);
        vm.prank(buyer);
        market.cancelRequest(requestId);
        vm.expectRevert(notOpen);
        vm.prank(buyer);
        market.acceptBid(requestId, provider);
        vm.warp(deadline);
        vm.expectRevert(notOpen);
        market.closeAuction(requestId);
    }

    function test_cancelRequest_revertsForNonBuyer() public {
        uint256 requestId = _postRequest();
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceNotRequestBuyer.selector, requestId, stranger));
        vm.prank(stranger);
        market.cancelRequest(requestId);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_cancelRequest_worksAfterDeadline() public {
        uint256 requestId = _postRequest();
        vm.warp(deadline + 1 days);
        uint256 buyerBefore = token.balanceOf(buyer);
        vm.prank(buyer);
        market.cancelRequest(requestId);
        assertEq(token.balanceOf(buyer), buyerBefore + DEPOSIT);
    }

    function test_cancelRequest_revertsForUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketplace.MarketplaceUnknownRequest.selector, 4));
        vm.prank(buyer);
        market.cancelRequest(4);
    }

    function test_cancelRequest_revertsAfterAward() public {
        uint256 requestId = _postRequest();
        _bid(provider, requestId, PRICE);
        vm.prank(buyer);
        market.acceptBid(requestId, provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceRequestNotOpen.selector, requestId, IMarketplace.RequestState.Closed
            )
        );
        vm.prank(buyer);
        market.cancelRequest(requestId);
    }
}
