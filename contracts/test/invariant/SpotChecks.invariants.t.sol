// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISpotChecks} from "../../src/interfaces/ISpotChecks.sol";
import {SpotChecksBase} from "../unit/SpotChecks.t.sol";
import {SpotChecksHandler} from "./handlers/SpotChecksHandler.sol";

/// @notice Money invariants of spot checks under random sequences of leases, openings, votes and finalizations:
/// SpotChecks never keeps a token, the validator registry holds exactly its validators' stake and unbonding,
/// the bonds locked are exactly those of open checks, and no token is created or lost.
/// forge-config: default.invariant.fail-on-revert = true
contract SpotChecksInvariants is SpotChecksBase {
    SpotChecksHandler internal handler;
    address[] internal valList;
    address[] internal holders;
    uint256 internal initialHeld;
    uint256 internal initialSupply;

    function setUp() public override {
        super.setUp();
        // One offer with room for many leases at a time; the provider's stake covers a few slashes.
        vm.prank(provider);
        uint256 offerId = market.postOffer(_h100(1), PRICE, 1, 60, 30 days);
        for (uint256 i; i < vals.length; ++i) {
            valList.push(vals[i]);
        }
        handler = new SpotChecksHandler(market, checks, validatorRegistry, provider, buyer, offerId, valList);
        targetContract(address(handler));
        holders = [
            provider, provider2, buyer, address(registry), address(market), address(validatorRegistry), address(checks)
        ];
        for (uint256 i; i < vals.length; ++i) {
            holders.push(vals[i]);
        }
        initialHeld = _held();
        initialSupply = token.totalSupply();
    }

    function _held() internal view returns (uint256 sum) {
        for (uint256 i; i < holders.length; ++i) {
            sum += token.balanceOf(holders[i]);
        }
    }

    function invariant_spotChecksKeepNoToken() public view {
        assertEq(token.balanceOf(address(checks)), 0, "SpotChecks holds tokens");
    }

    function invariant_validatorRegistryHoldsItsStake() public view {
        uint256 sum;
        for (uint256 i; i < vals.length; ++i) {
            sum += _stake(vals[i]) + validatorRegistry.getValidator(vals[i]).unbonding;
        }
        assertEq(token.balanceOf(address(validatorRegistry)), sum, "registry balance != stake + unbonding");
    }

    function invariant_lockedBondsAreThoseOfOpenChecks() public view {
        uint256 expected;
        for (uint256 id = 1; id <= checks.checkCount(); ++id) {
            ISpotChecks.Check memory c = checks.getCheck(id);
            if (c.state == ISpotChecks.CheckState.Open) expected += BOND * (1 + uint256(c.submitted));
        }
        uint256 locked;
        for (uint256 i; i < vals.length; ++i) {
            locked += _locked(vals[i]);
        }
        assertEq(locked, expected, "locked bonds != open checks' bonds");
    }

    function invariant_noTokenCreatedOrLost() public view {
        // Tokens only move among these holders, or are burned (slashes and fees with a zero sink).
        assertEq(_held() + (initialSupply - token.totalSupply()), initialHeld, "tokens created or lost");
    }
}
