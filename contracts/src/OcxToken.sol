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
///
/// The protocol's two escrows (the registry, holding stake, and the marketplace, holding deposits, earnings
/// and fees) never vote: their delegate is none, fixed at deployment, and `delegate`/`delegateBySig` revert
/// for them. A transfer to or from an escrow therefore skips reading the escrow's delegate (a cold storage
/// read, 2,100 gas, on each of a lease's two transfers). The votes are the same as with ERC20Votes alone: an
/// escrow that never delegated has delegate none there too. The deployer passes the escrows' addresses before
/// they exist (their CREATE addresses); an address that never gets that contract's code has no key either
/// (it is a hash), so it can never delegate anyway.
contract OcxToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes, AccessControlDefaultAdminRules {
    /// @notice May mint new tokens (emissions).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The provider registry: an escrow of stake that never votes.
    address public immutable registryEscrow;
    /// @notice The marketplace: an escrow of deposits, earnings and fees that never votes.
    address public immutable marketplaceEscrow;

    /// @notice `account` is one of the protocol's escrows, which never vote: it cannot delegate.
    error OcxTokenEscrowCannotDelegate(address account);

    /// @param admin holds DEFAULT_ADMIN_ROLE (grants the minter role)
    /// @param treasury receives the initial supply
    /// @param initialSupply tokens minted to the treasury, in the smallest unit
    /// @param registry_ the provider registry's address (deployed next: its CREATE address)
    /// @param marketplace_ the marketplace's address (deployed after the registry)
    constructor(address admin, address treasury, uint256 initialSupply, address registry_, address marketplace_)
        ERC20("Open Compute Exchange", "OCX")
        ERC20Permit("Open Compute Exchange")
        AccessControlDefaultAdminRules(0, admin)
    {
        registryEscrow = registry_;
        marketplaceEscrow = marketplace_;
        _mint(treasury, initialSupply);
    }

    /// @notice Mints `amount` to `to`. Only for `MINTER_ROLE`.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Who `account` delegates its votes to; none for the protocol's escrows, without a storage read.
    function delegates(address account) public view override returns (address) {
        if (account == marketplaceEscrow || account == registryEscrow) return address(0);
        return super.delegates(account);
    }

    /// @dev The escrows hold other people's tokens: they never vote (see the contract's notes).
    function _delegate(address account, address delegatee) internal override {
        if (account == marketplaceEscrow || account == registryEscrow) revert OcxTokenEscrowCannotDelegate(account);
        super._delegate(account, delegatee);
    }

    // The overrides below only resolve the diamond between ERC20, ERC20Votes and ERC20Permit.

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
