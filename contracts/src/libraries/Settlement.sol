// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Settlement
/// @notice The arithmetic of paying for a lease. Pure integer maths; each division says whom it favours.
library Settlement {
    uint256 internal constant BPS = 10_000;

    /// @notice What a lease owes for the seconds since `settledAt`, capped by its escrow.
    function owed(uint256 pricePerSecond, uint256 settledAt, uint256 escrow, uint256 now_)
        internal
        pure
        returns (uint256)
    {
        uint256 due = (now_ - settledAt) * pricePerSecond;
        return due < escrow ? due : escrow;
    }

    /// @notice Splits a payment into the protocol fee and the provider's share.
    /// @dev The fee rounds down, in the provider's favour; the provider gets the exact rest.
    function split(uint256 paid, uint256 feeBps) internal pure returns (uint256 fee, uint256 toProvider) {
        fee = paid * feeBps / BPS;
        // Cannot underflow: feeBps <= BPS, so fee <= paid.
        unchecked {
            toProvider = paid - fee;
        }
    }
}
