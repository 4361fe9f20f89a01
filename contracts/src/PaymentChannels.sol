// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IPaymentChannels} from "./interfaces/IPaymentChannels.sol";

/// @title PaymentChannels
/// @notice Deposit once, pay per request off-chain with cumulative EIP-712 vouchers, redeem now and then.
/// The money rules are in IPaymentChannels.
/// @dev No admin: the token and the unlock delay are immutable. Every state change happens before the token
/// transfer it implies (checks, effects, interactions), so a re-entering token finds the books already updated.
contract PaymentChannels is IPaymentChannels, EIP712 {
    using SafeERC20 for IERC20;

    bytes32 private constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,address payee,uint256 cumulativeAmount)");
    /// @notice The shortest unlock delay a deployment may choose: a payee must have time to redeem.
    uint64 public constant MIN_UNLOCK_DELAY = 1 minutes;
    /// @notice The longest unlock delay a deployment may choose.
    uint64 public constant MAX_UNLOCK_DELAY = 30 days;

    IERC20 private immutable _token;
    uint64 private immutable _unlockDelay;

    mapping(address payer => mapping(address payee => Channel)) private _channels;

    /// @param token_ the ERC-20 the channels hold (the marketplace's payment token)
    /// @param unlockDelay_ seconds from `requestUnlock` to `withdraw`, within [MIN_UNLOCK_DELAY, MAX_UNLOCK_DELAY]
    constructor(IERC20 token_, uint64 unlockDelay_) EIP712("OCX PaymentChannels", "1") {
        if (unlockDelay_ < MIN_UNLOCK_DELAY || unlockDelay_ > MAX_UNLOCK_DELAY) {
            revert PaymentChannelsUnlockDelayOutOfBounds(unlockDelay_, MIN_UNLOCK_DELAY, MAX_UNLOCK_DELAY);
        }
        _token = token_;
        _unlockDelay = unlockDelay_;
    }

    // ---------------------------------------------------------------- payer

    /// @inheritdoc IPaymentChannels
    function deposit(address payee, uint256 amount) external {
        if (amount == 0) revert PaymentChannelsZeroAmount();
        if (payee == address(0) || payee == msg.sender) revert PaymentChannelsInvalidPayee(payee);
        Channel storage c = _channels[msg.sender][payee];
        uint256 balance = uint256(c.balance) + amount;
        if (balance > type(uint128).max) revert PaymentChannelsBalanceOverflow(c.balance, amount);
        // forge-lint: disable-next-line(unsafe-typecast)
        c.balance = uint128(balance); // bounded just above
        if (c.unlockAt != 0) {
            c.unlockAt = 0;
            emit UnlockCancelled(msg.sender, payee);
        }
        emit Deposited(msg.sender, payee, amount, balance);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPaymentChannels
    function requestUnlock(address payee) external returns (uint64 unlockAt) {
        unlockAt = uint64(block.timestamp) + _unlockDelay;
        _channels[msg.sender][payee].unlockAt = unlockAt;
        emit UnlockRequested(msg.sender, payee, unlockAt);
    }

    /// @inheritdoc IPaymentChannels
    function cancelUnlock(address payee) external {
        Channel storage c = _channels[msg.sender][payee];
        if (c.unlockAt == 0) revert PaymentChannelsNoUnlockRequested(msg.sender, payee);
        c.unlockAt = 0;
        emit UnlockCancelled(msg.sender, payee);
    }

    /// @inheritdoc IPaymentChannels
    function withdraw(address payee) external returns (uint256 amount) {
        Channel storage c = _channels[msg.sender][payee];
        uint64 unlockAt = c.unlockAt;
        if (unlockAt == 0) revert PaymentChannelsNoUnlockRequested(msg.sender, payee);
        if (block.timestamp < unlockAt) revert PaymentChannelsStillLocked(unlockAt, block.timestamp);
        amount = c.balance;
        c.balance = 0;
        c.unlockAt = 0;
        emit Withdrawn(msg.sender, payee, amount);
        if (amount != 0) _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- payee

    /// @inheritdoc IPaymentChannels
    function redeem(Voucher calldata voucher, bytes calldata signature, uint256 amount)
        external
        returns (uint256 paid)
    {
        if (msg.sender != voucher.payee) {
            revert PaymentChannelsNotPayee(msg.sender, voucher.payee);
        }
        if (amount > voucher.cumulativeAmount) {
            revert PaymentChannelsAmountAboveVoucher(amount, voucher.cumulativeAmount);
        }
        Channel storage c = _channels[voucher.payer][voucher.payee];
        uint256 redeemed = c.redeemed;
        if (amount <= redeemed) revert PaymentChannelsAlreadyRedeemed(amount, redeemed);
        if (!SignatureChecker.isValidSignatureNow(voucher.payer, _voucherDigest(voucher), signature)) {
            revert PaymentChannelsInvalidSignature(voucher.payer);
        }
        // Cannot underflow: amount > redeemed, checked above.
        unchecked {
            paid = amount - redeemed;
        }
        uint128 balance = c.balance;
        if (paid > balance) revert PaymentChannelsInsufficientBalance(voucher.payer, voucher.payee, balance, paid);
        // Cannot underflow: paid <= balance, checked above; paid fits uint128 for the same reason.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            c.balance = balance - uint128(paid);
        }
        c.redeemed = amount;
        emit Redeemed(voucher.payer, voucher.payee, paid, amount);
        _token.safeTransfer(msg.sender, paid);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IPaymentChannels
    function channel(address payer, address payee) external view returns (Channel memory) {
        return _channels[payer][payee];
    }

    /// @inheritdoc IPaymentChannels
    function voucherDigest(Voucher calldata voucher) external view returns (bytes32) {
        return _voucherDigest(voucher);
    }

    /// @inheritdoc IPaymentChannels
    function unlockDelay() external view returns (uint64) {
        return _unlockDelay;
    }

    /// @inheritdoc IPaymentChannels
    function token() external view returns (address) {
        return address(_token);
    }

    function _voucherDigest(Voucher calldata voucher) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(VOUCHER_TYPEHASH, voucher.payer, voucher.payee, voucher.cumulativeAmount))
        );
    }
}
