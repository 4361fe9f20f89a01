// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {Marketplace} from "../../src/Marketplace.sol";
import {OcxToken} from "../../src/OcxToken.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {Test} from "./Test.sol";

/// @notice The shared deployment every contract test starts from: token, registry and marketplace
/// wired together, a funded buyer, and a registered, staked provider.
abstract contract Deployers is Test {
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;
    uint128 internal constant MIN_STAKE_PER_GPU = 100 ether;
    uint64 internal constant UNBONDING_DELAY = 7 days;
    uint16 internal constant FEE_BPS = 250; // 2.5 %
    uint32 internal constant ACK_WINDOW = 5 minutes;
    uint32 internal constant MAX_BIDDING_WINDOW = 1 days;
    uint128 internal constant PRICE = 1e15; // 3.6 OCX per hour
    bytes32 internal constant MANIFEST = keccak256("manifest");
    bytes32 internal constant REGION = "eu-west";
    bytes32 internal constant H100 = "nvidia-h100-80gb";

    address internal admin = address(0xA11CE);
    address internal treasury = address(0x7EA5);
    address internal slasher = address(0x51A5);
    address internal buyer = address(0xB0B);
    address internal provider = address(0xD0C);
    address internal provider2 = address(0xD0D);
    address internal apiSigner = address(0x5161);

    OcxToken internal token;
    ProviderRegistry internal registry;
    Marketplace internal market;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        // The token knows the two escrows (which never vote) by the CREATE addresses they get next.
        uint256 nonce = vm.getNonce(address(this));
        address registryAt = vm.computeCreateAddress(address(this), nonce + 1);
        address marketAt = vm.computeCreateAddress(address(this), nonce + 2);
        token = new OcxToken(admin, treasury, INITIAL_SUPPLY, registryAt, marketAt);
        registry = new ProviderRegistry(
            IOcxToken(address(token)),
            admin,
            IProviderRegistry.Parameters({
                minStakePerGpu: MIN_STAKE_PER_GPU, unbondingDelay: UNBONDING_DELAY, slashSink: address(0)
            })
        );
        market = new Marketplace(
            IOcxToken(address(token)),
            IProviderRegistry(address(registry)),
            admin,
            IMarketplace.Parameters({
                feeBps: FEE_BPS, ackWindow: ACK_WINDOW, maxBiddingWindow: MAX_BIDDING_WINDOW, feeSink: address(0)
            })
        );
        require(address(registry) == registryAt && address(market) == marketAt, "escrow addresses mispredicted");
        vm.startPrank(admin);
        registry.grantRole(registry.MARKET_ROLE(), address(market));
        registry.grantRole(registry.SLASHER_ROLE(), slasher);
        vm.stopPrank();

        _fund(buyer, 1_000_000 ether);
        _fund(provider, 1_000_000 ether);
        _fund(provider2, 1_000_000 ether);
        _registerAndStake(provider, 10_000 ether);
        _registerAndStake(provider2, 10_000 ether);
    }

    function _fund(address who, uint256 amount) internal {
        vm.prank(treasury);
        require(token.transfer(who, amount), "transfer failed");
        vm.startPrank(who);
        token.approve(address(registry), type(uint256).max);
        token.approve(address(market), type(uint256).max);
        vm.stopPrank();
    }

    function _registerAndStake(address who, uint256 amount) internal {
        vm.startPrank(who);
        registry.register("https://provider.example:8443", REGION, keccak256("metadata"), apiSigner);
        if (amount > 0) registry.stake(amount);
        vm.stopPrank();
    }

    /// @dev All protocol fees held: the pool plus what is booked beside each test provider's earnings.
    function _allFees() internal view returns (uint256) {
        return market.pendingFees() + market.feesOf(provider) + market.feesOf(provider2);
    }

    /// @dev Moves the test providers' booked fees into the pool that `flushFees` empties.
    function _sweepFees() internal returns (uint256) {
        address[] memory providers = new address[](2);
        providers[0] = provider;
        providers[1] = provider2;
        return market.sweepFees(providers);
    }

    function _h100(uint16 count) internal pure returns (IMarketplace.Resources memory) {
        return IMarketplace.Resources({
            gpuModel: H100,
            region: REGION,
            gpuCount: count,
            gpuVramMiB: 81_559,
            cpuMillicores: 16_000,
            memoryMiB: 131_072,
            diskMiB: 512_000
        });
    }

    /// @dev Posts a one-GPU H100 offer at PRICE for up to 4 leases, from 60 s to 30 days.
    function _postOffer(address who) internal returns (uint256 offerId) {
        vm.prank(who);
        offerId = market.postOffer(_h100(1), PRICE, 4, 60, 30 days);
    }

    function _takeOffer(uint256 offerId, uint128 deposit) internal returns (uint256 leaseId) {
        vm.prank(buyer);
        leaseId = market.takeOffer(offerId, PRICE, MANIFEST, deposit);
    }

    /// @dev An offer taken by the buyer and acknowledged by the provider.
    function _activeLease(uint128 deposit) internal returns (uint256 offerId, uint256 leaseId) {
        offerId = _postOffer(provider);
        leaseId = _takeOffer(offerId, deposit);
        vm.prank(provider);
        market.acknowledge(leaseId);
    }
}
