// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IValidatorRegistry} from "../../src/interfaces/IValidatorRegistry.sol";
import {ValidatorRegistry} from "../../src/ValidatorRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice ValidatorRegistry: stake, unbonding, admission, and the bonds a holder of BOND_ROLE locks,
/// releases and forfeits.
contract ValidatorRegistryTest is Deployers {
    uint128 internal constant MIN_STAKE = 1_000 ether;
    uint64 internal constant DELAY = 7 days;
    uint256 internal constant STAKE = 5_000 ether;

    ValidatorRegistry internal validators;
    address internal validator = address(0x7A11D);
    address internal bondHolder = address(0xB0D);
    address internal accused = address(0xACC);

    function setUp() public override {
        super.setUp();
        validators = new ValidatorRegistry(
            IOcxToken(address(token)),
            admin,
            IValidatorRegistry.Parameters({minStake: MIN_STAKE, unbondingDelay: DELAY})
        );
        vm.startPrank(admin);
        validators.grantRole(validators.BOND_ROLE(), bondHolder);
        vm.stopPrank();
        vm.prank(treasury);
        require(token.transfer(validator, 100_000 ether), "transfer failed");
        vm.prank(validator);
        token.approve(address(validators), type(uint256).max);
        vm.prank(validator);
        validators.stake(STAKE);
    }

    function _lock(uint256 amount) internal {
        vm.prank(bondHolder);
        validators.lockBond(validator, amount);
    }

    function _admit() internal {
        vm.prank(admin);
        validators.admit(validator);
    }

    // ---------------------------------------------------------------- roles

    function test_constructor_grantsAdminRoles() public view {
        assertTrue(validators.hasRole(validators.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(validators.hasRole(validators.PARAMETER_ADMIN_ROLE(), admin));
        assertTrue(validators.hasRole(validators.VALIDATOR_ADMIN_ROLE(), admin));
        assertEq(validators.parameters().minStake, MIN_STAKE);
        assertEq(address(validators.token()), address(token));
    }

    function test_admit_makesActive() public {
        assertFalse(validators.isActive(validator));
        vm.expectEmit(true, false, false, true, address(validators));
        emit IValidatorRegistry.ValidatorAdmitted(validator);
        _admit();
        assertTrue(validators.isActive(validator));
        assertTrue(validators.getValidator(validator).admitted);
    }

    function test_admit_revertsForNonAdmin() public {
        bytes32 role = validators.VALIDATOR_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, validator, role)
        );
        vm.prank(validator);
        validators.admit(validator);
    }

    function test_admit_revertsTwice() public {
        _admit();
        vm.expectRevert(abi.encodeWithSelector(IValidatorRegistry.ValidatorAlreadyAdmitted.selector, validator));
        vm.prank(admin);
        validators.admit(validator);
    }

    function test_admit_revertsZeroAddress() public {
        vm.expectRevert(IValidatorRegistry.ValidatorZeroAddress.selector);
        vm.prank(admin);
        validators.admit(address(0));
    }

    function test_remove_endsActivity() public {
        _admit();
        vm.expectEmit(true, false, false, true, address(validators));
        emit IValidatorRegistry.ValidatorRemoved(validator);
        vm.prank(admin);
        validators.remove(validator);
        assertFalse(validators.isActive(validator));
        vm.expectRevert(abi.encodeWithSelector(IValidatorRegistry.ValidatorNotAdmitted.selector, validator));
        vm.prank(admin);
        validators.remove(validator);
    }

    function test_isActive_needsFreeStakeAtLeastMinStake() public {
        _admit();
        _lock(STAKE - MIN_STAKE);
        assertTrue(validators.isActive(validator), "exactly minStake free");
        _lock(1);
        assertFalse(validators.isActive(validator));
    }

    // ---------------------------------------------------------------- stake and unbonding

    function test_stake_pullsTokens() public {
        uint256 held = token.balanceOf(address(validators));
        vm.expectEmit(true, false, false, true, address(validators));
        emit IValidatorRegistry.ValidatorStaked(validator, 1 ether, STAKE + 1 ether);
        vm.prank(validator);
        validators.stake(1 ether);
        assertEq(token.balanceOf(address(validators)), held + 1 ether);
        assertEq(validators.getValidator(validator).stake, STAKE + 1 ether);
    }

    function test_stake_revertsZero() public {
        vm.expectRevert(IValidatorRegistry.ValidatorZeroAmount.selector);
        vm.prank(validator);
        validators.stake(0);
    }

    function test_unstake_waitsForDelay() public {
        vm.prank(validator);
        validators.requestUnstake(2_000 ether);
        IValidatorRegistry.Validator memory v = validators.getValidator(validator);
        assertEq(v.stake, STAKE - 2_000 ether);
        assertEq(v.unbonding, 2_000 ether);
        assertEq(v.readyAt, uint64(block.timestamp) + DELAY);

        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorRegistry.ValidatorUnbondingNotReady.selector, 2_000 ether, v.readyAt, uint64(block.timestamp)
            )
        );
        vm.prank(validator);
        validators.withdrawUnbonded();

        vm.warp(v.readyAt);
        uint256 before = token.balanceOf(validator);
        vm.prank(validator);
        assertEq(validators.withdrawUnbonded(), 2_000 ether);
        assertEq(token.balanceOf(validator), before + 2_000 ether);
        assertEq(validators.getValidator(validator).unbonding, 0);
    }

    function test_unstake_cannotTouchLockedBond() public {
        _lock(4_000 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorRegistry.ValidatorInsufficientFreeStake.selector, validator, 1_000 ether + 1, 1_000 ether
            )
        );
        vm.prank(validator);
        validators.requestUnstake(1_000 ether + 1);
        vm.prank(validator);
        validators.requestUnstake(1_000 ether);
        assertEq(validators.getValidator(validator).stake, 4_000 ether);
    }

    function test_unstake_revertsZero() public {
        vm.expectRevert(IValidatorRegistry.ValidatorZeroAmount.selector);
        vm.prank(validator);
        validators.requestUnstake(0);
    }

    // ---------------------------------------------------------------- bonds

    function test_lockBond_onlyBondRole() public {
        bytes32 role = validators.BOND_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        validators.lockBond(validator, 1 ether);
    }

    function test_lockBond_revertsBeyondFreeStake() public {
        _lock(STAKE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IValidatorRegistry.ValidatorInsufficientFreeStake.selector, validator, 2, 1)
        );
        _lock(2);
    }

    function test_lockBond_emitsAndCounts() public {
        vm.expectEmit(true, true, false, true, address(validators));
        emit IValidatorRegistry.BondLocked(validator, bondHolder, 100 ether, 100 ether);
        _lock(100 ether);
        assertEq(validators.getValidator(validator).locked, 100 ether);
    }

    function test_releaseBond_returnsToFreeStake() public {
        _lock(100 ether);
        vm.expectEmit(true, true, false, true, address(validators));
        emit IValidatorRegistry.BondReleased(validator, bondHolder, 100 ether, 0);
        vm.prank(bondHolder);
        validators.releaseBond(validator, 100 ether);
        IValidatorRegistry.Validator memory v = validators.getValidator(validator);
        assertEq(v.locked, 0);
        assertEq(v.stake, STAKE);
    }

    function test_releaseBond_revertsBeyondLocked() public {
        _lock(100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorRegistry.ValidatorBondExceedsLocked.selector, validator, 100 ether + 1, 100 ether
            )
        );
        vm.prank(bondHolder);
        validators.releaseBond(validator, 100 ether + 1);
    }

    function test_forfeitBond_paysRecipientFromStake() public {
        _lock(100 ether);
        uint256 held = token.balanceOf(address(validators));
        vm.expectEmit(true, false, true, true, address(validators));
        emit IValidatorRegistry.BondForfeited(validator, 100 ether, accused);
        vm.prank(bondHolder);
        validators.forfeitBond(validator, 100 ether, accused);
        IValidatorRegistry.Validator memory v = validators.getValidator(validator);
        assertEq(v.locked, 0);
        assertEq(v.stake, STAKE - 100 ether);
        assertEq(token.balanceOf(accused), 100 ether);
        assertEq(token.balanceOf(address(validators)), held - 100 ether);
    }

    function test_forfeitBond_revertsToZeroAddress() public {
        _lock(100 ether);
        vm.expectRevert(IValidatorRegistry.ValidatorZeroAddress.selector);
        vm.prank(bondHolder);
        validators.forfeitBond(validator, 100 ether, address(0));
    }

    function test_forfeitBond_revertsBeyondLocked() public {
        _lock(100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorRegistry.ValidatorBondExceedsLocked.selector, validator, 101 ether, 100 ether
            )
        );
        vm.prank(bondHolder);
        validators.forfeitBond(validator, 101 ether, accused);
    }

    // ---------------------------------------------------------------- parameters

    function test_setParameters_checksBounds() public {
        uint256 max = validators.MAX_MIN_STAKE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorRegistry.ValidatorParameterOutOfBounds.selector, bytes32("minStake"), max + 1, 0, max
            )
        );
        vm.prank(admin);
        validators.setParameters(IValidatorRegistry.Parameters({minStake: uint128(max + 1), unbondingDelay: DELAY}));

        vm.prank(admin);
        validators.setParameters(IValidatorRegistry.Parameters({minStake: 1 ether, unbondingDelay: 1 days}));
        assertEq(validators.parameters().unbondingDelay, 1 days);
    }

    function testFuzz_bonds_balanceEqualsStakePlusUnbonding(uint256 lock, uint256 forfeit, uint256 unstake) public {
        lock = bound(lock, 1, STAKE);
        forfeit = bound(forfeit, 0, lock);
        _lock(lock);
        vm.prank(bondHolder);
        validators.forfeitBond(validator, forfeit, accused);
        uint256 free = STAKE - lock;
        unstake = bound(unstake, 0, free);
        if (unstake > 0) {
            vm.prank(validator);
            validators.requestUnstake(unstake);
        }
        IValidatorRegistry.Validator memory v = validators.getValidator(validator);
        assertEq(token.balanceOf(address(validators)), uint256(v.stake) + v.unbonding, "held == stake + unbonding");
        assertEq(v.stake - v.locked, free - unstake, "free stake");
        assertEq(token.balanceOf(accused), forfeit);
    }
}
