// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IPaymentChannels
/// @notice One-way payment channels in one ERC-20 (the marketplace's payment token): a payer deposits once for a
/// payee, then pays off-chain with cumulative vouchers (EIP-712) that the payee redeems now and then.
/// @dev Money rules, stated once:
/// - A channel is the pair (payer, payee). Its `balance` is what was deposited minus what was redeemed or
///   withdrawn; `redeemed` is the cumulative amount the payee has been paid, which only grows (it survives a
///   withdrawal, so old vouchers stay spent when the payer deposits again).
/// - A voucher `{payer, payee, cumulativeAmount}` signed by the payer (EOA, or ERC-1271 contract) allows the payee to
///   have been paid up to `cumulativeAmount` in all. `redeem(v, sig, amount)` pays `amount - redeemed` and sets
///   `redeemed = amount`, for any `redeemed < amount <= cumulativeAmount`: a payee redeems what it is owed, not
///   necessarily the voucher's whole amount, and no voucher pays twice.
/// - A redemption the balance does not cover reverts (`PaymentChannelsInsufficientBalance`, with both figures);
///   nothing is paid in part. The payee redeems at most `redeemed + balance`.
/// - The payer leaves in two steps: `requestUnlock` starts `unlockDelay`; during it, redemptions still succeed;
///   after it, `withdraw` returns the whole remaining balance. A deposit or `cancelUnlock` cancels the request.
/// - No admin and no parameters that change: the token and the delay are fixed at deployment.
/// - The contract's token balance always equals the sum of deposits minus the sums redeemed and withdrawn.
interface IPaymentChannels {
    // ---------------------------------------------------------------- types

    /// @notice The payer's signed promise: the payee may have been paid up to `cumulativeAmount` in all.
    struct Voucher {
        address payer;
        address payee;
        uint256 cumulativeAmount;
    }

    /// @notice A channel's state.
    struct Channel {
        uint128 balance; // deposited, not yet redeemed or withdrawn
        uint64 unlockAt; // when `withdraw` opens; 0 = no unlock requested
        uint256 redeemed; // cumulative amount paid to the payee
    }

    // ---------------------------------------------------------------- events

    /// @notice `payer` deposited `amount` for `payee`; the channel now holds `balance`.
    event Deposited(address indexed payer, address indexed payee, uint256 amount, uint256 balance);
    /// @notice `payee` was paid `amount` from `payer`'s channel, `cumulative` in all.
    event Redeemed(address indexed payer, address indexed payee, uint256 amount, uint256 cumulative);
    /// @notice `payer` asked to withdraw from its channel to `payee`; `withdraw` opens at `unlockAt`.
    event UnlockRequested(address indexed payer, address indexed payee, uint256 unlockAt);
    /// @notice `payer`'s unlock request for `payee` was cancelled (by `cancelUnlock` or a deposit).
    event UnlockCancelled(address indexed payer, address indexed payee);
    /// @notice `payer` withdrew the remaining `amount` of its channel to `payee`.
    event Withdrawn(address indexed payer, address indexed payee, uint256 amount);

    // ---------------------------------------------------------------- errors

    /// @notice An amount of zero: deposit something.
    error PaymentChannelsZeroAmount();
    /// @notice `payee` cannot be paid through a channel (the zero address, or the payer itself): name another payee.
    error PaymentChannelsInvalidPayee(address payee);
    /// @notice The channel would hold more than 2^128 - 1 (`balance` + `amount`): deposit less.
    error PaymentChannelsBalanceOverflow(uint256 balance, uint256 amount);
    /// @notice `caller` redeemed a voucher made out to `payee`: only the payee redeems its vouchers.
    error PaymentChannelsNotPayee(address caller, address payee);
    /// @notice The signature is not `payer`'s over this voucher on this chain and contract.
    error PaymentChannelsInvalidSignature(address payer);
    /// @notice Redeeming `amount` exceeds the voucher's `cumulativeAmount`: redeem at most the voucher's amount.
    error PaymentChannelsAmountAboveVoucher(uint256 amount, uint256 cumulativeAmount);
    /// @notice `amount` is not above what was already redeemed (`redeemed`): the voucher is spent (a replay).
    error PaymentChannelsAlreadyRedeemed(uint256 amount, uint256 redeemed);
    /// @notice Redeeming needs `due` but the channel holds `balance`: redeem at most `redeemed + balance`.
    error PaymentChannelsInsufficientBalance(address payer, address payee, uint256 balance, uint256 due);
    /// @notice `withdraw` without an unlock request: call `requestUnlock` and wait `unlockDelay`.
    error PaymentChannelsNoUnlockRequested(address payer, address payee);
    /// @notice `withdraw` opens at `unlockAt`; it is `timestamp`: wait.
    error PaymentChannelsStillLocked(uint256 unlockAt, uint256 timestamp);
    /// @notice The unlock delay `delay` is outside [`min`, `max`] seconds.
    error PaymentChannelsUnlockDelayOutOfBounds(uint256 delay, uint256 min, uint256 max);

    // ---------------------------------------------------------------- payer

    /// @notice Moves `amount` of the caller's tokens (approve this contract first) into its channel to `payee`,
    /// and cancels a pending unlock request.
    function deposit(address payee, uint256 amount) external;

    /// @notice Starts the unlock delay of the caller's channel to `payee` (again, if already started).
    /// @return unlockAt when `withdraw` opens
    function requestUnlock(address payee) external returns (uint64 unlockAt);

    /// @notice Cancels the caller's pending unlock request for `payee`.
    function cancelUnlock(address payee) external;

    /// @notice After the unlock delay, returns the whole remaining balance of the caller's channel to `payee`.
    /// @return amount the amount returned
    function withdraw(address payee) external returns (uint256 amount);

    // ---------------------------------------------------------------- payee

    /// @notice Pays the caller (`voucher.payee`) `amount - redeemed` from the payer's channel and records `amount`
    /// as redeemed. Requires `redeemed < amount <= voucher.cumulativeAmount`, the payer's signature, and a
    /// balance that covers the difference.
    /// @return paid the amount transferred now
    function redeem(Voucher calldata voucher, bytes calldata signature, uint256 amount) external returns (uint256 paid);

    // ---------------------------------------------------------------- reads

    /// @notice The channel from `payer` to `payee`.
    function channel(address payer, address payee) external view returns (Channel memory);

    /// @notice The EIP-712 digest the payer signs for `voucher` (domain "OCX PaymentChannels", version "1").
    function voucherDigest(Voucher calldata voucher) external view returns (bytes32);

    /// @notice Seconds between `requestUnlock` and the first possible `withdraw`.
    function unlockDelay() external view returns (uint64);

    /// @notice The ERC-20 the channels hold.
    function token() external view returns (address);
}
