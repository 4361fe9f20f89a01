// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {OcxToken} from "../../src/OcxToken.sol";
import {Test} from "../utils/Test.sol";

contract OcxTokenTest is Test {
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    address internal admin = address(0xA11CE);
    address internal treasury = address(0x7EA5);
    address internal minter = address(0x3117);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0);
    address internal carol = address(0xC0);

    uint256 internal ownerKey = 0xA11CE5EC;
    address internal owner;
    /// @dev Stand-ins for the registry and the marketplace; the marketplace's has a key here only so that a test can
    /// show that even a valid `delegateBySig` from an escrow is refused.
    address internal registryEscrow = address(0xE5C1);
    uint256 internal marketEscrowKey = 0xE5C2;
    address internal marketEscrow;

    OcxToken internal token;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        marketEscrow = vm.addr(marketEscrowKey);
        token = new OcxToken(admin, treasury, INITIAL_SUPPLY, registryEscrow, marketEscrow);
        owner = vm.addr(ownerKey);
        bytes32 minterRole = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minterRole, minter);
    }

    // ---------------------------------------------------------------- deployment

    function test_constructor_mintsInitialSupplyToTreasury() public view {
        assertEq(token.totalSupply(), INITIAL_SUPPLY);
        assertEq(token.balanceOf(treasury), INITIAL_SUPPLY);
        assertEq(token.balanceOf(admin), 0);
    }

    function test_constructor_setsMetadata() public view {
        assertEq(token.name(), "Open Compute Exchange");
        assertEq(token.symbol(), "OCX");
        assertEq(token.decimals(), 18);
    }

    function test_constructor_grantsAdminRoleOnly() public view {
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
        assertFalse(token.hasRole(token.MINTER_ROLE(), admin));
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), treasury));
        assertEq(token.MINTER_ROLE(), keccak256("MINTER_ROLE"));
    }

    // ---------------------------------------------------------------- mint

    function test_mint_byMinterIncreasesBalanceAndSupply() public {
        vm.prank(minter);
        token.mint(alice, 500 ether);
        assertEq(token.balanceOf(alice), 500 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY + 500 ether);
    }

    function test_mint_emitsTransferFromZero() public {
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(0), alice, 1 ether);
        vm.prank(minter);
        token.mint(alice, 1 ether);
    }

    function test_mint_revertsForNonMinter() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        token.mint(alice, 1 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY);
    }

    function test_mint_revertsForAdminWithoutMinterRole() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        token.mint(admin, 1 ether);
    }

    function test_mint_revertsAfterMinterRoleRevoked() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.revokeRole(role, minter);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, minter, role));
        vm.prank(minter);
        token.mint(alice, 1 ether);
    }

    function test_grantRole_revertsForNonAdmin() public {
        bytes32 role = token.MINTER_ROLE();
        bytes32 adminRole = token.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, minter, adminRole)
        );
        vm.prank(minter);
        token.grantRole(role, alice);
        assertFalse(token.hasRole(role, alice));
    }

    // ---------------------------------------------------------------- burn

    function test_burn_reducesBalanceAndSupply() public {
        vm.prank(treasury);
        token.burn(100 ether);
        assertEq(token.balanceOf(treasury), INITIAL_SUPPLY - 100 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY - 100 ether);
    }

    function test_burn_revertsAboveBalance() public {
        vm.prank(treasury);
        require(token.transfer(alice, 10 ether), "transfer failed");
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 10 ether, 11 ether)
        );
        vm.prank(alice);
        token.burn(11 ether);
    }

    function test_burnFrom_spendsAllowance() public {
        vm.prank(treasury);
        token.approve(alice, 300 ether);
        vm.prank(alice);
        token.burnFrom(treasury, 100 ether);
        assertEq(token.balanceOf(treasury), INITIAL_SUPPLY - 100 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY - 100 ether);
        assertEq(token.allowance(treasury, alice), 200 ether);
    }

    function test_burnFrom_revertsWithoutAllowance() public {
        vm.prank(treasury);
        token.approve(alice, 50 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, alice, 50 ether, 51 ether)
        );
        vm.prank(alice);
        token.burnFrom(treasury, 51 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY);
    }

    // ---------------------------------------------------------------- permit

    function _permitDigest(address owner_, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner_, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function test_permit_setsAllowanceAndBumpsNonce() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, _permitDigest(owner, bob, 42 ether, 0, deadline));
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Approval(owner, bob, 42 ether);
        vm.prank(carol); // anyone may relay the signature
        token.permit(owner, bob, 42 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 42 ether);
        assertEq(token.nonces(owner), 1);
    }

    function test_permit_allowsTransferFrom() public {
        vm.prank(treasury);
        require(token.transfer(owner, 100 ether), "transfer failed");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, _permitDigest(owner, bob, 60 ether, 0, deadline));
        token.permit(owner, bob, 60 ether, deadline, v, r, s);
        vm.prank(bob);
        require(token.transferFrom(owner, carol, 60 ether), "transferFrom failed");
        assertEq(token.balanceOf(owner), 40 ether);
        assertEq(token.balanceOf(carol), 60 ether);
        assertEq(token.allowance(owner, bob), 0);
    }

    function test_permit_acceptsDeadlineEqualToNow() public {
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, _permitDigest(owner, bob, 1 ether, 0, deadline));
        token.permit(owner, bob, 1 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 1 ether);
    }

    function test_permit_revertsExpiredDeadline() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, _permitDigest(owner, bob, 1 ether, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(owner, bob, 1 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 0);
        assertEq(token.nonces(owner), 0);
    }

    function test_permit_revertsWrongSigner() public {
        uint256 otherKey = 0xBADBAD;
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(otherKey, _permitDigest(owner, bob, 1 ether, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, vm.addr(otherKey), owner));
        token.permit(owner, bob, 1 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 0);
    }

    function test_permit_revertsOnReplay() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(owner, bob, 1 ether, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, digest);
        token.permit(owner, bob, 1 ether, deadline, v, r, s);
        // The nonce is now 1, so the same signature recovers to a different address.
        vm.expectRevert();
        token.permit(owner, bob, 1 ether, deadline, v, r, s);
        assertEq(token.nonces(owner), 1);
    }

    function test_permit_revertsTamperedValue() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, _permitDigest(owner, bob, 1 ether, 0, deadline));
        vm.expectRevert();
        token.permit(owner, bob, 2 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 0);
    }

    // ---------------------------------------------------------------- votes

    function test_getVotes_zeroUntilDelegated() public view {
        assertEq(token.getVotes(treasury), 0);
        assertEq(token.delegates(treasury), address(0));
    }

    function test_delegate_selfGivesVotingPower() public {
        vm.prank(treasury);
        token.delegate(treasury);
        assertEq(token.delegates(treasury), treasury);
        assertEq(token.getVotes(treasury), INITIAL_SUPPLY);
    }

    function test_delegate_toOtherMovesVotingPower() public {
        vm.prank(treasury);
        require(token.transfer(alice, 1_000 ether), "transfer failed");
        vm.prank(alice);
        token.delegate(bob);
        assertEq(token.getVotes(bob), 1_000 ether);
        assertEq(token.getVotes(alice), 0);

        vm.prank(alice);
        token.delegate(carol);
        assertEq(token.getVotes(bob), 0);
        assertEq(token.getVotes(carol), 1_000 ether);
    }

    function test_getVotes_followsTransfers() public {
        vm.prank(treasury);
        require(token.transfer(alice, 1_000 ether), "transfer failed");
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(bob);

        vm.prank(alice);
        require(token.transfer(bob, 400 ether), "transfer failed");
        assertEq(token.getVotes(alice), 600 ether);
        assertEq(token.getVotes(bob), 400 ether);

        // A recipient that has not delegated gains no votes.
        vm.prank(alice);
        require(token.transfer(carol, 100 ether), "transfer failed");
        assertEq(token.getVotes(alice), 500 ether);
        assertEq(token.getVotes(carol), 0);
    }

    function test_getVotes_followsMintAndBurn() public {
        uint256 deployedAt = block.number;
        vm.roll(deployedAt + 1);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(minter);
        token.mint(alice, 70 ether);
        assertEq(token.getVotes(alice), 70 ether);
        vm.prank(alice);
        token.burn(20 ether);
        assertEq(token.getVotes(alice), 50 ether);
        vm.roll(deployedAt + 2);
        assertEq(token.getPastTotalSupply(deployedAt), INITIAL_SUPPLY);
        assertEq(token.getPastTotalSupply(deployedAt + 1), INITIAL_SUPPLY + 50 ether);
    }

    function test_getPastVotes_checkpointsByBlock() public {
        vm.prank(treasury);
        require(token.transfer(alice, 1_000 ether), "transfer failed");
        vm.prank(alice);
        token.delegate(alice);
        uint256 delegatedAt = block.number;

        vm.roll(delegatedAt + 10);
        vm.prank(alice);
        require(token.transfer(bob, 300 ether), "transfer failed");
        vm.roll(delegatedAt + 20);

        assertEq(token.getPastVotes(alice, delegatedAt - 1), 0);
        assertEq(token.getPastVotes(alice, delegatedAt), 1_000 ether);
        assertEq(token.getPastVotes(alice, delegatedAt + 9), 1_000 ether);
        assertEq(token.getPastVotes(alice, delegatedAt + 10), 700 ether);
        assertEq(token.getVotes(alice), 700 ether);
    }

    // ---------------------------------------------------------------- escrows never vote

    bytes32 internal constant DELEGATION_TYPEHASH =
        keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)");

    function test_constructor_recordsEscrows() public view {
        assertEq(token.registryEscrow(), registryEscrow);
        assertEq(token.marketplaceEscrow(), marketEscrow);
    }

    function test_delegate_revertsForEscrows() public {
        vm.prank(marketEscrow);
        vm.expectRevert(abi.encodeWithSelector(OcxToken.OcxTokenEscrowCannotDelegate.selector, marketEscrow));
        token.delegate(marketEscrow);
        vm.prank(registryEscrow);
        vm.expectRevert(abi.encodeWithSelector(OcxToken.OcxTokenEscrowCannotDelegate.selector, registryEscrow));
        token.delegate(alice);
        assertEq(token.delegates(marketEscrow), address(0));
        assertEq(token.delegates(registryEscrow), address(0));
    }

    function test_delegateBySig_revertsForEscrows() public {
        bytes32 structHash = keccak256(abi.encode(DELEGATION_TYPEHASH, alice, uint256(0), block.timestamp + 1));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(marketEscrowKey, digest);
        vm.expectRevert(abi.encodeWithSelector(OcxToken.OcxTokenEscrowCannotDelegate.selector, marketEscrow));
        token.delegateBySig(alice, 0, block.timestamp + 1, v, r, s);
        assertEq(token.getVotes(alice), 0);
    }

    /// @dev Tokens escrowed and paid back keep every holder's votes exact; the escrows hold none.
    function test_getVotes_exactThroughEscrows() public {
        vm.startPrank(treasury);
        require(token.transfer(alice, 1_000 ether), "transfer failed");
        require(token.transfer(bob, 1_000 ether), "transfer failed");
        vm.stopPrank();
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(carol);

        vm.prank(alice);
        require(token.transfer(marketEscrow, 400 ether), "transfer failed");
        vm.prank(bob);
        require(token.transfer(registryEscrow, 250 ether), "transfer failed");
        assertEq(token.getVotes(alice), 600 ether);
        assertEq(token.getVotes(carol), 750 ether);

        // The marketplace pays bob (whose votes go to carol) and refunds alice; the registry returns bob's stake.
        vm.startPrank(marketEscrow);
        require(token.transfer(bob, 100 ether), "transfer failed");
        require(token.transfer(alice, 300 ether), "transfer failed");
        vm.stopPrank();
        vm.prank(registryEscrow);
        require(token.transfer(bob, 250 ether), "transfer failed");

        assertEq(token.getVotes(alice), 900 ether);
        assertEq(token.getVotes(carol), 1_100 ether);
        assertEq(token.getVotes(marketEscrow), 0);
        assertEq(token.getVotes(registryEscrow), 0);
        assertEq(token.balanceOf(marketEscrow), 0);
    }

    /// @dev The point of the escrows' fixed delegate: a transfer into one skips the recipient's delegate read (a cold
    /// slot). Two transfers alike in every other way (the token's slots cold, the recipient's balance nonzero).
    function test_transfer_toEscrowSkipsTheDelegateRead() public {
        vm.startPrank(treasury);
        require(token.transfer(alice, 10 ether), "transfer failed");
        require(token.transfer(bob, 10 ether), "transfer failed");
        require(token.transfer(carol, 1 ether), "transfer failed");
        require(token.transfer(marketEscrow, 1 ether), "transfer failed");
        vm.stopPrank();

        vm.cool(address(token));
        vm.prank(alice);
        uint256 before = gasleft();
        require(token.transfer(carol, 1 ether), "transfer failed");
        uint256 toHolder = before - gasleft();
        vm.cool(address(token));
        vm.prank(bob);
        before = gasleft();
        require(token.transfer(marketEscrow, 1 ether), "transfer failed");
        uint256 toEscrow = before - gasleft();
        assertGe(toHolder, toEscrow + 2_000, "a transfer into an escrow reads no delegate");
    }
}
