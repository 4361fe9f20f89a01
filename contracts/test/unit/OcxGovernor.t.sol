// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {OcxGovernor} from "../../src/governance/OcxGovernor.sol";
import {OcxTimelock} from "../../src/governance/OcxTimelock.sol";
import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {Deployers} from "../utils/Deployers.sol";

/// @notice A proposal's whole life, from delegation to execution, with the timelock taking over the marketplace's,
/// the registry's and the token's admin on the way; and what fails: bounds, too few votes, too early, a stranger.
contract OcxGovernorTest is Deployers {
    uint48 internal constant VOTING_DELAY = 1; // blocks
    uint32 internal constant VOTING_PERIOD = 5; // blocks
    uint256 internal constant THRESHOLD = 1_000 ether;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint256 internal constant TIMELOCK_DELAY = 60; // seconds

    OcxTimelock internal timelock;
    OcxGovernor internal governor;
    address internal voter = address(0x707E);
    address internal minnow = address(0x3113);

    function setUp() public override {
        super.setUp();
        vm.roll(100);
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1); // address(0): anyone executes a ready operation
        // The test contract administers the timelock only while wiring it, as deployOcx does.
        timelock = new OcxTimelock(TIMELOCK_DELAY, none, anyone, address(this));
        governor =
            new OcxGovernor(IVotes(address(token)), timelock, VOTING_DELAY, VOTING_PERIOD, THRESHOLD, QUORUM_PERCENT);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        // The current admin starts the two-step transfers; the timelock accepts them by proposal below.
        vm.startPrank(admin);
        market.transferAdmin(address(timelock));
        registry.beginDefaultAdminTransfer(address(timelock));
        token.beginDefaultAdminTransfer(address(timelock));
        vm.stopPrank();

        // 10 % of the supply votes through `voter`; `minnow` holds less than the threshold.
        vm.startPrank(treasury);
        require(token.transfer(voter, INITIAL_SUPPLY / 10), "transfer failed");
        require(token.transfer(minnow, THRESHOLD / 2), "transfer failed");
        vm.stopPrank();
        vm.prank(voter);
        token.delegate(voter);
        vm.prank(minnow);
        token.delegate(minnow);
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------- helpers

    function _feeProposal(uint16 feeBps)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        IMarketplace.Parameters memory p = market.parameters();
        p.feeBps = feeBps;
        targets = new address[](4);
        values = new uint256[](4);
        calldatas = new bytes[](4);
        targets[0] = address(market);
        calldatas[0] = abi.encodeCall(IMarketplace.acceptAdmin, ());
        targets[1] = address(registry);
        calldatas[1] = abi.encodeWithSignature("acceptDefaultAdminTransfer()");
        targets[2] = address(token);
        calldatas[2] = abi.encodeWithSignature("acceptDefaultAdminTransfer()");
        targets[3] = address(market);
        calldatas[3] = abi.encodeCall(IMarketplace.setParameters, (p));
    }

    /// @dev Proposes, votes for with `voter`, closes the vote and queues; returns the proposal id.
    function _passAndQueue(address[] memory t, uint256[] memory v, bytes[] memory c, string memory description)
        internal
        returns (uint256 id)
    {
        vm.prank(voter);
        id = governor.propose(t, v, c, description);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Pending), "pending");
        vm.roll(block.number + VOTING_DELAY + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Active), "active");
        vm.prank(voter);
        governor.castVote(id, 1); // for
        vm.roll(block.number + VOTING_PERIOD);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded), "succeeded");
        governor.queue(t, v, c, keccak256(bytes(description)));
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued), "queued");
    }

    // ---------------------------------------------------------------- lifecycle

    function test_lifecycle_feeChangeExecutesAfterDelayAndTimelockTakesAdmin() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(100);
        string memory description = "Take over admin; protocol fee 2.5 % -> 1 %";
        uint256 id = _passAndQueue(t, v, c, description);

        // Too early: the timelock's delay has not passed.
        bytes32 operation =
            timelock.hashOperationBatch(t, v, c, 0, bytes20(address(governor)) ^ keccak256(bytes(description)));
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operation,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        governor.execute(t, v, c, keccak256(bytes(description)));

        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.prank(minnow); // anyone executes
        governor.execute(t, v, c, keccak256(bytes(description)));

        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed), "executed");
        assertEq(market.parameters().feeBps, 100, "new fee");
        (address marketAdmin,,) = market.roles();
        assertTrue(marketAdmin == address(timelock), "marketplace admin");
        assertTrue(registry.defaultAdmin() == address(timelock), "registry admin");
        assertTrue(token.defaultAdmin() == address(timelock), "token admin");

        // The old admin can no longer change parameters.
        IMarketplace.Parameters memory p = market.parameters();
        vm.prank(admin);
        vm.expectRevert();
        market.setParameters(p);
    }

    function test_lifecycle_feeChangeAppliesToTheNextSettlement() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(500);
        _passAndQueue(t, v, c, "fee 5 %");
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        governor.execute(t, v, c, keccak256(bytes("fee 5 %")));

        uint256 feesBefore = _allFees();
        (, uint256 leaseId) = _activeLease(uint128(PRICE * 3600));
        vm.warp(block.timestamp + 1000);
        vm.prank(provider);
        market.settle(leaseId);
        // 1000 s at PRICE, 5 % of it to the protocol (rounded down).
        assertEq(_allFees() - feesBefore, PRICE * 1000 * 500 / 10_000, "fee at the new rate");
    }

    function test_execute_revertsWithTheParameterBoundWhenOutOfBounds() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(2_000); // over MAX_FEE_BPS
        _passAndQueue(t, v, c, "fee 20 %");
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarketplace.MarketplaceParameterOutOfBounds.selector, bytes32("feeBps"), uint256(2_000), 0, 1_000
            )
        );
        governor.execute(t, v, c, keccak256(bytes("fee 20 %")));
        assertEq(market.parameters().feeBps, FEE_BPS, "fee unchanged");
        (address marketAdmin,,) = market.roles();
        assertTrue(marketAdmin == admin, "admin unchanged: the batch reverted whole");
    }

    // ---------------------------------------------------------------- failures

    function test_propose_revertsBelowThreshold() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(100);
        vm.prank(minnow);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, minnow, THRESHOLD / 2, THRESHOLD
            )
        );
        governor.propose(t, v, c, "small");
    }

    function test_vote_defeatedWithoutQuorum() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(100);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "no quorum");
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(minnow); // far below 4 % of the supply
        governor.castVote(id, 1);
        vm.roll(block.number + VOTING_PERIOD);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Defeated), "defeated");
        vm.expectRevert();
        governor.queue(t, v, c, keccak256(bytes("no quorum")));
    }

    function test_vote_defeatedWhenAgainstWins() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _feeProposal(100);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "against");
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(voter);
        governor.castVote(id, 0);
        vm.roll(block.number + VOTING_PERIOD);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Defeated), "defeated");
    }

    function test_timelock_rejectsDirectSchedulingByStrangers() public {
        vm.prank(voter);
        vm.expectRevert();
        timelock.schedule(address(market), 0, abi.encodeCall(IMarketplace.acceptAdmin, ()), 0, 0, TIMELOCK_DELAY);
    }

    function test_settings_onlyGovernanceChangesThem() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        governor.setVotingPeriod(10);
        assertEq(governor.votingDelay(), VOTING_DELAY, "delay");
        assertEq(governor.votingPeriod(), VOTING_PERIOD, "period");
        assertEq(governor.quorum(block.number - 1), INITIAL_SUPPLY * QUORUM_PERCENT / 100, "quorum");
        assertTrue(governor.timelock() == address(timelock), "timelock");
    }
}
