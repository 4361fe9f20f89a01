// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title OcxToken
/// @notice The OCX network token (18 decimals): what compute is paid in, what providers stake, and
/// what the protocol burns with usage. Holders can vote (ERC20Votes) and approve by signature (permit).
/// @dev Only `MINTER_ROLE` creates tokens after the initial supply; emissions will hold that role. The
/// admin role changes hands in two steps (`beginDefaultAdminTransfer`, then `acceptDefaultAdminTransfer`).
contract OcxToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes, AccessControlDefaultAdminRules {
    /// @notice May mint new tokens (emissions).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin holds DEFAULT_ADMIN_ROLE (grants the minter role)
    /// @param treasury receives the initial supply
    /// @param initialSupply tokens minted to the treasury, in the smallest unit
    constructor(address admin, address treasury, uint256 initialSupply)
        ERC20("Open Compute Exchange", "OCX")
        ERC20Permit("Open Compute Exchange")
        AccessControlDefaultAdminRules(0, admin)
    {
        _mint(treasury, initialSupply);
    }

    /// @notice Mints `amount` to `to`. Only for `MINTER_ROLE`.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    // The overrides below only resolve the diamond between ERC20, ERC20Votes and ERC20Permit.

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
