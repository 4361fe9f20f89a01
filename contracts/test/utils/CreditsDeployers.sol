// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IOcxCredits, IOcxSupply} from "../../src/interfaces/IOcxCredits.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {Marketplace} from "../../src/Marketplace.sol";
import {OcxCredits} from "../../src/OcxCredits.sol";
import {PriceFeed} from "../../src/PriceFeed.sol";
import {Deployers} from "./Deployers.sol";

/// @notice The shared deployment plus an OCX/USD PriceFeed at $0.50 (8 decimals), OcxCredits with a 1 % spread,
/// one-hour staleness, a 20 % move bound and a 100,000-OCX-per-day breaker (holding OcxToken's MINTER_ROLE), and a
/// second Marketplace that settles in credits, as deployOcx will wire it once the market moves to credits.
abstract contract CreditsDeployers is Deployers {
    int256 internal constant HALF_DOLLAR = 50_000_000; // $0.50 at 8 decimals
    uint16 internal constant SPREAD_BPS = 100;
    uint32 internal constant MAX_AGE = 1 hours;
    uint16 internal constant MAX_MOVE_BPS = 2_000;
    uint32 internal constant BREAKER_EPOCH = 1 days;
    uint128 internal constant BREAKER_CAP = 100_000 ether;

    address internal updater = address(0x0DA7E);

    PriceFeed internal feed;
    OcxCredits internal credits;
    Marketplace internal creditMarket;

    function setUp() public virtual override {
        super.setUp();
        feed = new PriceFeed(admin, updater, 8, "OCX / USD", HALF_DOLLAR);
        credits = new OcxCredits(IOcxSupply(address(token)), AggregatorV3Interface(address(feed)), admin, _params());
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minter, address(credits));
        creditMarket = new Marketplace(
            IOcxToken(address(credits)),
            IProviderRegistry(address(registry)),
            admin,
            IMarketplace.Parameters({
                feeBps: FEE_BPS, ackWindow: ACK_WINDOW, maxBiddingWindow: MAX_BIDDING_WINDOW, feeSink: address(0)
            })
        );
        bytes32 marketRole = registry.MARKET_ROLE();
        vm.prank(admin);
        registry.grantRole(marketRole, address(creditMarket));
        vm.prank(buyer);
        token.approve(address(credits), type(uint256).max);
        vm.prank(buyer);
        credits.approve(address(creditMarket), type(uint256).max);
    }

    function _params() internal pure returns (IOcxCredits.Parameters memory) {
        return IOcxCredits.Parameters({
            spreadBps: SPREAD_BPS,
            maxPriceAge: MAX_AGE,
            maxPriceMoveBps: MAX_MOVE_BPS,
            breakerEpoch: BREAKER_EPOCH,
            maxOcxMintedPerEpoch: BREAKER_CAP
        });
    }

    function _setPrice(int256 answer) internal {
        vm.prank(updater);
        feed.updateAnswer(answer);
    }
}
