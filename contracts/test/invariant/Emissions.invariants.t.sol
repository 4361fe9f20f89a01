// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofOfCompute} from "../../src/interfaces/IProofOfCompute.sol";
import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {EmissionsDeployers} from "../utils/EmissionsDeployers.sol";
import {AttestationBook, EmissionsHandler} from "./handlers/EmissionsHandler.sol";

/// @notice Emissions' invariants under random leases, recordings, attestations, slashes, schedule changes and
/// claims (EmissionsHandler): no epoch pays more than its emission, no (provider, epoch) is paid twice, and the
/// token's supply moves only by claims (minted) and slashes (burned).
contract EmissionsInvariants is EmissionsDeployers {
    EmissionsHandler internal handler;
    AttestationBook internal book;
    uint256 internal initialSupply;

    function setUp() public override {
        super.setUp();
        book = new AttestationBook();
        emissions = _deployEmissions(IProofOfCompute(address(book)));
        address[] memory actors = new address[](4);
        actors[0] = provider;
        actors[1] = provider2;
        actors[2] = address(0xD0E);
        actors[3] = address(0xD0F);
        _fund(actors[2], 1_000_000 ether);
        _fund(actors[3], 1_000_000 ether);
        _registerAndStake(actors[2], 10_000 ether);
        _registerAndStake(actors[3], 10_000 ether);
        uint256[] memory offers = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            IMarketplace.Resources memory bundle = _cpuBundle();
            bundle.gpuCount = uint16(1 + i);
            vm.prank(actors[i]);
            offers[i] = market.postOffer(bundle, PRICE, 16, 60, 30 days);
            book.set(actors[i], true);
        }
        handler = new EmissionsHandler(emissions, market, registry, book, buyer, slasher, admin, actors, offers);
        initialSupply = token.totalSupply();
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_noEpochPaysMoreThanItsEmission() public view {
        uint256 last = handler.maxEpoch();
        for (uint256 e; e <= last; ++e) {
            assertLe(handler.claimedIn(e), emissions.getEpoch(e).emission, "an epoch paid more than it emits");
        }
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_noDoubleClaim() public view {
        assertTrue(!handler.doubleClaim(), "a provider was paid twice for one epoch");
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_supplyMovesOnlyByClaimsAndSlashes() public view {
        assertEq(handler.ghostClaimed(), emissions.totalClaimed(), "claims seen = claims counted");
        assertEq(token.totalSupply(), initialSupply + emissions.totalClaimed() - handler.ghostSlashed(), "supply");
    }
}
