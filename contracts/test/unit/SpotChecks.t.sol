// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {ISpotChecks} from "../../src/interfaces/ISpotChecks.sol";
import {IValidatorRegistry} from "../../src/interfaces/IValidatorRegistry.sol";
import {ISpotCheckSlasher, ISpotCheckValidators, SpotChecks} from "../../src/SpotChecks.sol";
import {ValidatorRegistry} from "../../src/ValidatorRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice The spot-check deployment: the shared market plus a validator registry with five staked validators
/// and SpotChecks holding BOND_ROLE and SLASHER_ROLE.
abstract contract SpotChecksBase is Deployers {
    uint128 internal constant BOND = 50 ether;
    uint128 internal constant CHECK_SLASH = 1_000 ether;
    uint16 internal constant REWARD_BPS = 5_000;
    uint128 internal constant VALIDATOR_STAKE = 1_000 ether;
    bytes32 internal constant RESULT = keccak256("honest result");
    bytes32 internal constant WRONG = keccak256("wrong result");

    ValidatorRegistry internal validatorRegistry;
    SpotChecks internal checks;
    address[5] internal vals = [address(0xA1), address(0xA2), address(0xA3), address(0xA4), address(0xA5)];

    function setUp() public virtual override {
        super.setUp();
        validatorRegistry = new ValidatorRegistry(
            IOcxToken(address(token)),
            admin,
            IValidatorRegistry.Parameters({minStake: 100 ether, unbondingDelay: 7 days})
        );
        checks = new SpotChecks(
            IMarketplace(address(market)),
            ISpotCheckValidators(address(validatorRegistry)),
            ISpotCheckSlasher(address(registry)),
            IOcxToken(address(token)),
            admin,
            _defaults()
        );
        vm.startPrank(admin);
        validatorRegistry.grantRole(validatorRegistry.BOND_ROLE(), address(checks));
        registry.grantRole(registry.SLASHER_ROLE(), address(checks));
        vm.stopPrank();
        for (uint256 i; i < vals.length; ++i) {
            _fund(vals[i], VALIDATOR_STAKE);
            vm.startPrank(vals[i]);
            token.approve(address(validatorRegistry), type(uint256).max);
            validatorRegistry.stake(VALIDATOR_STAKE);
            vm.stopPrank();
            vm.prank(admin);
            validatorRegistry.admit(vals[i]);
        }
    }

    function _defaults() internal pure returns (ISpotChecks.Parameters memory) {
        return ISpotChecks.Parameters({
            bond: BOND,
            slashAmount: CHECK_SLASH,
            rewardBps: REWARD_BPS,
            quorum: 1,
            escalatedQuorum: 3,
            submitWindow: 1 hours,
            openWindow: 1 days,
            replicationThreshold: 10,
            minRatePpm: 20_000
        });
    }

    /// @dev A lease of `provider` completed with `result`.
    function _completedLease(bytes32 result) internal returns (uint256 leaseId) {
        (, leaseId) = _activeLease(100 ether);
        vm.warp(block.timestamp + 600);
        vm.prank(provider);
        market.complete(leaseId, result, 0, uint64(block.timestamp));
    }

    function _open(uint256 leaseId, address opener) internal returns (uint256 checkId) {
        vm.prank(opener);
        checkId = checks.open(leaseId, RESULT);
        vm.roll(block.number + 1);
    }

    function _submit(uint256 checkId, address validator, bytes32 hash) internal {
        vm.prank(validator);
        checks.submit(checkId, hash);
    }

    function _locked(address validator) internal view returns (uint256) {
        return validatorRegistry.getValidator(validator).locked;
    }

    function _stake(address validator) internal view returns (uint256) {
        return validatorRegistry.getValidator(validator).stake;
    }
}

