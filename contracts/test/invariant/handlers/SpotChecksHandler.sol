// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Marketplace} from "../../../src/Marketplace.sol";
import {ISpotChecks} from "../../../src/interfaces/ISpotChecks.sol";
import {SpotChecks} from "../../../src/SpotChecks.sol";
import {ValidatorRegistry} from "../../../src/ValidatorRegistry.sol";
import {Test} from "../../utils/Test.sol";

/// @notice Drives spot checks with five validators: leases completed by the provider with an honest or a wrong
/// result, checks opened with a right or a wrong quote, votes of every kind, finalization and time. Skips every
/// call the contracts may rightly refuse, so a revert is a bug.
contract SpotChecksHandler is Test {
    bytes32 internal constant RESULT = keccak256("honest result");
    bytes32 internal constant WRONG = keccak256("wrong result");

    Marketplace internal immutable market;
    SpotChecks internal immutable checks;
    ValidatorRegistry internal immutable validators;
    address internal immutable provider;
    address internal immutable buyer;
    uint256 internal immutable offerId;
    address[] internal vals;

    uint256[] public leases; // completed leases not yet checked
    uint256[] public checkIds;
    mapping(uint256 leaseId => bytes32) internal resultOf;

    constructor(
        Marketplace market_,
        SpotChecks checks_,
        ValidatorRegistry validators_,
        address provider_,
        address buyer_,
        uint256 offerId_,
        address[] memory vals_
    ) {
        market = market_;
        checks = checks_;
        validators = validators_;
        provider = provider_;
        buyer = buyer_;
        offerId = offerId_;
        vals = vals_;
    }

    function checkCount() external view returns (uint256) {
        return checkIds.length;
    }

    function completeLease(bool honest) external {
        vm.prank(buyer);
        uint256 leaseId;
        // A provider slashed below its commitments is jailed: its offer can no longer be taken.
        try market.takeOffer(offerId, 1e15, keccak256("manifest"), 1 ether) returns (uint256 id) {
            leaseId = id;
        } catch {
            return;
        }
        vm.prank(provider);
        market.acknowledge(leaseId);
        vm.warp(block.timestamp + 60);
        bytes32 result = honest ? RESULT : WRONG;
        vm.prank(provider);
        market.complete(leaseId, result, 0, uint64(block.timestamp));
        resultOf[leaseId] = result;
        leases.push(leaseId);
    }

    function open(uint256 leaseSeed, uint256 openerSeed, bool rightQuote) external {
        if (leases.length == 0) return;
        uint256 i = leaseSeed % leases.length;
        uint256 leaseId = leases[i];
        leases[i] = leases[leases.length - 1];
        leases.pop();
        address opener = vals[openerSeed % vals.length];
        ISpotChecks.Parameters memory p = checks.parameters();
        if (!validators.isActive(opener) || _free(opener) < p.bond) return;
        if (block.timestamp > market.getLease(leaseId).settledAt + p.openWindow) return;
        vm.prank(opener);
        checkIds.push(checks.open(leaseId, rightQuote ? resultOf[leaseId] : keccak256("misquote")));
        vm.roll(block.number + 1);
    }

    function submit(uint256 checkSeed, uint256 validatorSeed, uint8 voteKind) external {
        if (checkIds.length == 0) return;
        uint256 checkId = checkIds[checkSeed % checkIds.length];
        ISpotChecks.Check memory c = checks.getCheck(checkId);
        address v = vals[validatorSeed % vals.length];
        ISpotChecks.Parameters memory p = checks.parameters();
        if (c.state != ISpotChecks.CheckState.Open || block.timestamp > c.deadline) return;
        if (checks.voteOf(checkId, v) != bytes32(0) || c.submitted >= c.quorum) return;
        if (!validators.isActive(v) || _free(v) < p.bond) return;
        bytes32 truth = resultOf[c.leaseId];
        bytes32 vote =
            voteKind % 3 == 0 ? truth : voteKind % 3 == 1 ? keccak256(abi.encode(voteKind)) : checks.QUOTE_WRONG();
        vm.prank(v);
        checks.submit(checkId, vote);
    }

    function finalize(uint256 checkSeed) external {
        if (checkIds.length == 0) return;
        uint256 checkId = checkIds[checkSeed % checkIds.length];
        ISpotChecks.Check memory c = checks.getCheck(checkId);
        if (c.state != ISpotChecks.CheckState.Open) return;
        if (c.selected && c.submitted < c.quorum && block.timestamp <= c.deadline) return;
        checks.finalize(checkId);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 hours));
        vm.roll(block.number + 1);
    }

    function _free(address v) internal view returns (uint256) {
        ValidatorRegistry.Validator memory r = validators.getValidator(v);
        return r.stake - r.locked;
    }
}
