// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofOfCompute} from "../../src/interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {IValidatorRegistry} from "../../src/interfaces/IValidatorRegistry.sol";
import {ProofMath} from "../../src/libraries/ProofMath.sol";
import {TrustFixtures as F} from "../fixtures/trust/TrustFixtures.sol";
import {TrustDeployers} from "../utils/TrustDeployers.sol";

/// @notice The cheatcode these tests need beyond Test.sol's: block hashes are the seeds.
interface BlockhashVm {
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
}

/// @notice ProofOfCompute with real answers from packages/proofs (test/fixtures/trust, n = 128, L = 2):
/// the honest path to a verified GPU, every fault and its slash, failed accusations and abandoned challenges.
contract ProofOfComputeTest is TrustDeployers {
    BlockhashVm internal constant bvm = BlockhashVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant CHALLENGE_BLOCK = 100;
    address internal anyone = address(0xF00D);

    // ---------------------------------------------------------------- helpers

    /// @dev The validator challenges GPU 0 of the provider as "cpu" at block 100, whose hash is the fixtures' seed.
    function _challenge() internal returns (uint256 id) {
        vm.roll(CHALLENGE_BLOCK);
        vm.prank(validator);
        id = proofs.challenge(provider, CPU, 0);
        vm.roll(CHALLENGE_BLOCK + 1);
        vm.warp(block.timestamp + 2);
        bvm.setBlockhash(CHALLENGE_BLOCK, F.SEED);
    }

    /// @dev The provider commits `root` in the current block, whose hash becomes the fixtures' audit seed.
    function _commit(uint256 id, bytes32 root) internal {
        vm.prank(provider);
        proofs.commit(id, root);
        uint256 commitBlock = block.number;
        vm.roll(commitBlock + 1);
        vm.warp(block.timestamp + 1);
        bvm.setBlockhash(commitBlock, F.AUDIT_SEED);
    }

    function _respond(uint256 id, bytes memory products) internal {
        vm.prank(provider);
        proofs.respond(id, products);
    }

    function _responded(bytes32 root, bytes memory products) internal returns (uint256 id) {
        id = _challenge();
        _commit(id, root);
        _respond(id, products);
    }

    function _phase(uint256 id) internal view returns (IProofOfCompute.ChallengePhase) {
        return proofs.getChallenge(id).phase;
    }

    function _assertPhase(uint256 id, IProofOfCompute.ChallengePhase expected) internal view {
        assertEq(uint256(_phase(id)), uint256(expected), "phase");
    }

    function _locked(address who) internal view returns (uint256) {
        return validators.getValidator(who).locked;
    }

    function _stake(address who) internal view returns (uint256) {
        return registry.getProvider(who).stake;
    }

    /// @dev After a fault: the provider lost FAULT_SLASH, `prover` got its reward, the bond is free again.
    function _assertFaulted(uint256 id, address prover, uint256 proverBefore, uint256 stakeBefore) internal view {
        _assertPhase(id, IProofOfCompute.ChallengePhase.Faulted);
        assertEq(_stake(provider), stakeBefore - FAULT_SLASH, "provider slashed by faultSlash");
        assertEq(token.balanceOf(prover), proverBefore + uint256(FAULT_SLASH) * REWARD_BPS / 10_000, "prover reward");
        assertEq(_locked(validator), 0, "validator bond released");
        assertEq(validators.getValidator(validator).stake, VALIDATOR_STAKE, "validator keeps its stake");
    }

    /// @dev After a failed accusation or abandonment: the validator's bond went to the provider.
    function _assertBondToProvider(uint256 id, uint256 providerBefore) internal view {
        _assertPhase(id, IProofOfCompute.ChallengePhase.Dismissed);
        assertEq(token.balanceOf(provider), providerBefore + CHALLENGE_BOND, "bond paid to provider");
        assertEq(_locked(validator), 0, "nothing locked");
        assertEq(validators.getValidator(validator).stake, VALIDATOR_STAKE - CHALLENGE_BOND, "validator lost its bond");
    }

    // ---------------------------------------------------------------- honest path

    function test_honest_challengeAttest_isVerified() public {
        uint256 id = _challenge();
        assertEq(id, 1);
        assertEq(_locked(validator), CHALLENGE_BOND, "bond locked");
        IProofOfCompute.Challenge memory c = proofs.getChallenge(id);
        assertEq(c.provider, provider);
        assertEq(c.validator, validator);
        assertEq(uint256(c.n), F.N);
        assertEq(uint256(c.k), F.K);
        assertEq(uint256(c.deadlineAt), uint256(c.challengedAt) + F.DEADLINE_SECONDS);

        proofs.fixSeed(id);
        c = proofs.getChallenge(id);
        assertEq(c.seed, F.SEED);
        assertEq(c.workId, F.WORK_ID);

        _commit(id, F.HONEST_ROOT);
        _respond(id, F.honestProducts());
        c = proofs.getChallenge(id);
        assertEq(c.auditId, F.HONEST_AUDIT_ID);
        assertEq(c.productsHash, sha256(F.honestProducts()));
        assertEq(keccak256(proofs.productsOf(id)), keccak256(F.honestProducts()));
        _assertPhase(id, IProofOfCompute.ChallengePhase.Responded);

        vm.expectEmit(true, true, false, true, address(proofs));
        emit IProofOfCompute.Attested(provider, CPU, 0, 9_000, uint64(block.timestamp) + ATTESTATION_TTL, id, validator);
        vm.prank(validator);
        proofs.attest(id, 9_000);
        _assertPhase(id, IProofOfCompute.ChallengePhase.Attested);
        assertEq(_locked(validator), 0, "bond released");
        assertTrue(proofs.isVerified(provider, CPU, 0), "CPU offer (gpuCount 0) verified");
        assertTrue(proofs.isVerified(provider, CPU, 1));
        assertFalse(proofs.isVerified(provider, CPU, 2));
        assertFalse(proofs.isVerified(provider2, CPU, 1));
        IProofOfCompute.Attestation memory a = proofs.attestationOf(provider, CPU, 0);
        assertEq(uint256(a.score), 9_000);
        assertEq(a.challengeId, id);

        vm.warp(a.expiresAt);
        assertFalse(proofs.isVerified(provider, CPU, 1));
    }

    function test_commit_storesSeedWhenNobodyFixedIt() public {
        uint256 id = _challenge();
        _commit(id, F.HONEST_ROOT);
        assertEq(proofs.getChallenge(id).workId, F.WORK_ID);
    }

    function test_commit_revertsInTheChallengeBlock() public {
        vm.roll(CHALLENGE_BLOCK);
        vm.prank(validator);
        uint256 id = proofs.challenge(provider, CPU, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofSeedUnavailable.selector, id, uint64(CHALLENGE_BLOCK), CHALLENGE_BLOCK
            )
        );
        vm.prank(provider);
        proofs.commit(id, F.HONEST_ROOT);
    }

    // ---------------------------------------------------------------- challenge checks

    function test_challenge_revertsForInactiveValidator() public {
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotActiveValidator.selector, anyone));
        vm.prank(anyone);
        proofs.challenge(provider, CPU, 0);
    }

    function test_challenge_revertsForUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofUnknownModel.selector, H100));
        vm.prank(validator);
        proofs.challenge(provider, H100, 0);
    }

    function test_challenge_revertsForUnregisteredOrJailedProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofProviderNotChallengeable.selector, anyone));
        vm.prank(validator);
        proofs.challenge(anyone, CPU, 0);

        vm.prank(slasher);
        registry.slash(provider2, 10_000 ether, "test", address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofProviderNotChallengeable.selector, provider2));
        vm.prank(validator);
        proofs.challenge(provider2, CPU, 0);
    }

    // ---------------------------------------------------------------- late

    function test_proveLate_noCommitByDeadline_slashesWithReward() public {
        uint256 id = _challenge();
        uint64 deadline = proofs.getChallenge(id).deadlineAt;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotYetDue.selector, id, deadline, deadline));
        vm.prank(anyone);
        proofs.proveLate(id);

        vm.warp(deadline + 1);
        uint256 stakeBefore = _stake(provider);
        vm.expectEmit(true, true, false, true, address(proofs));
        emit IProofOfCompute.ChallengeFaulted(id, provider, "late", anyone, FAULT_SLASH);
        vm.prank(anyone);
        proofs.proveLate(id);
        _assertFaulted(id, anyone, 0, stakeBefore);
    }

    function test_commit_revertsAfterDeadline() public {
        uint256 id = _challenge();
        uint64 deadline = proofs.getChallenge(id).deadlineAt;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofTooLate.selector, id, deadline, deadline + 1));
        vm.prank(provider);
        proofs.commit(id, F.HONEST_ROOT);
    }

    function test_proveLate_noResponseWithinWindow() public {
        uint256 id = _challenge();
        _commit(id, F.HONEST_ROOT);
        uint64 due = proofs.getChallenge(id).roundDeadline;
        vm.warp(due + 1);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofTooLate.selector, id, due, due + 1));
        _respond(id, F.honestProducts());
        uint256 stakeBefore = _stake(provider);
        vm.prank(anyone);
        proofs.proveLate(id);
        _assertFaulted(id, anyone, 0, stakeBefore);
    }

    function test_proveLate_revertsOnceResponded() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofWrongPhase.selector,
                id,
                IProofOfCompute.ChallengePhase.Responded,
                IProofOfCompute.ChallengePhase.Issued
            )
        );
        proofs.proveLate(id);
    }

    // ---------------------------------------------------------------- bad input

    function test_commit_revertsZeroRootAndWrongCaller() public {
        uint256 id = _challenge();
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofZeroRoot.selector, id));
        vm.prank(provider);
        proofs.commit(id, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofWrongCaller.selector, id, provider2, provider));
        vm.prank(provider2);
        proofs.commit(id, F.HONEST_ROOT);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofUnknownChallenge.selector, 99));
        vm.prank(provider);
        proofs.commit(99, F.HONEST_ROOT);
    }

    function test_respond_revertsTwiceAndForAnotherId() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofWrongPhase.selector,
                id,
                IProofOfCompute.ChallengePhase.Responded,
                IProofOfCompute.ChallengePhase.Committed
            )
        );
        _respond(id, F.honestProducts());

        // A second challenge, of provider2: the provider cannot answer it with its own response.
        vm.prank(validator2);
        uint256 other = proofs.challenge(provider2, CPU, 0);
        vm.roll(block.number + 1);
        bvm.setBlockhash(block.number - 1, F.SEED);
        vm.prank(provider2);
        proofs.commit(other, F.HONEST_ROOT);
        vm.roll(block.number + 1);
        bvm.setBlockhash(block.number - 1, F.AUDIT_SEED);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofWrongCaller.selector, other, provider, provider2));
        _respond(other, F.honestProducts());
    }

    function test_respond_revertsWrongLengthOrNonResidue() public {
        uint256 id = _challenge();
        _commit(id, F.HONEST_ROOT);
        bytes memory short = new bytes(uint256(F.N) * F.T - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofBadLength.selector, id, bytes32("products"), short.length, uint256(F.N) * F.T
            )
        );
        _respond(id, short);
        bytes memory garbage = F.honestProducts();
        garbage[7] = 0x7f;
        vm.expectRevert(
            abi.encodeWithSelector(IProofOfCompute.ProofNotResidue.selector, id, bytes32("products"), 7, 127)
        );
        _respond(id, garbage);
    }

    // ---------------------------------------------------------------- demanded rows

    function test_revealRow_inconsistentRow_slashes() public {
        uint256 id = _responded(F.ROW_CHEAT_ROOT, F.rowCheatProducts());
        vm.prank(validator);
        proofs.demandRow(id, F.ROW_CHEAT_ROW);
        assertEq(uint256(proofs.getChallenge(id).stage), uint256(IProofOfCompute.DisputeStage.RowDemanded));
        uint256 stakeBefore = _stake(provider);
        vm.expectEmit(true, true, false, true, address(proofs));
        emit IProofOfCompute.ChallengeFaulted(id, provider, "row-inconsistent", validator, FAULT_SLASH);
        vm.prank(provider);
        proofs.revealRow(id, F.ROW_CHEAT_ROW, F.rowCheatValues(), F.rowCheatProof());
        _assertFaulted(id, validator, 0, stakeBefore);
    }

    function test_demandRow_honestProvider_accusationFails() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.demandRow(id, F.HONEST_ROW);
        uint256 providerBefore = token.balanceOf(provider);
        vm.expectEmit(true, false, false, true, address(proofs));
        emit IProofOfCompute.AccusationFailed(id, validator);
        vm.prank(provider);
        proofs.revealRow(id, F.HONEST_ROW, F.honestRowValues(), F.honestRowProof());
        _assertBondToProvider(id, providerBefore);
        assertFalse(proofs.isVerified(provider, CPU, 1));
    }

    function test_demandRow_revertsForUnauditedRow() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofRowNotAudited.selector, id, F.UNAUDITED_ROW));
        vm.prank(validator);
        proofs.demandRow(id, F.UNAUDITED_ROW);
    }

    function test_revealRow_revertsOnWrongRowOrNonResidue() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.demandRow(id, F.HONEST_ROW);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofWrongRow.selector, id, 0, F.HONEST_ROW));
        vm.prank(provider);
        proofs.revealRow(id, 0, F.honestRowValues(), F.honestRowProof());
        bytes memory values = F.honestRowValues();
        values[3] = 0xff;
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotResidue.selector, id, bytes32("row"), 3, 255));
        vm.prank(provider);
        proofs.revealRow(id, F.HONEST_ROW, values, F.honestRowProof());
    }

    function test_garbageRoot_cannotReveal_endsUnrevealed() public {
        bytes32 garbage = keccak256("garbage");
        uint256 id = _responded(garbage, F.honestProducts());
        IProofOfCompute.Challenge memory c = proofs.getChallenge(id);
        uint32 row = ProofMath.auditRows(c.auditId, c.k, c.n)[0];
        vm.prank(validator);
        proofs.demandRow(id, row);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofBadMerkleProof.selector, id, row));
        vm.prank(provider);
        proofs.revealRow(id, row, F.honestRowValues(), F.honestRowProof());

        uint64 due = proofs.getChallenge(id).roundDeadline;
        vm.warp(due + 1);
        uint256 stakeBefore = _stake(provider);
        vm.expectEmit(true, true, false, true, address(proofs));
        emit IProofOfCompute.ChallengeFaulted(id, provider, "unrevealed", anyone, FAULT_SLASH);
        vm.prank(anyone);
        proofs.proveLate(id);
        _assertFaulted(id, anyone, 0, stakeBefore);
    }

    // ---------------------------------------------------------------- bisection

    function test_bisection_wrongProduct_caughtAtBadStep() public {
        uint256 id = _responded(F.HONEST_ROOT, F.productCheatProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 0);
        vm.prank(provider);
        proofs.postTrace(id, F.productCheatTraceHashes());
        vm.prank(validator);
        proofs.pickStep(id, F.BAD_STEP);
        vm.prank(provider);
        proofs.revealStep(id, F.productCheatV0(), F.productCheatV1());
        uint256 stakeBefore = _stake(provider);
        vm.expectEmit(true, true, false, true, address(proofs));
        emit IProofOfCompute.ChallengeFaulted(id, provider, "bad-step", validator, FAULT_SLASH);
        vm.prank(validator);
        proofs.proveStep(id, F.BAD_ENTRY);
        _assertFaulted(id, validator, 0, stakeBefore);
    }

    function test_bisection_falseProveStep_forfeitsBond() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 0);
        vm.prank(provider);
        proofs.postTrace(id, F.honestTraceHashes());
        assertEq(proofs.traceOf(id).length, uint256(F.STEPS) + 2);
        vm.prank(validator);
        proofs.pickStep(id, 1);
        vm.prank(provider);
        proofs.revealStep(id, F.honestV1(), F.honestV2());
        uint256 providerBefore = token.balanceOf(provider);
        vm.prank(validator);
        proofs.proveStep(id, 3);
        _assertBondToProvider(id, providerBefore);
    }

    function test_postTrace_revertsOnWrongEndsOrLength() public {
        uint256 id = _responded(F.HONEST_ROOT, F.productCheatProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 0);
        bytes32[] memory hashes = F.honestTraceHashes();
        // The honest trace does not end at the posted (wrong) y_0.
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofHashMismatch.selector,
                id,
                bytes32("v_last"),
                hashes[hashes.length - 1],
                F.productCheatTraceHashes()[hashes.length - 1]
            )
        );
        vm.prank(provider);
        proofs.postTrace(id, hashes);
        hashes[0] = bytes32(uint256(1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofHashMismatch.selector, id, bytes32("v_0"), hashes[0], F.honestTraceHashes()[0]
            )
        );
        vm.prank(provider);
        proofs.postTrace(id, hashes);
        vm.expectRevert(
            abi.encodeWithSelector(IProofOfCompute.ProofBadLength.selector, id, bytes32("stepHashes"), 1, F.STEPS + 2)
        );
        vm.prank(provider);
        proofs.postTrace(id, new bytes32[](1));
    }

    function test_revealStep_revertsWhenNotThePostedVectors() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 0);
        vm.prank(provider);
        proofs.postTrace(id, F.honestTraceHashes());
        vm.prank(validator);
        proofs.pickStep(id, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofHashMismatch.selector,
                id,
                bytes32("v_s"),
                F.honestTraceHashes()[1],
                sha256(F.honestV2())
            )
        );
        vm.prank(provider);
        proofs.revealStep(id, F.honestV2(), F.honestV2());
    }

    function test_offlineMidDispute_endsUnrevealed() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 1);
        // The provider goes offline: no trace within the window.
        vm.warp(proofs.getChallenge(id).roundDeadline + 1);
        uint256 stakeBefore = _stake(provider);
        vm.prank(validator);
        proofs.proveLate(id);
        _assertFaulted(id, validator, 0, stakeBefore);
    }

    // ---------------------------------------------------------------- abandoned

    function test_claimAbandoned_validatorNeverAttests() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        uint64 due = proofs.getChallenge(id).roundDeadline;
        vm.expectRevert(
            abi.encodeWithSelector(IProofOfCompute.ProofNotYetDue.selector, id, due, uint64(block.timestamp))
        );
        vm.prank(provider);
        proofs.claimAbandoned(id);
        vm.warp(due + 1);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofTooLate.selector, id, due, due + 1));
        vm.prank(validator);
        proofs.attest(id, 10_000);
        uint256 providerBefore = token.balanceOf(provider);
        vm.prank(provider);
        proofs.claimAbandoned(id);
        _assertBondToProvider(id, providerBefore);
        assertFalse(proofs.isVerified(provider, CPU, 1));
    }

    function test_claimAbandoned_validatorStopsMidBisection() public {
        uint256 id = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.disputeProducts(id, 0);
        vm.prank(provider);
        proofs.postTrace(id, F.honestTraceHashes());
        vm.warp(proofs.getChallenge(id).roundDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofWrongStage.selector,
                id,
                IProofOfCompute.DisputeStage.StepPickDue,
                IProofOfCompute.DisputeStage.RowDemanded
            )
        );
        proofs.proveLate(id);
        uint256 providerBefore = token.balanceOf(provider);
        vm.prank(provider);
        proofs.claimAbandoned(id);
        _assertBondToProvider(id, providerBefore);
    }

    function test_claimAbandoned_revertsOnProvidersTurn() public {
        uint256 id = _challenge();
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofWrongPhase.selector,
                id,
                IProofOfCompute.ChallengePhase.Issued,
                IProofOfCompute.ChallengePhase.Responded
            )
        );
        vm.prank(provider);
        proofs.claimAbandoned(id);
    }

    // ---------------------------------------------------------------- attestations and faults

    function test_fault_clearsEarlierAttestations() public {
        uint256 first = _responded(F.HONEST_ROOT, F.honestProducts());
        vm.prank(validator);
        proofs.attest(first, 10_000);
        assertTrue(proofs.isVerified(provider, CPU, 1));

        vm.prank(validator2);
        uint256 second = proofs.challenge(provider, CPU, 0);
        vm.warp(proofs.getChallenge(second).deadlineAt + 1);
        proofs.proveLate(second);
        assertFalse(proofs.isVerified(provider, CPU, 1));
        assertEq(proofs.attestationOf(provider, CPU, 0).validator, address(0));
    }

    // ---------------------------------------------------------------- parameters

    function test_setModel_validatesAndRemoves() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofInvalidModelSize.selector, H100, 130, 2, 10));
        proofs.setModel(H100, 130, 2, 10);
        proofs.setModel(H100, 151_104, 7, 75);
        assertEq(uint256(proofs.modelSize(H100).n), 151_104);
        proofs.setModel(H100, 0, 0, 0);
        assertEq(uint256(proofs.modelSize(H100).n), 0);
        vm.stopPrank();
    }

    /// @dev EIP-170: a chain refuses to deploy more than 24,576 bytes of code. ProofMath's functions are
    /// inlined here, so a change to them can push ProofOfCompute over; this test says so before a deploy does.
    function test_codeSize_underEip170Limit() public view {
        assertLe(address(proofs).code.length, 24_576, "ProofOfCompute runtime code over 24,576 bytes (EIP-170)");
    }

    function test_admin_twoStepTransfer() public {
        address next = address(0xAD);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotAdmin.selector, next, admin));
        vm.prank(next);
        proofs.setModel(H100, 64, 1, 10);
        vm.prank(admin);
        proofs.transferAdmin(next);
        (address current, address pending) = proofs.roles();
        assertEq(current, admin);
        assertEq(pending, next);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotPendingAdmin.selector, anyone, next));
        vm.prank(anyone);
        proofs.acceptAdmin();
        vm.prank(next);
        proofs.acceptAdmin();
        (current, pending) = proofs.roles();
        assertEq(current, next);
        assertEq(pending, address(0));
        vm.prank(next);
        proofs.setModel(H100, 64, 1, 10);
        vm.expectRevert(abi.encodeWithSelector(IProofOfCompute.ProofNotAdmin.selector, admin, next));
        vm.prank(admin);
        proofs.setModel(H100, 0, 0, 0);
    }

    function test_setParameters_checksBounds() public {
        IProofOfCompute.Parameters memory p = _proofParameters();
        p.rewardBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofParameterOutOfBounds.selector, bytes32("rewardBps"), 10_001, 0, 10_000
            )
        );
        vm.prank(admin);
        proofs.setParameters(p);
        p = _proofParameters();
        p.faultSlash = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofOfCompute.ProofParameterOutOfBounds.selector, bytes32("faultSlash"), 0, 1, proofs.MAX_AMOUNT()
            )
        );
        vm.prank(admin);
        proofs.setParameters(p);
    }

    function test_tokens_neverHeldByProofOfCompute() public {
        uint256 id = _responded(F.ROW_CHEAT_ROOT, F.rowCheatProducts());
        vm.prank(validator);
        proofs.demandRow(id, F.ROW_CHEAT_ROW);
        vm.prank(provider);
        proofs.revealRow(id, F.ROW_CHEAT_ROW, F.rowCheatValues(), F.rowCheatProof());
        assertEq(token.balanceOf(address(proofs)), 0);
        IValidatorRegistry.Validator memory v = validators.getValidator(validator);
        IValidatorRegistry.Validator memory v2 = validators.getValidator(validator2);
        assertEq(token.balanceOf(address(validators)), uint256(v.stake) + v.unbonding + v2.stake + v2.unbonding, "held");
        IProviderRegistry.Provider memory p = registry.getProvider(provider);
        assertEq(p.stake, 10_000 ether - FAULT_SLASH);
    }
}
