// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPaymentChannels} from "../../src/interfaces/IPaymentChannels.sol";
import {PaymentChannels} from "../../src/PaymentChannels.sol";
import {Deployers} from "./Deployers.sol";

/// @notice The shared deployment plus PaymentChannels on the OCX token with a one-hour unlock delay, and payers
/// whose keys the tests hold (to sign vouchers), funded and approved.
abstract contract PaymentChannelsDeployers is Deployers {
    uint64 internal constant UNLOCK_DELAY = 1 hours;
    uint256 internal constant PAYER_KEY = 0xA11;
    uint256 internal constant PAYER2_KEY = 0xA12;

    PaymentChannels internal channels;
    address internal payer;
    address internal payer2;
    address internal payee = address(0xFEE);
    address internal payee2 = address(0xFEE2);

    function setUp() public virtual override {
        super.setUp();
        channels = new PaymentChannels(IERC20(address(token)), UNLOCK_DELAY);
        payer = vm.addr(PAYER_KEY);
        payer2 = vm.addr(PAYER2_KEY);
        _fundPayer(payer);
        _fundPayer(payer2);
    }

    function _fundPayer(address who) internal {
        _fund(who, 1_000_000 ether);
        vm.prank(who);
        token.approve(address(channels), type(uint256).max);
    }

    function _voucher(address from, address to, uint256 cumulative)
        internal
        pure
        returns (IPaymentChannels.Voucher memory)
    {
        return IPaymentChannels.Voucher({payer: from, payee: to, cumulativeAmount: cumulative});
    }

    function _sign(uint256 key, IPaymentChannels.Voucher memory v) internal view returns (bytes memory) {
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, channels.voucherDigest(v));
        return abi.encodePacked(r, s, sv);
    }
}
