// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPaymentChannels} from "../../src/interfaces/IPaymentChannels.sol";
import {PaymentChannels} from "../../src/PaymentChannels.sol";
import {PaymentChannelsDeployers} from "../utils/PaymentChannelsDeployers.sol";

/// @notice The one cheatcode these tests use that the shared Vm interface lacks.
interface ChainIdCheat {
    function chainId(uint256 newChainId) external;
}

contract PaymentChannelsTest is PaymentChannelsDeployers {
    event Deposited(address indexed payer, address indexed payee, uint256 amount, uint256 balance);
    event Redeemed(address indexed payer, address indexed payee, uint256 amount, uint256 cumulative);
    event UnlockRequested(address indexed payer, address indexed payee, uint256 unlockAt);
    event UnlockCancelled(address indexed payer, address indexed payee);
    event Withdrawn(address indexed payer, address indexed payee, uint256 amount);

    function _deposit(address from, address to, uint256 amount) internal {
        vm.prank(from);
        channels.deposit(to, amount);
    }

    function _redeem(IPaymentChannels.Voucher memory v, bytes memory sig, uint256 amount) internal returns (uint256) {
        vm.prank(v.payee);
        return channels.redeem(v, sig, amount);
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_boundsTheUnlockDelay() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsUnlockDelayOutOfBounds.selector, 59, 60, 30 days)
        );
        new PaymentChannels(IERC20(address(token)), 59);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.PaymentChannelsUnlockDelayOutOfBounds.selector, 30 days + 1, 60, 30 days
            )
        );
        new PaymentChannels(IERC20(address(token)), 30 days + 1);
        assertEq(channels.unlockDelay(), UNLOCK_DELAY);
        assertEq(channels.token(), address(token));
    }

    // ---------------------------------------------------------------- deposit

    function test_deposit_pullsTokensAndEmits() public {
        uint256 before = token.balanceOf(payer);
        vm.expectEmit(true, true, true, true, address(channels));
        emit Deposited(payer, payee, 100 ether, 100 ether);
        _deposit(payer, payee, 100 ether);
        vm.expectEmit(true, true, true, true, address(channels));
        emit Deposited(payer, payee, 5 ether, 105 ether);
        _deposit(payer, payee, 5 ether);
        assertEq(token.balanceOf(payer), before - 105 ether);
        assertEq(token.balanceOf(address(channels)), 105 ether);
        IPaymentChannels.Channel memory c = channels.channel(payer, payee);
        assertEq(c.balance, 105 ether);
        assertEq(c.redeemed, 0);
        assertEq(c.unlockAt, 0);
    }

    function test_deposit_refusesZeroAndBadPayees() public {
        vm.expectRevert(IPaymentChannels.PaymentChannelsZeroAmount.selector);
        _deposit(payer, payee, 0);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidPayee.selector, address(0)));
        _deposit(payer, address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidPayee.selector, payer));
        _deposit(payer, payer, 1);
    }

    // ---------------------------------------------------------------- redeem

    function test_redeem_exactVoucher() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        vm.expectEmit(true, true, true, true, address(channels));
        emit Redeemed(payer, payee, 30 ether, 30 ether);
        assertEq(_redeem(v, sig, 30 ether), 30 ether);
        assertEq(token.balanceOf(payee), 30 ether);
        IPaymentChannels.Channel memory c = channels.channel(payer, payee);
        assertEq(c.balance, 70 ether);
        assertEq(c.redeemed, 30 ether);
    }

    function test_redeem_owedBelowCumulative_thenTheRestWithTheSameVoucher() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        assertEq(_redeem(v, sig, 12 ether), 12 ether);
        vm.expectEmit(true, true, true, true, address(channels));
        emit Redeemed(payer, payee, 18 ether, 30 ether);
        assertEq(_redeem(v, sig, 30 ether), 18 ether);
        assertEq(token.balanceOf(payee), 30 ether);
        assertEq(channels.channel(payer, payee).balance, 70 ether);
    }

    function test_redeem_replayRefused() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        _redeem(v, sig, 30 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsAlreadyRedeemed.selector, 30 ether, 30 ether)
        );
        _redeem(v, sig, 30 ether);
        // An older, smaller voucher is spent too.
        IPaymentChannels.Voucher memory older = _voucher(payer, payee, 20 ether);
        bytes memory olderSig = _sign(PAYER_KEY, older);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsAlreadyRedeemed.selector, 20 ether, 30 ether)
        );
        _redeem(older, olderSig, 20 ether);
    }

    function test_redeem_aboveVoucherRefused() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsAmountAboveVoucher.selector, 31 ether, 30 ether)
        );
        _redeem(v, sig, 31 ether);
    }

    function test_redeem_wrongSignerRefused() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory forged = _sign(PAYER2_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, payer));
        _redeem(v, forged, 30 ether);
        // A signature over other terms (the amount changed after signing).
        bytes memory sig = _sign(PAYER_KEY, v);
        v.cumulativeAmount = 40 ether;
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, payer));
        _redeem(v, sig, 40 ether);
    }

    function test_redeem_wrongPayeeRefused() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        vm.prank(payee2);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsNotPayee.selector, payee2, payee));
        channels.redeem(v, sig, 30 ether);
        // Renaming the payee breaks the signature.
        v.payee = payee2;
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, payer));
        _redeem(v, sig, 30 ether);
    }

    function test_redeem_otherChainOrContractRefused() public {
        _deposit(payer, payee, 100 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        // Signed on another chain id: the domain differs.
        uint256 chainId = block.chainid;
        ChainIdCheat(address(vm)).chainId(chainId + 1);
        bytes memory otherChain = _sign(PAYER_KEY, v);
        ChainIdCheat(address(vm)).chainId(chainId);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, payer));
        _redeem(v, otherChain, 30 ether);
        // Signed for another PaymentChannels deployment.
        PaymentChannels other = new PaymentChannels(IERC20(address(token)), UNLOCK_DELAY);
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(PAYER_KEY, other.voucherDigest(v));
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, payer));
        _redeem(v, abi.encodePacked(r, s, sv), 30 ether);
    }

    function test_redeem_boundedByTheBalance() public {
        _deposit(payer, payee, 10 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 30 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.PaymentChannelsInsufficientBalance.selector, payer, payee, 10 ether, 30 ether
            )
        );
        _redeem(v, sig, 30 ether);
        // What the balance covers can be redeemed, and the rest after a new deposit.
        _redeem(v, sig, 10 ether);
        _deposit(payer, payee, 20 ether);
        assertEq(_redeem(v, sig, 30 ether), 20 ether);
        assertEq(token.balanceOf(payee), 30 ether);
    }

    function test_redeem_channelsAreSeparate() public {
        _deposit(payer, payee, 10 ether);
        _deposit(payer2, payee, 10 ether);
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 5 ether);
        _redeem(v, _sign(PAYER_KEY, v), 5 ether);
        assertEq(channels.channel(payer2, payee).balance, 10 ether);
        assertEq(channels.channel(payer, payee2).balance, 0);
    }

    // ---------------------------------------------------------------- unlock

    function test_unlock_redeemDuringDelay_withdrawAfterReturnsTheRest() public {
        _deposit(payer, payee, 100 ether);
        uint256 unlockAt = block.timestamp + UNLOCK_DELAY;
        vm.expectEmit(true, true, true, true, address(channels));
        emit UnlockRequested(payer, payee, unlockAt);
        vm.prank(payer);
        assertEq(channels.requestUnlock(payee), unlockAt);

        vm.warp(unlockAt - 1);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsStillLocked.selector, unlockAt, unlockAt - 1)
        );
        channels.withdraw(payee);

        // The payee redeems during the delay.
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, 40 ether);
        _redeem(v, _sign(PAYER_KEY, v), 40 ether);

        vm.warp(unlockAt);
        uint256 before = token.balanceOf(payer);
        vm.expectEmit(true, true, true, true, address(channels));
        emit Withdrawn(payer, payee, 60 ether);
        vm.prank(payer);
        assertEq(channels.withdraw(payee), 60 ether);
        assertEq(token.balanceOf(payer), before + 60 ether);
        IPaymentChannels.Channel memory c = channels.channel(payer, payee);
        assertEq(c.balance, 0);
        assertEq(c.unlockAt, 0);
        assertEq(c.redeemed, 40 ether);
        assertEq(token.balanceOf(address(channels)), 0);

        // Old vouchers stay spent after a new deposit.
        _deposit(payer, payee, 10 ether);
        bytes memory sig = _sign(PAYER_KEY, v);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsAlreadyRedeemed.selector, 40 ether, 40 ether)
        );
        _redeem(v, sig, 40 ether);
    }

    function test_withdraw_withoutRequestRefused() public {
        _deposit(payer, payee, 1 ether);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsNoUnlockRequested.selector, payer, payee)
        );
        channels.withdraw(payee);
    }

    function test_unlock_cancelledByDepositOrCancel() public {
        _deposit(payer, payee, 1 ether);
        vm.prank(payer);
        channels.requestUnlock(payee);
        vm.expectEmit(true, true, true, true, address(channels));
        emit UnlockCancelled(payer, payee);
        _deposit(payer, payee, 1 ether);
        assertEq(channels.channel(payer, payee).unlockAt, 0);

        vm.prank(payer);
        channels.requestUnlock(payee);
        vm.expectEmit(true, true, true, true, address(channels));
        emit UnlockCancelled(payer, payee);
        vm.prank(payer);
        channels.cancelUnlock(payee);
        vm.warp(block.timestamp + UNLOCK_DELAY);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsNoUnlockRequested.selector, payer, payee)
        );
        channels.withdraw(payee);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsNoUnlockRequested.selector, payer, payee)
        );
        channels.cancelUnlock(payee);
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_redeem_neverPaysMoreThanSignedOrDeposited(uint96 deposited, uint96 signed, uint96 asked) public {
        deposited = uint96(bound(deposited, 1, 1_000_000 ether));
        IPaymentChannels.Voucher memory v = _voucher(payer, payee, signed);
        bytes memory sig = _sign(PAYER_KEY, v);
        _deposit(payer, payee, deposited);
        vm.prank(payee);
        try channels.redeem(v, sig, asked) returns (uint256 paid) {
            assertEq(paid, asked);
            assertLe(paid, signed, "paid above the voucher");
            assertLe(paid, deposited, "paid above the deposit");
        } catch {
            assertTrue(asked == 0 || asked > signed || asked > deposited, "a valid redemption reverted");
        }
        assertEq(token.balanceOf(address(channels)) + token.balanceOf(payee), deposited);
    }
}
