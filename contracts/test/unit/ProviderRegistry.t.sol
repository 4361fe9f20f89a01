// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {Deployers} from "../utils/Deployers.sol";

contract ProviderRegistryTest is Deployers {
    string internal constant ENDPOINT = "https://provider.example:8443";
    uint256 internal constant STAKE = 10_000 ether; // what Deployers stakes for each provider
    bytes32 internal constant REASON = "missed-heartbeat";

    address internal newcomer = address(0xBEEF);
    address internal sink = address(0x5111C);

    function setUp() public override {
        super.setUp();
        _fund(newcomer, 100_000 ether);
    }

    // ---------------------------------------------------------------- helpers

    function _endpoint(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = "a";
        }
        return string(b);
    }

    /// @dev Commits `units` GPU units for `who` through the marketplace (one offer of `units` GPUs, one lease).
    function _commit(address who, uint16 units) internal returns (uint256 offerId) {
        vm.prank(who);
        offerId = market.postOffer(_h100(units), PRICE, 1, 60, 30 days);
    }

    function _setParameters(uint128 minStake, uint64 delay, address slashSink) internal {
        vm.prank(admin);
        registry.setParameters(
            IProviderRegistry.Parameters({minStakePerGpu: minStake, unbondingDelay: delay, slashSink: slashSink})
        );
    }

    function _slash(address who, uint256 amount) internal returns (uint256 slashed) {
        vm.prank(slasher);
        slashed = registry.slash(who, amount, REASON, address(0), 0);
    }

    // ---------------------------------------------------------------- constructor & roles

    function test_constructor_setsTokenRolesAndParameters() public view {
        assertEq(address(registry.token()), address(token));
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.PARAMETER_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.MARKET_ROLE(), address(market)));
        assertTrue(registry.hasRole(registry.SLASHER_ROLE(), slasher));
        assertFalse(registry.hasRole(registry.SLASHER_ROLE(), admin));
        IProviderRegistry.Parameters memory p = registry.parameters();
        assertEq(p.minStakePerGpu, MIN_STAKE_PER_GPU);
        assertEq(p.unbondingDelay, UNBONDING_DELAY);
        assertEq(p.slashSink, address(0));
    }

    function test_constructor_revertsOutOfBoundsParameters() public {
        uint256 max = registry.MAX_MIN_STAKE_PER_GPU();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParameterOutOfBounds.selector, bytes32("minStakePerGpu"), max + 1, 0, max
            )
        );
        new ProviderRegistry(
            IOcxToken(address(token)),
            admin,
            IProviderRegistry.Parameters({
                minStakePerGpu: uint128(max + 1), unbondingDelay: UNBONDING_DELAY, slashSink: address(0)
            })
        );
    }

    function test_roleConstants_areKeccakOfNames() public view {
        assertEq(registry.PARAMETER_ADMIN_ROLE(), keccak256("PARAMETER_ADMIN_ROLE"));
        assertEq(registry.SLASHER_ROLE(), keccak256("SLASHER_ROLE"));
        assertEq(registry.MARKET_ROLE(), keccak256("MARKET_ROLE"));
        assertEq(registry.MAX_ENDPOINT_LENGTH(), 256);
        assertEq(registry.MAX_MIN_STAKE_PER_GPU(), 10_000_000 ether);
        assertEq(uint256(registry.MAX_UNBONDING_DELAY()), 90 days);
    }

    // ---------------------------------------------------------------- register

    function test_register_storesProfile() public {
        vm.prank(newcomer);
        registry.register("https://n.example", "us-east", keccak256("meta2"), address(0x5162));
        IProviderRegistry.Provider memory p = registry.getProvider(newcomer);
        assertEq(p.endpoint, "https://n.example");
        assertEq(p.region, bytes32("us-east"));
        assertEq(p.metadataHash, keccak256("meta2"));
        assertEq(p.apiSigner, address(0x5162));
        assertTrue(p.registered);
        assertFalse(p.jailed);
        assertEq(p.stake, 0);
        assertEq(p.unbonding, 0);
        assertEq(p.committedGpus, 0);
        assertEq(p.unbondingReadyAt, 0);
    }

    function test_register_emitsProviderRegistered() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.ProviderRegistered(newcomer, ENDPOINT, REGION, keccak256("m"), apiSigner);
        vm.prank(newcomer);
        registry.register(ENDPOINT, REGION, keccak256("m"), apiSigner);
    }

    function test_register_acceptsMaxLengthEndpoint() public {
        string memory ep = _endpoint(256);
        vm.prank(newcomer);
        registry.register(ep, REGION, bytes32(0), apiSigner);
        assertEq(registry.getProvider(newcomer).endpoint, ep);
    }

    function test_register_revertsEmptyEndpoint() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidEndpoint.selector, 0));
        vm.prank(newcomer);
        registry.register("", REGION, bytes32(0), apiSigner);
        assertFalse(registry.getProvider(newcomer).registered);
    }

    function test_register_revertsEndpointOver256Bytes() public {
        string memory ep = _endpoint(257);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidEndpoint.selector, 257));
        vm.prank(newcomer);
        registry.register(ep, REGION, bytes32(0), apiSigner);
        assertFalse(registry.getProvider(newcomer).registered);
    }

    function test_register_revertsZeroApiSigner() public {
        vm.expectRevert(IProviderRegistry.RegistryInvalidApiSigner.selector);
        vm.prank(newcomer);
        registry.register(ENDPOINT, REGION, bytes32(0), address(0));
        assertFalse(registry.getProvider(newcomer).registered);
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryAlreadyRegistered.selector, provider));
        vm.prank(provider);
        registry.register("https://other.example", REGION, bytes32(0), apiSigner);
        assertEq(registry.getProvider(provider).endpoint, ENDPOINT);
        assertEq(registry.getProvider(provider).stake, STAKE);
    }

    // ---------------------------------------------------------------- update

    function test_update_changesProfileKeepsStake() public {
        vm.prank(provider);
        registry.update("https://new.example", "ap-south", keccak256("meta3"), address(0x5163));
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.endpoint, "https://new.example");
        assertEq(p.region, bytes32("ap-south"));
        assertEq(p.metadataHash, keccak256("meta3"));
        assertEq(p.apiSigner, address(0x5163));
        assertTrue(p.registered);
        assertEq(p.stake, STAKE);
    }

    function test_update_emitsProviderUpdated() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.ProviderUpdated(provider, "https://new.example", "ap-south", bytes32(0), apiSigner);
        vm.prank(provider);
        registry.update("https://new.example", "ap-south", bytes32(0), apiSigner);
    }

    function test_update_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.update(ENDPOINT, REGION, bytes32(0), apiSigner);
        assertFalse(registry.getProvider(newcomer).registered);
    }

    function test_update_revertsEmptyEndpoint() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidEndpoint.selector, 0));
        vm.prank(provider);
        registry.update("", REGION, bytes32(0), apiSigner);
        assertEq(registry.getProvider(provider).endpoint, ENDPOINT);
    }

    function test_update_revertsEndpointOver256Bytes() public {
        string memory ep = _endpoint(300);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidEndpoint.selector, 300));
        vm.prank(provider);
        registry.update(ep, REGION, bytes32(0), apiSigner);
        assertEq(registry.getProvider(provider).endpoint, ENDPOINT);
    }

    function test_update_revertsZeroApiSigner() public {
        vm.expectRevert(IProviderRegistry.RegistryInvalidApiSigner.selector);
        vm.prank(provider);
        registry.update(ENDPOINT, REGION, bytes32(0), address(0));
        assertEq(registry.getProvider(provider).apiSigner, apiSigner);
    }

    // ---------------------------------------------------------------- stake

    function test_stake_movesTokensAndIncreasesStake() public {
        uint256 before = token.balanceOf(provider);
        uint256 held = token.balanceOf(address(registry));
        vm.prank(provider);
        registry.stake(500 ether);
        assertEq(token.balanceOf(provider), before - 500 ether);
        assertEq(token.balanceOf(address(registry)), held + 500 ether);
        assertEq(registry.getProvider(provider).stake, STAKE + 500 ether);
    }

    function test_stake_emitsStaked() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.Staked(provider, 500 ether, STAKE + 500 ether);
        vm.prank(provider);
        registry.stake(500 ether);
    }

    function test_stake_registryHoldsAllStake() public view {
        assertEq(token.balanceOf(address(registry)), 2 * STAKE);
    }

    function test_stake_revertsZeroAmount() public {
        vm.expectRevert(IProviderRegistry.RegistryZeroAmount.selector);
        vm.prank(provider);
        registry.stake(0);
    }

    function test_stake_revertsWhenNotRegistered() public {
        uint256 before = token.balanceOf(newcomer);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.stake(1 ether);
        assertEq(token.balanceOf(newcomer), before);
    }

    function test_stake_revertsWithoutAllowance() public {
        vm.prank(newcomer);
        registry.register(ENDPOINT, REGION, bytes32(0), apiSigner);
        vm.prank(newcomer);
        token.approve(address(registry), 0);
        vm.expectRevert();
        vm.prank(newcomer);
        registry.stake(1 ether);
        assertEq(registry.getProvider(newcomer).stake, 0);
    }

    // ---------------------------------------------------------------- requestUnstake

    function test_requestUnstake_movesStakeToUnbonding() public {
        vm.prank(provider);
        registry.requestUnstake(4_000 ether);
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.stake, STAKE - 4_000 ether);
        assertEq(p.unbonding, 4_000 ether);
        assertEq(p.unbondingReadyAt, block.timestamp + UNBONDING_DELAY);
        // No tokens move yet.
        assertEq(token.balanceOf(address(registry)), 2 * STAKE);
    }

    function test_requestUnstake_emitsUnstakeRequested() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.UnstakeRequested(
            provider, 4_000 ether, 4_000 ether, uint64(block.timestamp) + UNBONDING_DELAY
        );
        vm.prank(provider);
        registry.requestUnstake(4_000 ether);
    }

    function test_requestUnstake_allowsWholeStakeWithoutCommitments() public {
        vm.prank(provider);
        registry.requestUnstake(STAKE);
        assertEq(registry.getProvider(provider).stake, 0);
        assertEq(registry.getProvider(provider).unbonding, STAKE);
    }

    function test_requestUnstake_allowsDownToRequiredStake() public {
        _commit(provider, 30); // 30 units -> 3_000 OCX required
        vm.prank(provider);
        registry.requestUnstake(STAKE - 3_000 ether);
        assertEq(registry.getProvider(provider).stake, 3_000 ether);
        assertTrue(registry.isActive(provider));
    }

    function test_requestUnstake_addsAndRestartsDelay() public {
        vm.prank(provider);
        registry.requestUnstake(1_000 ether);
        uint64 firstReady = registry.getProvider(provider).unbondingReadyAt;

        vm.warp(block.timestamp + 3 days);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.UnstakeRequested(
            provider, 500 ether, 1_500 ether, uint64(block.timestamp) + UNBONDING_DELAY
        );
        vm.prank(provider);
        registry.requestUnstake(500 ether);

        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.unbonding, 1_500 ether);
        assertEq(p.stake, STAKE - 1_500 ether);
        assertEq(p.unbondingReadyAt, block.timestamp + UNBONDING_DELAY);
        assertEq(p.unbondingReadyAt, firstReady + 3 days);

        // The first request's deadline no longer releases anything.
        vm.warp(firstReady);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryUnbondingNotReady.selector, 1_500 ether, p.unbondingReadyAt, firstReady
            )
        );
        vm.prank(provider);
        registry.withdrawUnbonded();
    }

    function test_requestUnstake_usesDelayInForceAtRequest() public {
        _setParameters(MIN_STAKE_PER_GPU, 1 days, address(0));
        vm.prank(provider);
        registry.requestUnstake(1 ether);
        assertEq(registry.getProvider(provider).unbondingReadyAt, block.timestamp + 1 days);
    }

    function test_requestUnstake_revertsZeroAmount() public {
        vm.expectRevert(IProviderRegistry.RegistryZeroAmount.selector);
        vm.prank(provider);
        registry.requestUnstake(0);
    }

    function test_requestUnstake_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.requestUnstake(1 ether);
    }

    function test_requestUnstake_revertsExceedsStake() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryUnstakeExceedsStake.selector, STAKE + 1, STAKE)
        );
        vm.prank(provider);
        registry.requestUnstake(STAKE + 1);
        assertEq(registry.getProvider(provider).stake, STAKE);
        assertEq(registry.getProvider(provider).unbonding, 0);
    }

    function test_requestUnstake_revertsBelowRequiredStake() public {
        _commit(provider, 30); // 3_000 OCX required
        assertEq(registry.getProvider(provider).committedGpus, 30);
        uint256 amount = STAKE - 3_000 ether + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider, 3_000 ether - 1, 3_000 ether
            )
        );
        vm.prank(provider);
        registry.requestUnstake(amount);
        assertEq(registry.getProvider(provider).stake, STAKE);
        assertEq(registry.getProvider(provider).unbonding, 0);
    }

    function test_requestUnstake_allowedAgainAfterOfferWithdrawn() public {
        uint256 offerId = _commit(provider, 30);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(registry.getProvider(provider).committedGpus, 0);
        vm.prank(provider);
        registry.requestUnstake(STAKE);
        assertEq(registry.getProvider(provider).stake, 0);
    }

    // ---------------------------------------------------------------- withdrawUnbonded

    function test_withdrawUnbonded_returnsTokensAfterDelay() public {
        vm.prank(provider);
        registry.requestUnstake(4_000 ether);
        uint64 readyAt = registry.getProvider(provider).unbondingReadyAt;
        uint256 before = token.balanceOf(provider);

        vm.warp(readyAt); // exactly at readyAt is allowed
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.Unstaked(provider, 4_000 ether);
        vm.prank(provider);
        uint256 amount = registry.withdrawUnbonded();

        assertEq(amount, 4_000 ether);
        assertEq(token.balanceOf(provider), before + 4_000 ether);
        assertEq(token.balanceOf(address(registry)), 2 * STAKE - 4_000 ether);
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.unbonding, 0);
        assertEq(p.stake, STAKE - 4_000 ether);
    }

    function test_withdrawUnbonded_revertsBeforeDelay() public {
        vm.prank(provider);
        registry.requestUnstake(4_000 ether);
        uint64 readyAt = registry.getProvider(provider).unbondingReadyAt;
        vm.warp(readyAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryUnbondingNotReady.selector, 4_000 ether, readyAt, readyAt - 1
            )
        );
        vm.prank(provider);
        registry.withdrawUnbonded();
        assertEq(registry.getProvider(provider).unbonding, 4_000 ether);
    }

    function test_withdrawUnbonded_revertsWhenNothingUnbonding() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryUnbondingNotReady.selector, 0, uint64(0), uint64(block.timestamp)
            )
        );
        vm.prank(provider);
        registry.withdrawUnbonded();
    }

    function test_withdrawUnbonded_revertsOnSecondWithdrawal() public {
        vm.prank(provider);
        registry.requestUnstake(1 ether);
        uint64 readyAt = registry.getProvider(provider).unbondingReadyAt;
        vm.warp(readyAt + 1);
        vm.prank(provider);
        registry.withdrawUnbonded();
        uint256 balance = token.balanceOf(provider);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryUnbondingNotReady.selector, 0, readyAt, readyAt + 1)
        );
        vm.prank(provider);
        registry.withdrawUnbonded();
        assertEq(token.balanceOf(provider), balance);
    }

    function test_withdrawUnbonded_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.withdrawUnbonded();
    }

    function test_withdrawUnbonded_paysOnlyWhatSurvivedSlash() public {
        vm.prank(provider);
        registry.requestUnstake(STAKE); // stake 0, unbonding 10_000
        _slash(provider, 3_000 ether);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        uint256 before = token.balanceOf(provider);
        vm.prank(provider);
        assertEq(registry.withdrawUnbonded(), 7_000 ether);
        assertEq(token.balanceOf(provider), before + 7_000 ether);
    }

    // ---------------------------------------------------------------- slash

    function test_slash_revertsForNonSlasher() public {
        bytes32 role = registry.SLASHER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        registry.slash(provider, 1 ether, REASON, address(0), 0);
        assertEq(registry.getProvider(provider).stake, STAKE);
    }

    function test_slash_revertsForMarket() public {
        bytes32 role = registry.SLASHER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(market), role)
        );
        vm.prank(address(market));
        registry.slash(provider, 1 ether, REASON, address(0), 0);
    }

    function test_slash_revertsZeroAmount() public {
        vm.expectRevert(IProviderRegistry.RegistryZeroAmount.selector);
        vm.prank(slasher);
        registry.slash(provider, 0, REASON, address(0), 0);
    }

    function test_slash_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(slasher);
        registry.slash(newcomer, 1 ether, REASON, address(0), 0);
    }

    function test_slash_burnsWhenNoSink() public {
        uint256 supply = token.totalSupply();
        uint256 held = token.balanceOf(address(registry));
        uint256 slashed = _slash(provider, 1_000 ether);
        assertEq(slashed, 1_000 ether);
        assertEq(token.totalSupply(), supply - 1_000 ether);
        assertEq(token.balanceOf(address(registry)), held - 1_000 ether);
        assertEq(registry.getProvider(provider).stake, STAKE - 1_000 ether);
        assertEq(token.balanceOf(address(0)), 0);
    }

    function test_slash_transfersToSinkWhenSet() public {
        _setParameters(MIN_STAKE_PER_GPU, UNBONDING_DELAY, sink);
        uint256 supply = token.totalSupply();
        uint256 held = token.balanceOf(address(registry));
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(registry), sink, 1_000 ether);
        uint256 slashed = _slash(provider, 1_000 ether);
        assertEq(slashed, 1_000 ether);
        assertEq(token.balanceOf(sink), 1_000 ether);
        assertEq(token.totalSupply(), supply);
        assertEq(token.balanceOf(address(registry)), held - 1_000 ether);
        assertEq(registry.getProvider(provider).stake, STAKE - 1_000 ether);
    }

    function test_slash_emitsSlashed() public {
        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.Slashed(provider, slasher, 1_000 ether, REASON, false, address(0), 0);
        _slash(provider, 1_000 ether);
    }

    function test_slash_takesStakeFirstThenUnbonding() public {
        vm.prank(provider);
        registry.requestUnstake(4_000 ether); // stake 6_000, unbonding 4_000
        uint256 supply = token.totalSupply();

        assertEq(_slash(provider, 5_000 ether), 5_000 ether);
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.stake, 1_000 ether);
        assertEq(p.unbonding, 4_000 ether, "unbonding untouched while stake covers the slash");

        assertEq(_slash(provider, 2_500 ether), 2_500 ether);
        p = registry.getProvider(provider);
        assertEq(p.stake, 0);
        assertEq(p.unbonding, 2_500 ether);
        assertEq(token.totalSupply(), supply - 7_500 ether);
    }

    function test_slash_cappedAtWhatExists() public {
        vm.prank(provider);
        registry.requestUnstake(4_000 ether);
        uint256 supply = token.totalSupply();
        uint256 held = token.balanceOf(address(registry));

        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.Slashed(provider, slasher, STAKE, REASON, true, address(0), 0);
        uint256 slashed = _slash(provider, 1_000_000 ether);

        assertEq(slashed, STAKE);
        assertEq(token.totalSupply(), supply - STAKE);
        assertEq(token.balanceOf(address(registry)), held - STAKE);
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.stake, 0);
        assertEq(p.unbonding, 0);
        // provider2's stake is untouched
        assertEq(registry.getProvider(provider2).stake, STAKE);
    }

    function test_slash_returnsZeroWhenNothingLeft() public {
        _slash(provider, STAKE);
        uint256 supply = token.totalSupply();
        uint256 held = token.balanceOf(address(registry));
        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.Slashed(provider, slasher, 0, REASON, true, address(0), 0);
        assertEq(_slash(provider, 1 ether), 0);
        assertEq(token.totalSupply(), supply);
        assertEq(token.balanceOf(address(registry)), held);
    }

    function test_slash_jailsWhenBelowRequiredStake() public {
        _commit(provider, 50); // 5_000 OCX required
        // Down to exactly the requirement: not jailed.
        _slash(provider, STAKE - 5_000 ether);
        assertFalse(registry.getProvider(provider).jailed);
        assertTrue(registry.isActive(provider));

        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.Slashed(provider, slasher, 1, REASON, true, address(0), 0);
        _slash(provider, 1);
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertTrue(p.jailed);
        assertEq(p.stake, 5_000 ether - 1);
        assertFalse(registry.isActive(provider));
    }

    function test_slash_doesNotJailWhenStakeStillCovers() public {
        _slash(provider, STAKE - 1); // no commitments, some stake left
        assertFalse(registry.getProvider(provider).jailed);
        assertTrue(registry.isActive(provider));
    }

    function test_slash_jailsWhenStakeReachesZero() public {
        _slash(provider, STAKE); // no commitments, but nothing left at stake
        assertTrue(registry.getProvider(provider).jailed);
        assertFalse(registry.isActive(provider));
    }

    // ---------------------------------------------------------------- slash with a reward

    function test_slash_paysRewardRoundedDownAndBurnsTheRest() public {
        address prover = address(0xF00D);
        uint256 supply = token.totalSupply();
        vm.expectEmit(true, true, false, true, address(registry));
        // 1_000 ether + 1 wei at 33.33 %: the reward is rounded down, the sink (burn) gets the remainder.
        uint256 amount = 1_000 ether + 1;
        uint256 reward = amount * 3_333 / 10_000;
        emit IProviderRegistry.Slashed(provider, slasher, amount, REASON, false, prover, reward);
        vm.prank(slasher);
        uint256 slashed = registry.slash(provider, amount, REASON, prover, 3_333);
        assertEq(slashed, amount);
        assertEq(token.balanceOf(prover), reward);
        assertEq(token.totalSupply(), supply - (amount - reward), "the rest is burned");
    }

    function test_slash_paysRewardAndSendsRestToSink() public {
        _setParameters(MIN_STAKE_PER_GPU, UNBONDING_DELAY, sink);
        address prover = address(0xF00D);
        uint256 held = token.balanceOf(address(registry));
        vm.prank(slasher);
        registry.slash(provider, 1_000 ether, REASON, prover, 5_000);
        assertEq(token.balanceOf(prover), 500 ether);
        assertEq(token.balanceOf(sink), 500 ether);
        assertEq(token.balanceOf(address(registry)), held - 1_000 ether);
    }

    function test_slash_wholeSlashAsReward() public {
        address prover = address(0xF00D);
        uint256 supply = token.totalSupply();
        vm.prank(slasher);
        registry.slash(provider, 1_000 ether, REASON, prover, 10_000);
        assertEq(token.balanceOf(prover), 1_000 ether);
        assertEq(token.totalSupply(), supply, "nothing burned");
    }

    function test_slash_revertsRewardAboveWhole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParameterOutOfBounds.selector, bytes32("rewardBps"), 10_001, 0, 10_000
            )
        );
        vm.prank(slasher);
        registry.slash(provider, 1 ether, REASON, address(0xF00D), 10_001);
    }

    function test_slash_revertsRewardToZeroAddress() public {
        vm.expectRevert(IProviderRegistry.RegistryInvalidBeneficiary.selector);
        vm.prank(slasher);
        registry.slash(provider, 1 ether, REASON, address(0), 1);
    }

    function testFuzz_slash_rewardPlusSinkEqualsSlashed(uint256 amount, uint16 rewardBps) public {
        amount = bound(amount, 1, 2 * STAKE);
        rewardBps = uint16(bound(rewardBps, 0, 10_000));
        _setParameters(MIN_STAKE_PER_GPU, UNBONDING_DELAY, sink);
        address prover = address(0xF00D);
        uint256 held = token.balanceOf(address(registry));
        vm.prank(slasher);
        uint256 slashed = registry.slash(provider, amount, REASON, prover, rewardBps);
        assertEq(slashed, amount < STAKE ? amount : STAKE);
        assertEq(token.balanceOf(prover), slashed * rewardBps / 10_000, "reward rounded down");
        assertEq(token.balanceOf(prover) + token.balanceOf(sink), slashed, "no unit created or lost");
        assertEq(token.balanceOf(address(registry)), held - slashed);
    }

    // ---------------------------------------------------------------- unjail

    function test_unjail_revertsWhenNotJailed() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotJailed.selector, provider));
        vm.prank(provider);
        registry.unjail();
    }

    function test_unjail_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.unjail();
    }

    function test_unjail_revertsInsufficientStake() public {
        _commit(provider, 50); // 5_000 OCX required
        _slash(provider, 6_000 ether); // stake 4_000 -> jailed
        assertTrue(registry.getProvider(provider).jailed);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, provider, 4_000 ether, 5_000 ether
            )
        );
        vm.prank(provider);
        registry.unjail();
        assertTrue(registry.getProvider(provider).jailed);
    }

    function test_unjail_succeedsAfterToppingUpStake() public {
        _commit(provider, 50);
        _slash(provider, 6_000 ether); // stake 4_000, jailed
        vm.prank(provider);
        registry.stake(1_000 ether); // exactly 5_000 again
        assertFalse(registry.isActive(provider)); // still jailed until unjail is called

        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.Unjailed(provider);
        vm.prank(provider);
        registry.unjail();

        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertFalse(p.jailed);
        assertEq(p.stake, 5_000 ether);
        assertTrue(registry.isActive(provider));
        // and can commit again once staked for it
        vm.prank(provider);
        registry.stake(100 ether);
        _commit(provider, 1);
        assertEq(registry.getProvider(provider).committedGpus, 51);
    }

    // ---------------------------------------------------------------- increaseCommitment / decreaseCommitment

    function test_increaseCommitment_revertsForNonMarket() public {
        bytes32 role = registry.MARKET_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, provider, role)
        );
        vm.prank(provider);
        registry.increaseCommitment(provider, 1);
        assertEq(registry.getProvider(provider).committedGpus, 0);
    }

    function test_increaseCommitment_addsUnitsAndEmits() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.CommitmentChanged(provider, 8, 800 ether);
        vm.prank(address(market));
        registry.increaseCommitment(provider, 8);
        vm.prank(address(market));
        registry.increaseCommitment(provider, 2);
        assertEq(registry.getProvider(provider).committedGpus, 10);
    }

    function test_increaseCommitment_viaPostOffer() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.CommitmentChanged(provider, 4, 400 ether);
        _postOffer(provider); // one GPU, up to 4 leases
        assertEq(registry.getProvider(provider).committedGpus, 4);
    }

    function test_increaseCommitment_allowsExactlyRequiredStake() public {
        vm.prank(address(market));
        registry.increaseCommitment(provider, 100); // 100 * 100 = 10_000 OCX = STAKE
        assertEq(registry.getProvider(provider).committedGpus, 100);
        assertTrue(registry.isActive(provider));
    }

    function test_increaseCommitment_revertsInsufficientStake() public {
        vm.prank(address(market));
        registry.increaseCommitment(provider, 60);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, provider, STAKE, 10_100 ether)
        );
        vm.prank(address(market));
        registry.increaseCommitment(provider, 41);
        assertEq(registry.getProvider(provider).committedGpus, 60);
    }

    function test_increaseCommitment_postOfferRevertsInsufficientStake() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, provider, STAKE, 10_100 ether)
        );
        vm.prank(provider);
        market.postOffer(_h100(101), PRICE, 1, 60, 30 days);
        assertEq(registry.getProvider(provider).committedGpus, 0);
    }

    function test_increaseCommitment_revertsWhenJailed() public {
        _slash(provider, STAKE); // jailed
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderJailed.selector, provider));
        vm.prank(address(market));
        registry.increaseCommitment(provider, 0);
    }

    function test_increaseCommitment_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(address(market));
        registry.increaseCommitment(newcomer, 1);
    }

    function test_increaseCommitment_revertsAboveUint32() public {
        _setParameters(0, UNBONDING_DELAY, address(0)); // no stake needed, so only the cast can fail
        uint256 units = uint256(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, units));
        vm.prank(address(market));
        registry.increaseCommitment(provider, units);
    }

    function test_decreaseCommitment_revertsForNonMarket() public {
        vm.prank(address(market));
        registry.increaseCommitment(provider, 5);
        bytes32 role = registry.MARKET_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, slasher, role));
        vm.prank(slasher);
        registry.decreaseCommitment(provider, 5);
        assertEq(registry.getProvider(provider).committedGpus, 5);
    }

    function test_decreaseCommitment_releasesUnitsAndEmits() public {
        vm.prank(address(market));
        registry.increaseCommitment(provider, 10);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.CommitmentChanged(provider, 7, 700 ether);
        vm.prank(address(market));
        registry.decreaseCommitment(provider, 3);
        assertEq(registry.getProvider(provider).committedGpus, 7);
    }

    function test_decreaseCommitment_viaWithdrawOffer() public {
        uint256 offerId = _commit(provider, 30);
        _commit(provider, 5);
        vm.prank(provider);
        market.withdrawOffer(offerId);
        assertEq(registry.getProvider(provider).committedGpus, 5);
    }

    function test_decreaseCommitment_worksWhileJailed() public {
        _commit(provider, 50);
        _slash(provider, 6_000 ether); // jailed
        vm.prank(address(market));
        registry.decreaseCommitment(provider, 20);
        assertEq(registry.getProvider(provider).committedGpus, 30);
        // Stake 4_000 now covers 30 units (3_000), so the provider can unjail.
        vm.prank(provider);
        registry.unjail();
        assertTrue(registry.isActive(provider));
    }

    function test_decreaseCommitment_revertsOnUnderflow() public {
        vm.prank(address(market));
        registry.increaseCommitment(provider, 2);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        vm.prank(address(market));
        registry.decreaseCommitment(provider, 3);
        assertEq(registry.getProvider(provider).committedGpus, 2);
    }

    function test_decreaseCommitment_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(address(market));
        registry.decreaseCommitment(newcomer, 0);
    }

    // ---------------------------------------------------------------- isActive / requiredStake / requireCapacity

    function test_isActive_trueForRegisteredStakedProvider() public view {
        assertTrue(registry.isActive(provider));
        assertTrue(registry.isActive(provider2));
    }

    function test_isActive_falseWhenNotRegistered() public view {
        assertFalse(registry.isActive(newcomer));
    }

    function test_isActive_falseWhenJailed() public {
        _commit(provider, 50);
        _slash(provider, 6_000 ether);
        assertFalse(registry.isActive(provider));
        assertTrue(registry.isActive(provider2));
    }

    function test_isActive_falseWhenParametersRaiseRequirement() public {
        _commit(provider, 50); // 5_000 required at 100 OCX/GPU
        _setParameters(201 ether, UNBONDING_DELAY, address(0)); // 10_050 required
        assertFalse(registry.isActive(provider));
        assertFalse(registry.getProvider(provider).jailed);
        assertTrue(registry.isActive(provider2), "no commitments: still active");
    }

    /// @dev `quoteSigner` decodes the provider's packed slot itself: its `active` must be `isActive`'s in every case,
    /// including a provider jailed while it holds enough stake (only the jailed bit says no).
    function test_quoteSigner_activeExactlyAsIsActive() public {
        (address signer, bool active) = registry.quoteSigner(provider);
        assertEq(signer, registry.getProvider(provider).apiSigner);
        assertTrue(active);
        (, active) = registry.quoteSigner(newcomer);
        assertTrue(!active, "not registered");

        _commit(provider, 50); // 5_000 required
        _slash(provider, 6_000 ether); // 4_000 left: jailed
        vm.prank(provider);
        registry.stake(5_000 ether); // 9_000: enough, still jailed
        assertTrue(registry.getProvider(provider).jailed);
        (, active) = registry.quoteSigner(provider);
        assertTrue(!active, "jailed with enough stake");
        assertFalse(registry.isActive(provider));

        vm.prank(provider);
        registry.unjail();
        (, active) = registry.quoteSigner(provider);
        assertTrue(active, "unjailed");
        _setParameters(181 ether, UNBONDING_DELAY, address(0)); // 9_050 required
        (, active) = registry.quoteSigner(provider);
        assertTrue(!active, "under-staked after a parameter change");
        _setParameters(180 ether, UNBONDING_DELAY, address(0)); // 9_000 required: exactly the stake
        (, active) = registry.quoteSigner(provider);
        assertTrue(active, "stake equal to the requirement");
    }

    function test_requiredStake_isUnitsTimesMinStake() public {
        assertEq(registry.requiredStake(0), 0);
        assertEq(registry.requiredStake(1), MIN_STAKE_PER_GPU);
        assertEq(registry.requiredStake(37), 37 * uint256(MIN_STAKE_PER_GPU));
        _setParameters(5 ether, UNBONDING_DELAY, address(0));
        assertEq(registry.requiredStake(37), 185 ether);
    }

    function test_requireCapacity_passesWhenStakeCovers() public {
        _commit(provider, 40);
        registry.requireCapacity(provider, 60); // 100 units = 10_000 OCX, exactly the stake
        assertEq(registry.getProvider(provider).committedGpus, 40, "view does not commit");
    }

    function test_requireCapacity_revertsInsufficientStake() public {
        _commit(provider, 40);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, provider, STAKE, 10_100 ether)
        );
        registry.requireCapacity(provider, 61);
    }

    function test_requireCapacity_revertsWhenJailed() public {
        _slash(provider, STAKE);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderJailed.selector, provider));
        registry.requireCapacity(provider, 0);
    }

    function test_requireCapacity_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        registry.requireCapacity(newcomer, 0);
    }

    // ---------------------------------------------------------------- setParameters / parameters

    function test_setParameters_updatesAndEmits() public {
        vm.expectEmit(false, false, false, true, address(registry));
        emit IProviderRegistry.ParametersChanged(250 ether, 14 days, sink);
        _setParameters(250 ether, 14 days, sink);
        IProviderRegistry.Parameters memory p = registry.parameters();
        assertEq(p.minStakePerGpu, 250 ether);
        assertEq(p.unbondingDelay, 14 days);
        assertEq(p.slashSink, sink);
    }

    function test_setParameters_acceptsBounds() public {
        _setParameters(uint128(registry.MAX_MIN_STAKE_PER_GPU()), registry.MAX_UNBONDING_DELAY(), address(0));
        IProviderRegistry.Parameters memory p = registry.parameters();
        assertEq(p.minStakePerGpu, 10_000_000 ether);
        assertEq(p.unbondingDelay, 90 days);
        _setParameters(0, 0, address(0));
        p = registry.parameters();
        assertEq(p.minStakePerGpu, 0);
        assertEq(p.unbondingDelay, 0);
    }

    function test_setParameters_revertsForNonAdmin() public {
        bytes32 role = registry.PARAMETER_ADMIN_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, slasher, role));
        vm.prank(slasher);
        registry.setParameters(IProviderRegistry.Parameters({minStakePerGpu: 1, unbondingDelay: 1, slashSink: slasher}));
        assertEq(registry.parameters().minStakePerGpu, MIN_STAKE_PER_GPU);
        assertEq(registry.parameters().slashSink, address(0));
    }

    function test_setParameters_revertsMinStakePerGpuAboveMax() public {
        uint256 max = registry.MAX_MIN_STAKE_PER_GPU();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParameterOutOfBounds.selector, bytes32("minStakePerGpu"), max + 1, 0, max
            )
        );
        _setParameters(uint128(max + 1), UNBONDING_DELAY, address(0));
        assertEq(registry.parameters().minStakePerGpu, MIN_STAKE_PER_GPU);
    }

    function test_setParameters_revertsUnbondingDelayAboveMax() public {
        uint64 max = registry.MAX_UNBONDING_DELAY();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParameterOutOfBounds.selector,
                bytes32("unbondingDelay"),
                uint256(max) + 1,
                0,
                uint256(max)
            )
        );
        _setParameters(MIN_STAKE_PER_GPU, max + 1, address(0));
        assertEq(registry.parameters().unbondingDelay, UNBONDING_DELAY);
    }

    function test_setParameters_grantedRoleCanSet() public {
        address governor = address(0x6011);
        bytes32 role = registry.PARAMETER_ADMIN_ROLE();
        vm.prank(admin);
        registry.grantRole(role, governor);
        vm.prank(governor);
        registry.setParameters(
            IProviderRegistry.Parameters({minStakePerGpu: 1 ether, unbondingDelay: 1 days, slashSink: sink})
        );
        assertEq(registry.parameters().minStakePerGpu, 1 ether);
    }

    // ---------------------------------------------------------------- getProvider

    function test_getProvider_emptyForUnknown() public view {
        IProviderRegistry.Provider memory p = registry.getProvider(newcomer);
        assertFalse(p.registered);
        assertEq(bytes(p.endpoint).length, 0);
        assertEq(p.stake, 0);
        assertEq(p.apiSigner, address(0));
    }

    function test_getProvider_reflectsDeployersSetup() public view {
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertTrue(p.registered);
        assertEq(p.endpoint, ENDPOINT);
        assertEq(p.region, REGION);
        assertEq(p.metadataHash, keccak256("metadata"));
        assertEq(p.apiSigner, apiSigner);
        assertEq(p.stake, STAKE);
    }
}
