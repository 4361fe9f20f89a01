// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofOfCompute} from "../../../src/interfaces/IProofOfCompute.sol";
import {IValidatorRegistry} from "../../../src/interfaces/IValidatorRegistry.sol";
import {ProofMath} from "../../../src/libraries/ProofMath.sol";
import {OcxToken} from "../../../src/OcxToken.sol";
import {ProofOfCompute} from "../../../src/ProofOfCompute.sol";
import {ProviderRegistry} from "../../../src/ProviderRegistry.sol";
import {ValidatorRegistry} from "../../../src/ValidatorRegistry.sol";
import {Vm} from "../../utils/Test.sol";

interface BlockhashVm {
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
}

/// @notice Drives ValidatorRegistry, ProofOfCompute and ProviderRegistry for the trust invariants, acting as
/// three validators, two providers and a bystander who proves late answers. Answers are made up but well
/// formed: a provider commits either a random root or the root of the all-zero matrix (whose rows it can then
/// reveal), posts constant products, and a trace r_t, 0, …, 0, y_t, so every dispute path can run to its end.
/// @dev Calls the contracts may rightly refuse (a late answer, a wrong phase) revert and are skipped by forge.
/// Ghost sums come from balance changes seen around each call.
contract TrustHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    BlockhashVm internal constant bvm = BlockhashVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 internal constant CPU = "cpu";

    OcxToken public immutable token;
    ProviderRegistry public immutable registry;
    ValidatorRegistry public immutable validators;
    ProofOfCompute public immutable proofs;
    address public immutable bystander;

    address[] public validatorActors;
    address[] public providerActors;
    uint256[] public challengeIds;

    uint256 public currentTime;
    uint256 public currentBlock;

    uint256 public ghostSlashed; // provider stake + unbonding taken by faults
    uint256 public ghostRewards; // what provers received from those slashes
    uint256 public ghostForfeited; // validator bonds paid to providers
    uint256 public faults;
    uint256 public dismissals;
    uint256 public attestations;
    uint256 public rewardMismatches; // a prover or provider paid other than the rules say

    constructor(
        OcxToken token_,
        ProviderRegistry registry_,
        ValidatorRegistry validators_,
        ProofOfCompute proofs_,
        address[] memory validatorActors_,
        address[] memory providerActors_,
        address bystander_
    ) {
        token = token_;
        registry = registry_;
        validators = validators_;
        proofs = proofs_;
        validatorActors = validatorActors_;
        providerActors = providerActors_;
        bystander = bystander_;
        currentTime = block.timestamp;
        currentBlock = block.number;
    }

    // ---------------------------------------------------------------- clock and seeds

    function _hashOf(uint256 blockNumber) internal pure returns (bytes32) {
        return keccak256(abi.encode("block", blockNumber));
    }

    /// @dev Every action runs one block later, a few seconds on, with the recent blocks' hashes set.
    modifier step() {
        currentBlock += 1;
        currentTime += 1;
        vm.roll(currentBlock);
        vm.warp(currentTime);
        uint256 from = currentBlock > 200 ? currentBlock - 200 : 0;
        for (uint256 b = from; b < currentBlock; ++b) {
            bvm.setBlockhash(b, _hashOf(b));
        }
        _;
    }

    function warp(uint256 seconds_) external step {
        currentTime += bound(seconds_, 1, 200);
        if (seconds_ % 16 == 0) currentTime += 8 days; // now and then, past every unbonding delay
        vm.warp(currentTime);
    }

    // ---------------------------------------------------------------- validators

    function stake(uint256 who, uint256 amount) external step {
        address v = _validator(who);
        amount = bound(amount, 1, 1_000 ether);
        vm.prank(v);
        validators.stake(amount);
    }

    function requestUnstake(uint256 who, uint256 amount) external step {
        address v = _validator(who);
        IValidatorRegistry.Validator memory r = validators.getValidator(v);
        uint256 free = r.stake - r.locked;
        if (free == 0) return;
        vm.prank(v);
        validators.requestUnstake(bound(amount, 1, free));
    }

    function withdrawUnbonded(uint256 who) external step {
        vm.prank(_validator(who));
        validators.withdrawUnbonded();
    }

    // ---------------------------------------------------------------- the challenge

    function challenge(uint256 who, uint256 whom, uint32 gpu) external step {
        vm.prank(_validator(who));
        challengeIds.push(proofs.challenge(_provider(whom), CPU, gpu % 4));
    }

    function commit(uint256 idSeed, bool zeroMatrix, bytes32 root) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        if (zeroMatrix || root == 0) root = _zeroRoot(c.n);
        vm.prank(c.provider);
        proofs.commit(id, root);
    }

    function respond(uint256 idSeed, uint8 fill) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        bytes memory products = new bytes(uint256(c.t) * c.n);
        bytes1 value = bytes1(fill % 127);
        for (uint256 i; i < products.length; ++i) {
            products[i] = value;
        }
        vm.prank(c.provider);
        proofs.respond(id, products);
    }

    function attest(uint256 idSeed, uint32 score) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        vm.prank(c.validator);
        proofs.attest(id, score);
        attestations += 1;
    }

    /// @notice The next move of a picked challenge, by its phase and dispute stage: commit (a zero-matrix or a
    /// random root), respond, attest or accuse, or answer the open dispute round. Random sequences rarely line
    /// up a whole dispute; this makes most runs play several to their end.
    function advance(uint256 idSeed, uint256 choice) external {
        if (challengeIds.length == 0) return this.challenge(idSeed, choice, uint32(choice));
        (, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        IProofOfCompute.ChallengePhase phase = c.phase;
        if (
            phase == IProofOfCompute.ChallengePhase.Attested || phase == IProofOfCompute.ChallengePhase.Faulted
                || phase == IProofOfCompute.ChallengePhase.Dismissed
        ) {
            this.challenge(idSeed, choice, uint32(choice));
        } else if (phase == IProofOfCompute.ChallengePhase.Issued) {
            this.commit(idSeed, choice % 2 == 0, keccak256(abi.encode(choice)));
        } else if (phase == IProofOfCompute.ChallengePhase.Committed) {
            this.respond(idSeed, choice % 3 == 0 ? 0 : uint8(choice >> 8));
        } else if (phase == IProofOfCompute.ChallengePhase.Responded) {
            if (choice % 3 == 0) this.attest(idSeed, uint32(choice));
            else if (choice % 3 == 1) this.demandRow(idSeed, choice >> 8);
            else this.disputeProducts(idSeed, uint8(choice >> 8));
        } else if (phase == IProofOfCompute.ChallengePhase.Disputed) {
            IProofOfCompute.DisputeStage stage = c.stage;
            if (stage == IProofOfCompute.DisputeStage.RowDemanded) this.revealRow(idSeed);
            else if (stage == IProofOfCompute.DisputeStage.TraceDue) this.postTrace(idSeed);
            else if (stage == IProofOfCompute.DisputeStage.StepPickDue) this.pickStep(idSeed, uint32(choice));
            else if (stage == IProofOfCompute.DisputeStage.StepRevealDue) this.revealStep(idSeed);
            else this.proveStep(idSeed, uint32(choice >> 8));
        }
    }

    // ---------------------------------------------------------------- faults and disputes

    function proveLate(uint256 idSeed, bool byValidator) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        _settle(id, c, byValidator ? c.validator : bystander, abi.encodeCall(proofs.proveLate, (id)));
    }

    function demandRow(uint256 idSeed, uint256 rowSeed) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        if (c.auditId == 0) return;
        uint32[] memory rows = ProofMath.auditRows(c.auditId, c.k, c.n);
        vm.prank(c.validator);
        proofs.demandRow(id, rows[rowSeed % rows.length]);
    }

    function revealRow(uint256 idSeed) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        bytes32[] memory proof = _zeroProof(c.n);
        _settle(id, c, c.provider, abi.encodeCall(proofs.revealRow, (id, c.roundArg, new bytes(c.n), proof)));
    }

    function disputeProducts(uint256 idSeed, uint8 t) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        vm.prank(c.validator);
        proofs.disputeProducts(id, uint8(t % (c.t == 0 ? 1 : c.t)));
    }

    function postTrace(uint256 idSeed) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        if (c.auditId == 0) return;
        bytes32[] memory hashes = new bytes32[](uint256(c.steps) + 2);
        for (uint256 s; s < hashes.length; ++s) {
            hashes[s] = sha256(_traceVector(id, c, s));
        }
        vm.prank(c.provider);
        proofs.postTrace(id, hashes);
    }

    function pickStep(uint256 idSeed, uint32 s) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        vm.prank(c.validator);
        proofs.pickStep(id, s % (c.steps + 1));
    }

    function revealStep(uint256 idSeed) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        if (c.auditId == 0) return;
        bytes memory vs = _traceVector(id, c, c.roundArg);
        bytes memory vs1 = _traceVector(id, c, uint256(c.roundArg) + 1);
        vm.prank(c.provider);
        proofs.revealStep(id, vs, vs1);
    }

    function proveStep(uint256 idSeed, uint32 j) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        _settle(id, c, c.validator, abi.encodeCall(proofs.proveStep, (id, j % c.n)));
    }

    function claimAbandoned(uint256 idSeed) external step {
        (uint256 id, IProofOfCompute.Challenge memory c) = _pick(idSeed);
        _settle(id, c, c.provider, abi.encodeCall(proofs.claimAbandoned, (id)));
    }

    // ---------------------------------------------------------------- internal

    /// @dev Runs a call that may end the challenge and books what moved: the slash, the prover's reward (checked
    /// against the prover's wallet), the bond paid to the provider. The prover is the caller, except for
    /// revealRow, where the provider reveals and the validator that demanded the row proves the fault.
    function _settle(uint256 id, IProofOfCompute.Challenge memory c, address caller, bytes memory call) internal {
        address prover = caller == c.provider ? c.validator : caller;
        uint256 providerHeld = _providerHeld(c.provider);
        uint256 providerWallet = token.balanceOf(c.provider);
        uint256 proverWallet = token.balanceOf(prover);
        vm.prank(caller);
        (bool ok, bytes memory reason) = address(proofs).call(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
        IProofOfCompute.ChallengePhase phase = proofs.getChallenge(id).phase;
        if (phase == IProofOfCompute.ChallengePhase.Faulted) {
            faults += 1;
            uint256 slashed = providerHeld - _providerHeld(c.provider);
            uint256 reward = slashed * proofs.parameters().rewardBps / 10_000;
            ghostSlashed += slashed;
            ghostRewards += reward;
            rewardMismatches += token.balanceOf(prover) - proverWallet == reward ? 0 : 1;
        } else if (phase == IProofOfCompute.ChallengePhase.Dismissed) {
            dismissals += 1;
            uint256 paid = token.balanceOf(c.provider) - providerWallet;
            ghostForfeited += paid;
            rewardMismatches += paid == c.bond ? 0 : 1;
        }
    }

    function _providerHeld(address p) internal view returns (uint256) {
        return uint256(registry.getProvider(p).stake) + registry.getProvider(p).unbonding;
    }

    /// @dev The made-up trace: v_0 = r_t, zeros in between, v_{L+1} = y_t as posted.
    function _traceVector(uint256 id, IProofOfCompute.Challenge memory c, uint256 s)
        internal
        view
        returns (bytes memory v)
    {
        if (s == 0) return ProofMath.auditVector(c.auditId, c.disputedVector, c.n);
        v = new bytes(c.n);
        if (s == uint256(c.steps) + 1) {
            bytes memory products = proofs.productsOf(id);
            for (uint256 i; i < c.n; ++i) {
                v[i] = products[uint256(c.disputedVector) * c.n + i];
            }
        }
    }

    /// @dev Root of the all-zero n×n matrix: every level's nodes are equal.
    function _zeroRoot(uint32 n) internal pure returns (bytes32 node) {
        bytes32[] memory proof = _zeroProof(n);
        node = sha256(abi.encodePacked(bytes1(0x00), new bytes(n)));
        for (uint256 d; d < proof.length; ++d) {
            node = sha256(abi.encodePacked(bytes1(0x01), node, node));
        }
    }

    /// @dev The Merkle proof of any row of the all-zero matrix (n a power of two): the level nodes.
    function _zeroProof(uint32 n) internal pure returns (bytes32[] memory proof) {
        uint256 depth = ProofMath.merkleDepth(n);
        proof = new bytes32[](depth);
        bytes32 node = sha256(abi.encodePacked(bytes1(0x00), new bytes(n)));
        for (uint256 d; d < depth; ++d) {
            proof[d] = node;
            node = sha256(abi.encodePacked(bytes1(0x01), node, node));
        }
    }

    function _pick(uint256 seed) internal view returns (uint256 id, IProofOfCompute.Challenge memory c) {
        require(challengeIds.length > 0, "no challenge yet");
        // Mostly the latest two challenges, so that runs carry challenges through to their ends.
        uint256 length = challengeIds.length;
        uint256 window = seed % 8 == 0 ? length : (length < 2 ? length : 2);
        id = challengeIds[length - 1 - (seed >> 3) % window];
        c = proofs.getChallenge(id);
    }

    function _validator(uint256 seed) internal view returns (address) {
        return validatorActors[seed % validatorActors.length];
    }

    function _provider(uint256 seed) internal view returns (address) {
        return providerActors[seed % providerActors.length];
    }

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }

    function challengeCount() external view returns (uint256) {
        return challengeIds.length;
    }
}
