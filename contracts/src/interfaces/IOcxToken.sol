// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IOcxToken
/// @notice The OCX token as the marketplace sees it: an ERC-20 whose holders can burn their own tokens.
interface IOcxToken is IERC20 {
    /// @notice Destroys `value` of the caller's tokens, lowering the total supply.
    function burn(uint256 value) external;
}
