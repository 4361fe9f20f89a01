// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Marketplace} from "../../../src/Marketplace.sol";
import {OcxCredits} from "../../../src/OcxCredits.sol";
import {OcxToken} from "../../../src/OcxToken.sol";
import {PriceFeed} from "../../../src/PriceFeed.sol";
import {Vm} from "../../utils/Test.sol";

/// @notice Drives OcxCredits and a Marketplace that settles in credits as several buyers, a provider and the
/// feed's updater: mints, redeems, transfers, burns, leases (take, acknowledge, complete, cancel, withdraw), fee
/// burns, price moves and the passing of time. Keeps ghost sums of every credit and OCX created and destroyed,
/// each computed from the call's own inputs and results, and checks each conversion's rounding as it happens.
contract CreditsHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant BPS = 10_000;

    OcxCredits public immutable credits;
    OcxToken public immutable token;
    PriceFeed public immutable feed;
    Marketplace public immutable market;
    address public immutable provider;
    address public immutable updater;
    uint256 public immutable offerId;
    address[] public buyers;
    uint256[] private _leases;

    uint256 public currentTime;
    uint256 public ghostCalls;
    uint256 public ghostCreditsMinted;
    uint256 public ghostCreditsBurned;
    uint256 public ghostOcxMintedByRedemption;
    uint256 public ghostOcxBurnedByMint;
    uint256 public ghostMints;
    uint256 public ghostRedeems;
    /// @notice Conversions that gave the caller more than the exact value (must stay 0).
    uint256 public roundingViolations;

    modifier step() {
        vm.warp(currentTime);
        ++ghostCalls;
        _;
    }

    constructor(
        OcxCredits credits_,
        OcxToken token_,
        PriceFeed feed_,
        Marketplace market_,
        address provider_,
        address updater_,
        uint256 offerId_,
        address[] memory buyers_
    ) {
        credits = credits_;
        token = token_;
        feed = feed_;
        market = market_;
        provider = provider_;
        updater = updater_;
        offerId = offerId_;
        buyers = buyers_;
        currentTime = block.timestamp;
    }

    function _buyer(uint256 seed) private view returns (address) {
        return buyers[seed % buyers.length];
    }

    function _price() private view returns (uint256) {
        (, int256 answer,,,) = feed.latestRoundData();
        return uint256(answer);
    }

    // ---------------------------------------------------------------- conversions

    function mint(uint256 who, uint256 amount) external step {
        address b = _buyer(who);
        uint256 bal = token.balanceOf(b);
        if (bal == 0) return;
        amount = 1 + amount % (bal < 50_000 ether ? bal : 50_000 ether);
        uint256 price = _price();
        uint256 spread = credits.parameters().spreadBps;
        vm.prank(b);
        try credits.mint(amount) returns (uint256 got) {
            ghostCreditsMinted += got;
            ghostOcxBurnedByMint += amount;
            ++ghostMints;
            // Exact value of the OCX burned, less the spread, in credits × 1e8 × 1e4.
            if (got * credits.feedUnit() * BPS > amount * price * (BPS - spread)) ++roundingViolations;
        } catch {}
    }

    function redeem(uint256 who, uint256 amount) external step {
        address b = who % 4 == 3 ? provider : _buyer(who);
        uint256 bal = credits.balanceOf(b);
        if (bal == 0) return;
        amount = 1 + amount % bal;
        uint256 price = _price();
        uint256 spread = credits.parameters().spreadBps;
        vm.prank(b);
        try credits.redeem(amount) returns (uint256 out) {
            ghostCreditsBurned += amount;
            ghostOcxMintedByRedemption += out;
            ++ghostRedeems;
            if (out * price * (BPS + spread) > amount * credits.feedUnit() * BPS) ++roundingViolations;
        } catch {}
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external step {
        address a = _buyer(from);
        uint256 bal = credits.balanceOf(a);
        if (bal == 0) return;
        vm.prank(a);
        require(credits.transfer(_buyer(to), amount % (bal + 1)), "transfer failed");
    }

    function burn(uint256 who, uint256 amount) external step {
        address b = _buyer(who);
        uint256 bal = credits.balanceOf(b);
        if (bal == 0) return;
        amount = amount % (bal + 1);
        vm.prank(b);
        credits.burn(amount);
        ghostCreditsBurned += amount;
    }

    // ---------------------------------------------------------------- leases in credits

    function takeOffer(uint256 who, uint256 deposit) external step {
        address b = _buyer(who);
        uint256 bal = credits.balanceOf(b);
        if (bal < 1 ether) return;
        deposit = 0.01 ether + deposit % (bal < 100 ether ? bal - 0.01 ether : 100 ether);
        vm.prank(b);
        try market.takeOffer(offerId, type(uint128).max, keccak256("job"), uint128(deposit)) returns (uint256 id) {
            _leases.push(id);
        } catch {}
    }

    function acknowledge(uint256 seed) external step {
        if (_leases.length == 0) return;
        vm.prank(provider);
        try market.acknowledge(_leases[seed % _leases.length]) {} catch {}
    }

    function complete(uint256 seed, uint256 back) external step {
        if (_leases.length == 0) return;
        uint256 end = currentTime - back % 3_600;
        vm.prank(provider);
        try market.complete(_leases[seed % _leases.length], keccak256("result"), 0, uint64(end)) {} catch {}
    }

    function cancel(uint256 seed) external step {
        if (_leases.length == 0) return;
        uint256 id = _leases[seed % _leases.length];
        vm.prank(market.getLease(id).buyer);
        try market.cancel(id) {} catch {}
    }

    function settle(uint256 seed) external step {
        if (_leases.length == 0) return;
        try market.settle(_leases[seed % _leases.length]) {} catch {}
    }

    function withdraw() external step {
        if (_leases.length == 0) return;
        vm.prank(provider);
        try market.withdraw(_leases) {} catch {}
    }

    function burnFees() external step {
        address[] memory providers = new address[](1);
        providers[0] = provider;
        market.sweepFees(providers);
        uint256 burned = market.flushFees();
        ghostCreditsBurned += burned;
    }

    // ---------------------------------------------------------------- oracle and time

    function movePrice(uint256 moveBps, bool up) external step {
        uint256 price = _price();
        // Mostly within the 20 % bound; now and then beyond it (then mint and redeem refuse until it returns).
        uint256 move = price * (moveBps % 2_500) / BPS;
        uint256 next = up ? price + move : price - move;
        if (next == 0 || next > 1e12) return;
        vm.prank(updater);
        feed.updateAnswer(int256(next));
    }

    function pass(uint256 seconds_) external step {
        currentTime += 1 + seconds_ % 2 hours;
    }

    function leaseCount() external view returns (uint256) {
        return _leases.length;
    }

    /// @notice Every credit holder the handler touches: the buyers and the provider.
    function creditsInCirculation() external view returns (uint256 sum) {
        for (uint256 i; i < buyers.length; ++i) {
            sum += credits.balanceOf(buyers[i]);
        }
        sum += credits.balanceOf(provider);
    }
}
