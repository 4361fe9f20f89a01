// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CreditsDeployers} from "../utils/CreditsDeployers.sol";
import {CreditsHandler} from "./handlers/CreditsHandler.sol";

/// @notice OcxCredits' invariants under random mints, redemptions, transfers, burns, leases settled in credits,
/// fee burns, price moves and time (CreditsHandler, 160 runs × 64 calls = 10,240 calls per invariant):
/// credits in circulation plus credits in escrow equal credits minted minus credits burned; OCX is created only by
/// redemption and destroyed by minting; no conversion gives its caller more than the exact value.
contract CreditsInvariants is CreditsDeployers {
    CreditsHandler internal handler;
    uint256 internal initialOcxSupply;

    function setUp() public override {
        super.setUp();
        address[] memory buyers = new address[](3);
        buyers[0] = buyer;
        buyers[1] = address(0xB0C);
        buyers[2] = address(0xB0D);
        for (uint256 i; i < buyers.length; ++i) {
            if (i > 0) _fund(buyers[i], 1_000_000 ether);
            vm.startPrank(buyers[i]);
            token.approve(address(credits), type(uint256).max);
            credits.approve(address(creditMarket), type(uint256).max);
            vm.stopPrank();
        }
        vm.prank(provider);
        uint256 offerId = creditMarket.postOffer(_h100(1), 1e14, 16, 60, 30 days); // $0.36 per GPU-hour
        handler = new CreditsHandler(credits, token, feed, creditMarket, provider, updater, offerId, buyers);
        initialOcxSupply = token.totalSupply();
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_circulationPlusEscrowIsMintedMinusBurned() public view {
        uint256 expected = handler.ghostCreditsMinted() - handler.ghostCreditsBurned();
        assertEq(
            handler.creditsInCirculation() + credits.balanceOf(address(creditMarket)),
            expected,
            "credits held + in escrow != minted - burned"
        );
        assertEq(credits.totalSupply(), expected, "credit supply != minted - burned");
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_ocxCreatedOnlyByRedemption() public view {
        assertEq(
            token.totalSupply(),
            initialOcxSupply + handler.ghostOcxMintedByRedemption() - handler.ghostOcxBurnedByMint(),
            "OCX supply moved other than by mint (burn) and redeem (mint)"
        );
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_roundingFavoursTheProtocol() public view {
        assertEq(handler.roundingViolations(), 0, "a conversion paid more than the exact value");
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_breakerNeverExceeded() public view {
        assertLe(
            credits.ocxMintedInEpoch(credits.currentEpoch()),
            credits.parameters().maxOcxMintedPerEpoch,
            "redemption minted more than the epoch's cap"
        );
    }
}