contract SpotChecksTest is SpotChecksBase {
    function test_open_locksTheOpenersBondAndRecordsTheQuote() public {
        uint256 leaseId = _completedLease(RESULT);
        uint256 checkId = _open(leaseId, vals[0]);
        ISpotChecks.Check memory c = checks.getCheck(checkId);
        assertEq(c.leaseId, leaseId);
        assertEq(c.provider, provider);
        assertEq(c.resultHash, RESULT);
        assertEq(uint256(c.ratePpm), 1_000_000, "a new provider is always checked");
        assertTrue(c.selected, "full rate selects without waiting for the seed");
        assertEq(_locked(vals[0]), BOND);
        assertEq(checks.checkOfLease(leaseId), checkId);
    }

    function test_open_revertsForALeaseNotClosed() public {
        (, uint256 leaseId) = _activeLease(100 ether);
        vm.prank(vals[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISpotChecks.SpotChecksLeaseNotClosed.selector, leaseId, uint8(IMarketplace.LeaseState.Active)
            )
        );
        checks.open(leaseId, RESULT);
    }

    function test_open_revertsForNonValidators() public {
        uint256 leaseId = _completedLease(RESULT);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(ISpotChecks.SpotChecksNotActiveValidator.selector, buyer));
        checks.open(leaseId, RESULT);
    }

    function test_open_revertsTwiceForOneLease() public {
        uint256 leaseId = _completedLease(RESULT);
        uint256 checkId = _open(leaseId, vals[0]);
        vm.prank(vals[1]);
        vm.expectRevert(abi.encodeWithSelector(ISpotChecks.SpotChecksAlreadyChecked.selector, leaseId, checkId));
        checks.open(leaseId, RESULT);
    }

    function test_open_revertsAfterTheOpenWindow() public {
        uint256 leaseId = _completedLease(RESULT);
        uint256 closedAt = block.timestamp;
        vm.warp(closedAt + 1 days + 1);
        vm.prank(vals[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ISpotChecks.SpotChecksLeaseTooOld.selector, leaseId, closedAt, closedAt + 1 days)
        );
        checks.open(leaseId, RESULT);
    }

    function test_finalize_validWithOneAgreeingReexecution() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        _submit(checkId, vals[1], RESULT);
        assertEq(uint8(checks.finalize(checkId)), uint8(ISpotChecks.CheckState.Valid));
        assertEq(checks.recordOf(provider).consecutiveValid, 1);
        assertEq(_locked(vals[0]) + _locked(vals[1]), 0, "bonds released");
    }

    function test_finalize_revertsBeforeQuorumOrDeadline() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        uint64 deadline = checks.getCheck(checkId).deadline;
        vm.expectRevert(abi.encodeWithSelector(ISpotChecks.SpotChecksNotReady.selector, checkId, 0, 1, deadline));
        checks.finalize(checkId);
    }

    function test_submit_mismatchEscalatesToThree() public {
        uint256 checkId = _open(_completedLease(WRONG), vals[0]);
        // The opener quotes what the provider recorded.
        assertEq(checks.getCheck(checkId).resultHash, RESULT);
        _submit(checkId, vals[1], WRONG);
        ISpotChecks.Check memory c = checks.getCheck(checkId);
        assertEq(uint256(c.quorum), 3);
        assertEq(uint256(c.deadline), block.timestamp + 1 hours);
    }

    function test_finalize_invalidSlashesAndPaysTheMajority() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        uint256 supplyBefore = token.totalSupply();
        uint256 providerStake = registry.getProvider(provider).stake;
        _submit(checkId, vals[1], WRONG);
        _submit(checkId, vals[2], WRONG);
        _submit(checkId, vals[3], RESULT); // the minority: its bond goes to vals[1] and vals[2]
        assertEq(uint8(checks.finalize(checkId)), uint8(ISpotChecks.CheckState.Invalid));

        assertEq(registry.getProvider(provider).stake, providerStake - CHECK_SLASH, "provider slashed");
        uint256 reward = uint256(CHECK_SLASH) * REWARD_BPS / 10_000;
        // vals[1] first winner: half the reward (exact here) + half the loser's bond.
        assertEq(token.balanceOf(vals[1]), reward / 2 + BOND / 2);
        assertEq(token.balanceOf(vals[2]), reward / 2 + BOND / 2);
        assertEq(_stake(vals[3]), VALIDATOR_STAKE - BOND, "minority bond forfeited");
        assertEq(_locked(vals[0]) + _locked(vals[1]) + _locked(vals[2]) + _locked(vals[3]), 0);
        assertEq(token.balanceOf(address(checks)), 0, "spot checks keep no token");
        // The sink (0) burned the rest of the slash.
        assertEq(supplyBefore - token.totalSupply(), CHECK_SLASH - reward);
        assertEq(checks.recordOf(provider).invalid, 1);
        assertEq(checks.recordOf(provider).consecutiveValid, 0);
    }

    function test_finalize_escalatedMajorityForTheProviderIsValid() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        _submit(checkId, vals[1], WRONG); // a false accusation
        _submit(checkId, vals[2], RESULT);
        _submit(checkId, vals[3], RESULT);
        uint256 providerStake = registry.getProvider(provider).stake;
        assertEq(uint8(checks.finalize(checkId)), uint8(ISpotChecks.CheckState.Valid));
        assertEq(registry.getProvider(provider).stake, providerStake, "not slashed");
        assertEq(_stake(vals[1]), VALIDATOR_STAKE - BOND, "the false accuser lost its bond");
        assertEq(token.balanceOf(vals[2]) + token.balanceOf(vals[3]), BOND);
    }

    function test_finalize_inconclusiveAtTheDeadlineReleasesEveryone() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        _submit(checkId, vals[1], WRONG);
        _submit(checkId, vals[2], RESULT);
        vm.warp(block.timestamp + 1 hours + 1);
        assertEq(uint8(checks.finalize(checkId)), uint8(ISpotChecks.CheckState.Inconclusive));
        assertEq(_locked(vals[1]) + _locked(vals[2]) + _locked(vals[0]), 0);
        assertEq(_stake(vals[1]), VALIDATOR_STAKE);
    }

    function test_finalize_misquoteForfeitsTheOpenersBondToTheProvider() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        bytes32 wrongQuote = checks.QUOTE_WRONG();
        _submit(checkId, vals[1], wrongQuote);
        _submit(checkId, vals[2], wrongQuote);
        vm.warp(block.timestamp + 1 hours + 1);
        uint256 before = token.balanceOf(provider);
        assertEq(uint8(checks.finalize(checkId)), uint8(ISpotChecks.CheckState.Misquoted));
        assertEq(token.balanceOf(provider) - before, BOND);
        assertEq(_stake(vals[0]), VALIDATOR_STAKE - BOND);
    }

    function test_submit_revertsTwiceAndWhenFull() public {
        uint256 checkId = _open(_completedLease(RESULT), vals[0]);
        _submit(checkId, vals[1], RESULT);
        vm.prank(vals[1]);
        vm.expectRevert(abi.encodeWithSelector(ISpotChecks.SpotChecksAlreadySubmitted.selector, checkId, vals[1]));
        checks.submit(checkId, RESULT);
        vm.prank(vals[2]);
        vm.expectRevert(abi.encodeWithSelector(ISpotChecks.SpotChecksQuorumFull.selector, checkId, 1));
        checks.submit(checkId, RESULT);
    }

    function test_rateOf_followsAdaptiveReplication() public {
        for (uint256 i; i < 12; ++i) {
            uint256 leaseId = _completedLease(RESULT);
            vm.prank(vals[0]);
            uint256 checkId = checks.open(leaseId, RESULT);
            vm.roll(block.number + 1);
            if (checks.fixSelection(checkId)) {
                _submit(checkId, vals[1], RESULT);
                checks.finalize(checkId);
            }
            uint32 c = checks.recordOf(provider).consecutiveValid;
            uint256 expected = c < 10 ? 1_000_000 : 1_000_000 / c;
            assertEq(uint256(checks.rateOf(provider)), expected < 20_000 ? 20_000 : expected);
        }
        assertGe(checks.recordOf(provider).consecutiveValid, 10, "ten valid checks at the full rate");
        assertEq(uint256(checks.rateOf(provider)), 1_000_000 / checks.recordOf(provider).consecutiveValid);
    }

    function test_isSelected_matchesTheStatedFormula() public view {
        bytes32 seed = keccak256("block");
        uint256 draw = uint256(sha256(abi.encodePacked(seed, uint256(7)))) % 1_000_000;
        assertTrue(checks.isSelected(seed, 7, uint32(draw + 1)));
        assertFalse(checks.isSelected(seed, 7, uint32(draw)));
    }

    function test_setParameters_rejectsAQuorumAboveTheEscalation() public {
        ISpotChecks.Parameters memory p = _defaults();
        p.quorum = 5;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISpotChecks.SpotChecksParameterOutOfBounds.selector, bytes32("escalatedQuorum"), 3, 5, 15
            )
        );
        checks.setParameters(p);
    }
}
