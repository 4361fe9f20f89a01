// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannelsDeployers} from "../utils/PaymentChannelsDeployers.sol";
import {PaymentChannelsHandler} from "./handlers/PaymentChannelsHandler.sol";

/// @notice PaymentChannels' money under random deposits, vouchers, redemptions (valid, excessive, replayed,
/// forged), unlocks, withdrawals and time (PaymentChannelsHandler, 160 runs × 64 calls = 10,240 calls per
/// invariant): the contract holds exactly deposits − redemptions − withdrawals; no payee was ever paid more than its
/// payer signed; every payment is recorded as redeemed once (no replay pays twice); no invalid redemption paid.
contract PaymentChannelsInvariants is PaymentChannelsDeployers {
    PaymentChannelsHandler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[] memory keys = new uint256[](3);
        keys[0] = PAYER_KEY;
        keys[1] = PAYER2_KEY;
        keys[2] = 0xA13;
        _fundPayer(vm.addr(keys[2]));
        address[] memory payees_ = new address[](2);
        payees_[0] = payee;
        payees_[1] = payee2;
        handler = new PaymentChannelsHandler(channels, IERC20(address(token)), keys, payees_);
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_balanceIsDepositsLessRedeemedAndWithdrawn() public view {
        assertEq(
            token.balanceOf(address(channels)),
            handler.ghostDeposited() - handler.ghostRedeemed() - handler.ghostWithdrawn(),
            "channels' tokens != deposits - redeemed - withdrawn"
        );
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_redeemedNeverExceedsSignedAndPaysOnce() public view {
        uint256 channelsSum;
        for (uint256 i; i < handler.payerCount(); ++i) {
            address p = handler.payers(i);
            for (uint256 j; j < handler.payeeCount(); ++j) {
                address q = handler.payees(j);
                uint256 redeemed = channels.channel(p, q).redeemed;
                assertLe(redeemed, handler.maxSigned(p, q), "redeemed above the largest voucher signed");
                assertEq(handler.paidTo(p, q), redeemed, "paid to the payee != recorded as redeemed");
                channelsSum += channels.channel(p, q).balance;
            }
        }
        assertEq(channelsSum, token.balanceOf(address(channels)), "channel balances != tokens held");
    }

    /// forge-config: default.invariant.runs = 160
    /// forge-config: default.invariant.depth = 64
    function invariant_noInvalidRedemptionPaid() public view {
        assertEq(handler.violations(), 0, "a replayed, forged or excessive redemption paid");
    }
}
