// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Emissions} from "../../src/Emissions.sol";
import {IEmissions} from "../../src/interfaces/IEmissions.sol";
import {EmissionsDeployers} from "../utils/EmissionsDeployers.sol";

/// @notice Emissions over the real marketplace, registry and ProofOfCompute: verified paid seconds are counted
/// into the running epoch, claims are lazy, pro rata, rounded down, once, and nothing for a slashed epoch.
contract EmissionsTest is EmissionsDeployers {
    function test_recordWork_countsVerifiedPaidSeconds() public {
        _attestProvider();
        uint256 leaseId = _verifiedLease(provider, 100 ether);
        uint64 start = emissions.countedUntil(leaseId);
        assertEq(start, block.timestamp, "first sight starts at the acknowledgement");
        vm.warp(block.timestamp + 1_000);
        uint256 units = emissions.recordWork(leaseId);
        assertEq(units, 1_000, "1 GPU x 1,000 s");
        (uint256 epoch,,) = emissions.epochAt(block.timestamp);
        (uint256 mine,) = emissions.workOf(provider, epoch);
        assertEq(mine, 1_000);
        assertEq(emissions.getEpoch(epoch).units, 1_000);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EmissionsNothingToRecord.selector, leaseId, block.timestamp));
        emissions.recordWork(leaseId);
    }

    function test_recordWork_unverifiedCountsNothing() public {
        uint256 leaseId = _verifiedLease(provider, 100 ether);
        vm.warp(block.timestamp + 500);
        assertEq(emissions.recordWork(leaseId), 0);
        assertEq(emissions.countedUntil(leaseId), block.timestamp, "the seconds are spent, not kept for later");
    }

    function test_recordWork_unknownLeaseReverts() public {
        (, uint256 leaseId) = _activeLease(100 ether);
        // _activeLease is an H100 bundle: a GPU lease, counted (unverified) without revert.
        emissions.recordWork(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EmissionsLeaseNotStarted.selector, 999));
        emissions.recordWork(999);
    }

    function test_claim_unfinishedEpochRefusesWithItsEnd() public {
        _attestProvider();
        uint256 leaseId = _verifiedLease(provider, 100 ether);
        vm.warp(block.timestamp + 100);
        emissions.recordWork(leaseId);
        (uint256 epoch,, uint64 end) = emissions.epochAt(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EmissionsEpochNotFinished.selector, epoch, end));
        emissions.claim(provider, epoch);
    }

    function test_claim_paysTheWholeEmissionToTheOnlyVerifiedProviderOnce() public {
        _attestProvider();
        uint256 leaseId = _verifiedLease(provider, 100 ether);
        vm.warp(block.timestamp + 3_600);
        emissions.recordWork(leaseId);
        (uint256 epoch,, uint64 end) = emissions.epochAt(block.timestamp);
        vm.warp(end);
        uint256 before = token.balanceOf(provider);
        uint256 expected = emissions.emissionOf(epoch);
        assertEq(emissions.claimable(provider, epoch), expected);
        uint256 reward = emissions.claim(provider, epoch);
        assertEq(reward, expected);
        assertEq(token.balanceOf(provider) - before, expected, "minted to the provider");
        assertEq(emissions.totalClaimed(), expected);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EmissionsAlreadyClaimed.selector, provider, epoch));
        emissions.claim(provider, epoch);
    }

    function test_claim_sharesProRataRoundedDown() public {
        _attestProvider();
        uint256 a = _verifiedLease(provider, 100 ether);
        uint256 b = _verifiedLease(provider, 100 ether);
        uint256 c = _verifiedLease(provider2, 100 ether); // unverified: counts nothing
        vm.warp(block.timestamp + 777);
        emissions.recordWork(a);
        emissions.recordWork(b);
        emissions.recordWork(c);
        (uint256 epoch,, uint64 end) = emissions.epochAt(block.timestamp);
        assertEq(emissions.getEpoch(epoch).units, 2 * 777);
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EmissionsNoWork.selector, provider2, epoch));
        emissions.claim(provider2, epoch);
        assertEq(emissions.claim(provider, epoch), emissions.emissionOf(epoch));
    }

    function test_claim_slashedInTheEpochGetsNothing() public {
        _attestProvider();
        uint256 leaseId = _verifiedLease(provider, 100 ether);
        vm.warp(block.timestamp + 600);
        emissions.recordWork(leaseId);
        vm.prank(slasher);
        registry.slash(provider, 1 ether, "test", address(0), 0);
        (uint256 epoch,, uint64 end) = emissions.epochAt(block.timestamp);
        vm.warp(end);
        assertEq(emissions.claimable(provider, epoch), 0);
        uint256 before = token.totalSupply();
        vm.expectEmit(true, true, false, true, address(emissions));
        emit IEmissions.RewardClaimed(provider, epoch, 0, true);
        assertEq(emissions.claim(provider, epoch), 0);
        assertEq(token.totalSupply(), before, "nothing minted");
    }

    function test_recordWork_countsIntoTheRunningEpochOnly() public {
        _attestProvider();
        uint256 leaseId = _verifiedLease(provider, 1_000 ether);
        (uint256 first,, uint64 end) = emissions.epochAt(block.timestamp);
        vm.warp(end + 10);
        emissions.recordWork(leaseId);
        assertEq(emissions.getEpoch(first).units, 0, "a finished epoch never gains units");
        assertTrue(emissions.getEpoch(first + 1).units > 0, "counted into the running epoch");
    }

    function test_emissionOf_decaysByTheSchedule() public view {
        assertEq(emissions.emissionOf(0), E0);
        assertEq(emissions.emissionOf(1), uint256(E0) * 99 / 100);
        assertEq(emissions.emissionOf(2), uint256(E0) * 99 * 99 / 100 / 100);
        // (0.99)^365 = 0.025517964452291210…; by squaring, rounded down at each product: 1 wei under.
        assertEq(emissions.decayFactor(DECAY, 365), 25_517_964_452_291_209);
    }

    function test_setSchedule_appliesFromTheNextEpoch() public {
        (uint256 epoch,, uint64 end) = emissions.epochAt(block.timestamp);
        vm.prank(admin);
        emissions.setSchedule(2 days, 500 ether, 0);
        assertEq(emissions.emissionOf(epoch), E0, "the running epoch keeps its emission");
        assertEq(emissions.emissionOf(epoch + 1), 500 ether);
        (uint256 next, uint64 start, uint64 nextEnd) = emissions.epochAt(end);
        assertEq(next, epoch + 1);
        assertEq(start, end);
        assertEq(nextEnd, end + 2 days);
    }

    function test_setSchedule_boundsAndRole() public {
        vm.expectRevert();
        emissions.setSchedule(1 days, 1 ether, 0);
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IEmissions.EmissionsParameterOutOfBounds.selector, bytes32("decay"), 2e18, 0, 1e18)
        );
        emissions.setSchedule(1 days, 1 ether, 2e18);
    }

    function testFuzz_decayFactor_neverAboveOneAndFalls(uint64 decay, uint16 n) public view {
        decay = uint64(bound(decay, 0, 1e18));
        uint256 f = emissions.decayFactor(decay, n);
        assertLe(f, 1e18, "at most one");
        assertLe(emissions.decayFactor(decay, uint256(n) + 1), f, "never rises");
    }
}
