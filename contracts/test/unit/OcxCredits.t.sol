// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {IOcxCredits, IOcxSupply} from "../../src/interfaces/IOcxCredits.sol";
import {OcxCredits} from "../../src/OcxCredits.sol";
import {PriceFeed} from "../../src/PriceFeed.sol";
import {CreditsDeployers} from "../utils/CreditsDeployers.sol";

/// @notice OcxCredits and PriceFeed: exact conversions with spread and rounding, the oracle's staleness and move
/// bounds, the redemption breaker, parameters, and a lease priced and billed in credits while the oracle is stale.
contract OcxCreditsTest is CreditsDeployers {
    // ---------------------------------------------------------------- mint

    function test_mint_exactAtPriceWithSpread() public {
        uint256 supplyBefore = token.totalSupply();
        vm.expectEmit(true, false, false, true, address(credits));
        emit IOcxCredits.CreditsMinted(buyer, 1_000 ether, 495 ether, uint256(HALF_DOLLAR));
        vm.prank(buyer);
        uint256 got = credits.mint(1_000 ether);
        // 1,000 OCX × $0.50 × 0.99 = $495.
        assertEq(got, 495 ether, "credits minted");
        assertEq(credits.balanceOf(buyer), 495 ether, "buyer's credits");
        assertEq(token.totalSupply(), supplyBefore - 1_000 ether, "OCX burned");
        assertEq(credits.referencePrice(), uint256(HALF_DOLLAR), "reference price set");
    }

    function test_mint_roundsDown() public {
        _setPrice(33_333_333); // $0.33333333
        vm.prank(buyer);
        uint256 got = credits.mint(7);
        // 7 × 33,333,333 × 9,900 / (1e8 × 1e4) = 2.30999997… → 2
        assertEq(got, 2, "rounded down");
    }

    function test_mint_revertsWhenNothingAfterRounding() public {
        vm.expectRevert(abi.encodeWithSelector(IOcxCredits.OcxCreditsZeroOutput.selector, 1));
        vm.prank(buyer);
        credits.mint(1);
    }

    function test_mint_revertsWithoutApproval() public {
        vm.prank(buyer);
        token.approve(address(credits), 0);
        vm.expectRevert();
        vm.prank(buyer);
        credits.mint(1 ether);
    }

    // ---------------------------------------------------------------- redeem

    function test_redeem_exactAtPriceWithSpread() public {
        vm.prank(buyer);
        credits.mint(1_000 ether);
        uint256 supplyBefore = token.totalSupply();
        uint256 ocxBefore = token.balanceOf(buyer);
        // 101 credits at $0.50 + 1 % = 101 / 0.505 = 200 OCX exactly.
        vm.expectEmit(true, false, false, true, address(credits));
        emit IOcxCredits.CreditsRedeemed(buyer, 101 ether, 200 ether, uint256(HALF_DOLLAR));
        vm.prank(buyer);
        uint256 out = credits.redeem(101 ether);
        assertEq(out, 200 ether, "OCX minted");
        assertEq(token.balanceOf(buyer), ocxBefore + 200 ether, "buyer's OCX");
        assertEq(token.totalSupply(), supplyBefore + 200 ether, "OCX minted by redemption");
        assertEq(credits.balanceOf(buyer), 394 ether, "credits burned");
        assertEq(credits.ocxMintedInEpoch(credits.currentEpoch()), 200 ether, "breaker counts it");
    }

    function test_redeem_roundsDown() public {
        vm.prank(buyer);
        credits.mint(1_000 ether);
        vm.prank(buyer);
        uint256 out = credits.redeem(1 ether);
        // 1 / 0.505 = 1.980198019801980198019… OCX → rounded down at the 18th decimal.
        assertEq(out, 1_980_198_019_801_980_198, "rounded down");
    }

    function test_redeem_breakerCapsMintPerEpoch() public {
        vm.startPrank(treasury);
        token.approve(address(credits), type(uint256).max);
        credits.mint(500_000 ether); // 247,500 credits
        // 50,500 credits at $0.505 → exactly 100,000 OCX: the whole cap.
        uint256 first = credits.redeem(50_500 ether);
        assertEq(first, BREAKER_CAP, "cap reached exactly");
        uint256 epoch = credits.currentEpoch();
        vm.expectRevert(
            abi.encodeWithSelector(
                IOcxCredits.OcxCreditsRedemptionCapReached.selector, epoch, first, 1_980_198_019_801_980_198, BREAKER_CAP
            )
        );
        credits.redeem(1 ether);
        vm.stopPrank();
        // Next epoch: allowed again (with a fresh price).
        vm.warp(block.timestamp + BREAKER_EPOCH);
        _setPrice(HALF_DOLLAR);
        vm.prank(treasury);
        credits.redeem(1 ether);
    }

    // ---------------------------------------------------------------- oracle bounds

    function test_mintAndRedeem_revertWhenPriceStale() public {
        vm.prank(buyer);
        credits.mint(10 ether);
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + MAX_AGE + 1);
        bytes memory err = abi.encodeWithSelector(
            IOcxCredits.OcxCreditsStalePrice.selector, updatedAt, uint256(MAX_AGE) + 1, uint256(MAX_AGE)
        );
        vm.expectRevert(err);
        vm.prank(buyer);
        credits.mint(10 ether);
        vm.expectRevert(err);
        vm.prank(buyer);
        credits.redeem(1 ether);
        // A price at exactly maxAge is still usable.
        vm.warp(updatedAt + MAX_AGE);
        vm.prank(buyer);
        credits.redeem(1 ether);
    }

    function test_mintAndRedeem_revertWhenPriceJumps() public {
        vm.prank(buyer);
        credits.mint(10 ether); // reference $0.50
        _setPrice(60_000_001); // +20.000002 %
        bytes memory err = abi.encodeWithSelector(
            IOcxCredits.OcxCreditsPriceMoveTooLarge.selector, uint256(HALF_DOLLAR), 60_000_001, uint256(MAX_MOVE_BPS)
        );
        vm.expectRevert(err);
        vm.prank(buyer);
        credits.mint(10 ether);
        vm.expectRevert(err);
        vm.prank(buyer);
        credits.redeem(1 ether);
        // Exactly +20 % is within the bound and becomes the reference.
        _setPrice(60_000_000);
        vm.prank(buyer);
        credits.mint(10 ether);
        assertEq(credits.referencePrice(), 60_000_000, "new reference");
    }

    function test_resetReferencePrice_acceptsAGenuineMove() public {
        vm.prank(buyer);
        credits.mint(10 ether);
        _setPrice(HALF_DOLLAR * 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, buyer, credits.PARAMETER_ROLE()
            )
        );
        vm.prank(buyer);
        credits.resetReferencePrice();
        vm.prank(admin);
        credits.resetReferencePrice();
        vm.prank(buyer);
        assertEq(credits.mint(1 ether), 1.485 ether, "minted at $1.50 less 1 %");
    }

    function test_setFeed_replacesTheOracleAndItsReference() public {
        vm.prank(buyer);
        credits.mint(10 ether);
        PriceFeed twap = new PriceFeed(admin, updater, 18, "OCX / USD (TWAP)", 2 ether);
        AggregatorV3Interface next = AggregatorV3Interface(address(twap));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, buyer, credits.PARAMETER_ROLE()
            )
        );
        vm.prank(buyer);
        credits.setFeed(next);

        vm.expectEmit(true, false, false, true, address(credits));
        emit IOcxCredits.FeedChanged(address(twap), 18);
        vm.prank(admin);
        credits.setFeed(next);
        assertTrue(address(credits.feed()) == address(twap), "feed");
        assertEq(credits.feedUnit(), 1 ether, "unit");
        // $2.00 is 300 % of the old $0.50 reference, yet accepted: the new feed's price is the new reference.
        assertEq(credits.referencePrice(), 2 ether, "reference");
        vm.prank(buyer);
        assertEq(credits.mint(1 ether), 1.98 ether, "minted at $2 less 1 %");

        PriceFeed tooFine = new PriceFeed(admin, updater, 37, "bad", 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOcxCredits.OcxCreditsParameterOutOfBounds.selector, bytes32("feedDecimals"), 37, 0, 36)
        );
        vm.prank(admin);
        credits.setFeed(AggregatorV3Interface(address(tooFine)));
    }

    function test_mint_revertsOnNonPositiveFeed() public {
        OcxCredits broken = new OcxCredits(
            IOcxSupply(address(token)), AggregatorV3Interface(address(new BrokenFeed())), admin, _params()
        );
        vm.expectRevert(abi.encodeWithSelector(IOcxCredits.OcxCreditsInvalidPrice.selector, int256(-1)));
        vm.prank(buyer);
        broken.mint(1 ether);
    }

    // ---------------------------------------------------------------- settlement never reads the oracle

    function test_leaseInCredits_settlesAndRefundsWhileOracleStale() public {
        vm.prank(buyer);
        credits.mint(1_000 ether); // 495 credits
        // $0.36 per hour per GPU: 1e14 credits per second.
        vm.prank(provider);
        uint256 offerId = creditMarket.postOffer(_h100(1), 1e14, 4, 60, 30 days);
        vm.prank(buyer);
        uint256 leaseId = creditMarket.takeOffer(offerId, 1e14, MANIFEST, 10 ether);
        vm.prank(provider);
        creditMarket.acknowledge(leaseId);
        vm.warp(block.timestamp + 2 days); // the oracle is now stale
        uint64 endedAt = uint64(block.timestamp - 1 days);
        vm.prank(provider);
        creditMarket.complete(leaseId, keccak256("result"), 0, endedAt);
        // 1 day at $0.36/h = $8.64 billed; the rest comes back.
        assertEq(credits.balanceOf(buyer), 495 ether - 8.64 ether, "buyer refunded the unused deposit");
        uint256[] memory ids = new uint256[](1);
        ids[0] = leaseId;
        vm.prank(provider);
        uint256 paid = creditMarket.withdraw(ids);
        // The protocol fee (2.5 %) is burned in credits.
        assertEq(paid, 8.64 ether - 0.216 ether, "provider paid in credits, less the fee");
        uint256 supplyBefore = credits.totalSupply();
        address[] memory providers = new address[](1);
        providers[0] = provider;
        creditMarket.sweepFees(providers);
        uint256 burned = creditMarket.flushFees();
        assertEq(burned, 0.216 ether, "fee");
        assertEq(credits.totalSupply(), supplyBefore - burned, "fee burned in credits");
        vm.expectRevert(
            abi.encodeWithSelector(IOcxCredits.OcxCreditsStalePrice.selector, 1_700_000_000, 2 days, MAX_AGE)
        );
        vm.prank(provider);
        credits.redeem(1 ether);
    }

    // ---------------------------------------------------------------- parameters

    function test_setParameters_boundsAndRole() public {
        IOcxCredits.Parameters memory p = _params();
        p.spreadBps = 1_001;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOcxCredits.OcxCreditsParameterOutOfBounds.selector, bytes32("spreadBps"), 1_001, 0, 1_000
            )
        );
        vm.prank(admin);
        credits.setParameters(p);
        p = _params();
        p.maxPriceAge = 59;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOcxCredits.OcxCreditsParameterOutOfBounds.selector, bytes32("maxPriceAge"), 59, 60, 2 days
            )
        );
        vm.prank(admin);
        credits.setParameters(p);
        p = _params();
        p.spreadBps = 0;
        vm.expectRevert();
        vm.prank(buyer);
        credits.setParameters(p);
        vm.prank(admin);
        credits.setParameters(p);
        assertEq(credits.parameters().spreadBps, 0, "spread set");
        vm.prank(buyer);
        assertEq(credits.mint(2 ether), 1 ether, "no spread: 2 OCX at $0.50 = $1");
    }

    function test_quotes_matchConversions() public {
        (uint256 q, uint256 price) = credits.quoteMint(1_000 ether);
        assertEq(price, uint256(HALF_DOLLAR), "price");
        vm.prank(buyer);
        assertEq(credits.mint(1_000 ether), q, "quoteMint");
        (uint256 r,) = credits.quoteRedeem(101 ether);
        vm.prank(buyer);
        assertEq(credits.redeem(101 ether), r, "quoteRedeem");
    }

    // ---------------------------------------------------------------- PriceFeed

    function test_priceFeed_roundsAndUpdater() public {
        (uint80 round, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(uint256(round), 1, "first round");
        assertEq(answer, HALF_DOLLAR);
        assertEq(updatedAt, block.timestamp, "updatedAt");
        assertEq(uint256(feed.decimals()), 8, "decimals");
        vm.warp(block.timestamp + 10);
        _setPrice(42);
        (round, answer,, updatedAt,) = feed.latestRoundData();
        assertEq(uint256(round), 2, "second round");
        assertEq(answer, int256(42));
        (, answer,,,) = feed.getRoundData(1);
        assertEq(answer, HALF_DOLLAR);
        vm.expectRevert(abi.encodeWithSelector(PriceFeed.PriceFeedNoSuchRound.selector, uint80(3), uint80(2)));
        feed.getRoundData(3);
        vm.expectRevert(abi.encodeWithSelector(PriceFeed.PriceFeedNonPositiveAnswer.selector, int256(0)));
        vm.prank(updater);
        feed.updateAnswer(0);
        vm.expectRevert();
        vm.prank(buyer);
        feed.updateAnswer(1);
    }
}

/// @dev A feed answering -1: a broken oracle.
contract BrokenFeed {
    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, -1, block.timestamp, block.timestamp, 1);
    }
}
