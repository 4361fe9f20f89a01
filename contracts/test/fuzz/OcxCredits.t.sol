// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOcxCredits} from "../../src/interfaces/IOcxCredits.sol";
import {CreditsDeployers} from "../utils/CreditsDeployers.sol";

/// @notice OcxCredits' conversions at any price, spread and amount: each rounds down by less than one unit, so
/// the caller never receives more than the exact value, and a mint followed by a redeem never returns more OCX.
contract OcxCreditsFuzzTest is CreditsDeployers {
    uint256 private constant BPS = 10_000;

    function _configure(uint256 priceSeed, uint256 spreadSeed) private returns (uint256 price, uint256 spread) {
        price = bound(priceSeed, 1, 1e14); // $0.00000001 .. $1,000,000
        spread = bound(spreadSeed, 0, 1_000);
        IOcxCredits.Parameters memory p = _params();
        p.spreadBps = uint16(spread);
        p.maxOcxMintedPerEpoch = type(uint128).max;
        vm.prank(admin);
        credits.setParameters(p);
        _setPrice(int256(price));
        vm.prank(admin);
        credits.resetReferencePrice();
    }

    function testFuzz_mint_roundsDownByLessThanOneUnit(uint256 priceSeed, uint256 spreadSeed, uint256 ocxSeed) public {
        (uint256 price, uint256 spread) = _configure(priceSeed, spreadSeed);
        uint256 ocxIn = bound(ocxSeed, 1, 1_000_000 ether);
        uint256 exactNumerator = ocxIn * price * (BPS - spread); // credits × 1e8 × 1e4, exactly
        uint256 denominator = 1e8 * BPS;
        vm.assume(exactNumerator >= denominator);
        vm.prank(buyer);
        uint256 got = credits.mint(ocxIn);
        assertLe(got * denominator, exactNumerator, "minted more than the OCX was worth");
        vm.assertGt((got + 1) * denominator, exactNumerator, "rounded down by a unit or more");
    }

    function testFuzz_redeem_roundsDownByLessThanOneUnit(uint256 priceSeed, uint256 spreadSeed, uint256 creditSeed)
        public
    {
        // Credits first, at the deployment's $0.50: 4M OCX → 1.98M credits.
        vm.startPrank(treasury);
        token.approve(address(credits), type(uint256).max);
        credits.mint(4_000_000 ether);
        credits.transfer(buyer, 1_000_000 ether);
        vm.stopPrank();
        (uint256 price, uint256 spread) = _configure(priceSeed, spreadSeed);
        uint256 creditsIn = bound(creditSeed, 1, 1_000_000 ether);
        uint256 exactNumerator = creditsIn * 1e8 * BPS;
        uint256 denominator = price * (BPS + spread);
        vm.assume(exactNumerator >= denominator);
        vm.prank(buyer);
        uint256 out = credits.redeem(creditsIn);
        assertLe(out * denominator, exactNumerator, "redeemed more OCX than the credits were worth");
        vm.assertGt((out + 1) * denominator, exactNumerator, "rounded down by a unit or more");
    }

    function testFuzz_roundTrip_neverGainsOcx(uint256 priceSeed, uint256 spreadSeed, uint256 ocxSeed) public {
        _configure(priceSeed, spreadSeed);
        uint256 ocxIn = bound(ocxSeed, 1, 1_000_000 ether);
        (uint256 c,) = credits.quoteMint(ocxIn);
        vm.assume(c > 0);
        vm.startPrank(buyer);
        uint256 minted = credits.mint(ocxIn);
        (uint256 back,) = credits.quoteRedeem(minted);
        if (back > 0) back = credits.redeem(minted);
        vm.stopPrank();
        assertLe(back, ocxIn, "a round trip created OCX");
    }
}
