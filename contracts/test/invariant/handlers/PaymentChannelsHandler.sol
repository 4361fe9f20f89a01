// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPaymentChannels} from "../../../src/interfaces/IPaymentChannels.sol";
import {PaymentChannels} from "../../../src/PaymentChannels.sol";
import {Vm} from "../../utils/Test.sol";

/// @notice Drives PaymentChannels as three payers (whose keys it holds, to sign vouchers) and two payees: deposits,
/// newly signed vouchers, redemptions of any amount (valid or not), replays of old vouchers, unlock requests,
/// cancellations, withdrawals and the passing of time. Keeps ghost sums of every token moved, the largest
/// cumulative amount each payer signed for each payee, and what each payee was paid, each from the call's results.
contract PaymentChannelsHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    PaymentChannels public immutable channels;
    IERC20 public immutable token;
    uint256[] private _payerKeys;
    address[] public payers;
    address[] public payees;

    uint256 public currentTime;
    uint256 public ghostDeposited;
    uint256 public ghostRedeemed;
    uint256 public ghostWithdrawn;
    /// @notice Redemptions that paid when they should have reverted (a replay, above the voucher, a forged one).
    uint256 public violations;
    uint256 public ghostRedemptions;
    uint256 public ghostRefusedReplays;

    mapping(address payer => mapping(address payee => uint256)) public maxSigned;
    mapping(address payer => mapping(address payee => uint256)) public paidTo;
    mapping(address payer => mapping(address payee => IPaymentChannels.Voucher)) private _latest;
    mapping(address payer => mapping(address payee => bytes)) private _latestSig;

    modifier step() {
        vm.warp(currentTime);
        _;
    }

    constructor(PaymentChannels channels_, IERC20 token_, uint256[] memory payerKeys, address[] memory payees_) {
        channels = channels_;
        token = token_;
        _payerKeys = payerKeys;
        for (uint256 i; i < payerKeys.length; ++i) {
            payers.push(vm.addr(payerKeys[i]));
        }
        payees = payees_;
        currentTime = block.timestamp;
    }

    function payerCount() external view returns (uint256) {
        return payers.length;
    }

    function payeeCount() external view returns (uint256) {
        return payees.length;
    }

    function _pick(uint256 payerSeed, uint256 payeeSeed)
        private
        view
        returns (uint256 key, address payer, address payee)
    {
        uint256 i = payerSeed % payers.length;
        return (_payerKeys[i], payers[i], payees[payeeSeed % payees.length]);
    }

    function _sign(uint256 key, IPaymentChannels.Voucher memory v) private view returns (bytes memory) {
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, channels.voucherDigest(v));
        return abi.encodePacked(r, s, sv);
    }

    // ---------------------------------------------------------------- payer

    function deposit(uint256 payerSeed, uint256 payeeSeed, uint256 amount) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        amount = amount % 1_000 ether + 1;
        if (token.balanceOf(payer) < amount) return;
        vm.prank(payer);
        channels.deposit(payee, amount);
        ghostDeposited += amount;
    }

    /// @notice The payer signs a newer voucher, `increment` above its last one (as a paying client does).
    function sign(uint256 payerSeed, uint256 payeeSeed, uint256 increment) external {
        (uint256 key, address payer, address payee) = _pick(payerSeed, payeeSeed);
        uint256 cumulative = maxSigned[payer][payee] + increment % 500 ether + 1;
        IPaymentChannels.Voucher memory v =
            IPaymentChannels.Voucher({payer: payer, payee: payee, cumulativeAmount: cumulative});
        _latest[payer][payee] = v;
        _latestSig[payer][payee] = _sign(key, v);
        maxSigned[payer][payee] = cumulative;
    }

    function requestUnlock(uint256 payerSeed, uint256 payeeSeed) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        vm.prank(payer);
        channels.requestUnlock(payee);
    }

    function cancelUnlock(uint256 payerSeed, uint256 payeeSeed) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        if (channels.channel(payer, payee).unlockAt == 0) return;
        vm.prank(payer);
        channels.cancelUnlock(payee);
    }

    function withdraw(uint256 payerSeed, uint256 payeeSeed) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        uint256 before = token.balanceOf(payer);
        vm.prank(payer);
        try channels.withdraw(payee) returns (uint256 amount) {
            assert(token.balanceOf(payer) == before + amount);
            ghostWithdrawn += amount;
        } catch {}
    }

    // ---------------------------------------------------------------- payee

    /// @notice Redeems `amountSeed`-chosen amounts with the latest voucher: often what the channel allows, sometimes
    /// more than the voucher or the balance, or no more than what was redeemed (all of which must revert).
    function redeem(uint256 payerSeed, uint256 payeeSeed, uint256 amountSeed) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        IPaymentChannels.Voucher memory v = _latest[payer][payee];
        if (v.payer == address(0)) return;
        IPaymentChannels.Channel memory c = channels.channel(payer, payee);
        uint256 cap = c.redeemed + c.balance;
        uint256 top = v.cumulativeAmount < cap ? v.cumulativeAmount : cap;
        uint256 amount = amountSeed % 4 == 0 ? amountSeed % (v.cumulativeAmount + 2) : top;
        bool valid = amount > c.redeemed && amount <= v.cumulativeAmount && amount <= cap;
        uint256 before = token.balanceOf(payee);
        vm.prank(payee);
        try channels.redeem(v, _latestSig[payer][payee], amount) returns (uint256 paid) {
            if (!valid) ++violations;
            assert(token.balanceOf(payee) == before + paid);
            ghostRedeemed += paid;
            paidTo[payer][payee] += paid;
            ++ghostRedemptions;
        } catch {
            assert(!valid);
        }
    }

    /// @notice Replays the latest voucher at what was already redeemed: must never pay.
    function replay(uint256 payerSeed, uint256 payeeSeed) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        IPaymentChannels.Voucher memory v = _latest[payer][payee];
        uint256 redeemed = channels.channel(payer, payee).redeemed;
        if (v.payer == address(0) || redeemed == 0 || redeemed > v.cumulativeAmount) return;
        vm.prank(payee);
        try channels.redeem(v, _latestSig[payer][payee], redeemed) {
            ++violations;
        } catch {
            ++ghostRefusedReplays;
        }
    }

    /// @notice A payee redeems another payee's voucher, or a voucher signed by the wrong payer: must never pay.
    function forge(uint256 payerSeed, uint256 payeeSeed, uint256 amount) external step {
        (, address payer, address payee) = _pick(payerSeed, payeeSeed);
        (uint256 otherKey,,) = _pick(payerSeed % payers.length + 1, payeeSeed);
        IPaymentChannels.Voucher memory v = IPaymentChannels.Voucher({
            payer: payer, payee: payee, cumulativeAmount: channels.channel(payer, payee).redeemed + amount % 1 ether + 1
        });
        bytes memory sig = _sign(otherKey, v);
        vm.prank(payee);
        try channels.redeem(v, sig, v.cumulativeAmount) {
            ++violations;
        } catch {}
    }

    function elapse(uint256 seconds_) external {
        currentTime += seconds_ % 2 hours;
    }
}
