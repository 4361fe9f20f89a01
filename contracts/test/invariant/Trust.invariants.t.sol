// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofOfCompute} from "../../src/interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {IValidatorRegistry} from "../../src/interfaces/IValidatorRegistry.sol";
import {TrustDeployers} from "../utils/TrustDeployers.sol";
import {TrustHandler} from "./handlers/TrustHandler.sol";
import {console} from "./utils/Console.sol";

/// @notice Money invariants of the trust layer under random sequences of staking, challenges, answers, faults,
/// failed accusations and abandoned challenges (see TrustHandler): no token is created or lost, the
/// ValidatorRegistry holds exactly its validators' stake and unbonding, ProofOfCompute holds nothing, locked
/// bonds are exactly the bonds of open challenges, and a slash goes exactly to the prover and the sink (burned).
contract TrustInvariants is TrustDeployers {
    TrustHandler internal handler;
    address internal validator3 = address(0x7A11F);
    address internal bystander = address(0xF00D);
    address[] internal validatorActors;
    address[] internal providerActors;
    uint256 internal initialSupply;

    function setUp() public override {
        super.setUp();
        _addValidator(validator3, VALIDATOR_STAKE);
        validatorActors.push(validator);
        validatorActors.push(validator2);
        validatorActors.push(validator3);
        providerActors.push(provider);
        providerActors.push(provider2);
        // Extra wallet OCX for the validators to stake more.
        for (uint256 i; i < validatorActors.length; ++i) {
            vm.prank(treasury);
            require(token.transfer(validatorActors[i], 100_000 ether), "transfer failed");
        }
        // A longer deadline than the fixtures' 11 s, so that random runs reach the later phases too.
        vm.prank(admin);
        proofs.setModel(CPU, CPU_N, CPU_STEPS, 300);
        handler = new TrustHandler(token, registry, validators, proofs, validatorActors, providerActors, bystander);
        initialSupply = token.totalSupply();

        targetContract(address(handler));
        // Every action once, and the lifecycle's next move (advance) often, so that runs play challenges out.
        bytes4[] memory selectors = new bytes4[](26);
        selectors[0] = TrustHandler.stake.selector;
        selectors[1] = TrustHandler.requestUnstake.selector;
        selectors[2] = TrustHandler.withdrawUnbonded.selector;
        selectors[3] = TrustHandler.challenge.selector;
        selectors[4] = TrustHandler.commit.selector;
        selectors[5] = TrustHandler.respond.selector;
        selectors[6] = TrustHandler.attest.selector;
        selectors[7] = TrustHandler.proveLate.selector;
        selectors[8] = TrustHandler.demandRow.selector;
        selectors[9] = TrustHandler.revealRow.selector;
        selectors[10] = TrustHandler.disputeProducts.selector;
        selectors[11] = TrustHandler.postTrace.selector;
        selectors[12] = TrustHandler.pickStep.selector;
        selectors[13] = TrustHandler.revealStep.selector;
        selectors[14] = TrustHandler.proveStep.selector;
        selectors[15] = TrustHandler.claimAbandoned.selector;
        selectors[16] = TrustHandler.warp.selector;
        for (uint256 i = 17; i < 26; ++i) {
            selectors[i] = TrustHandler.advance.selector;
        }
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice The ValidatorRegistry holds exactly Σ stake + unbonding; locked <= stake for each validator.
    function invariant_validatorRegistryHoldsStakeAndUnbonding() public view {
        uint256 sum;
        for (uint256 i; i < validatorActors.length; ++i) {
            IValidatorRegistry.Validator memory v = validators.getValidator(validatorActors[i]);
            sum += uint256(v.stake) + v.unbonding;
            assertLe(v.locked, v.stake, "locked <= stake");
        }
        assertEq(token.balanceOf(address(validators)), sum, "validator registry balance == stake + unbonding");
    }

    /// @notice ProofOfCompute never holds a token.
    function invariant_proofOfComputeHoldsNothing() public view {
        assertEq(token.balanceOf(address(proofs)), 0, "ProofOfCompute holds no tokens");
    }

    /// @notice Locked bonds are exactly the bonds of challenges that are still open.
    function invariant_lockedEqualsOpenBonds() public view {
        uint256 open;
        uint256 count = proofs.challengeCount();
        for (uint256 id = 1; id <= count; ++id) {
            IProofOfCompute.Challenge memory c = proofs.getChallenge(id);
            IProofOfCompute.ChallengePhase p = c.phase;
            if (
                p == IProofOfCompute.ChallengePhase.Issued || p == IProofOfCompute.ChallengePhase.Committed
                    || p == IProofOfCompute.ChallengePhase.Responded || p == IProofOfCompute.ChallengePhase.Disputed
            ) open += c.bond;
        }
        uint256 locked;
        for (uint256 i; i < validatorActors.length; ++i) {
            locked += validators.getValidator(validatorActors[i]).locked;
        }
        assertEq(locked, open, "locked == bonds of open challenges");
    }

    /// @notice The provider registry holds exactly its providers' stake and unbonding.
    function invariant_providerRegistryHoldsStake() public view {
        uint256 sum;
        for (uint256 i; i < providerActors.length; ++i) {
            IProviderRegistry.Provider memory p = registry.getProvider(providerActors[i]);
            sum += uint256(p.stake) + p.unbonding;
        }
        assertEq(token.balanceOf(address(registry)), sum, "provider registry balance == stake + unbonding");
    }

    /// @notice No token is created or lost: the supply only drops by the burned part of slashes, every token is
    /// held by a known account, and every prover and falsely accused provider was paid exactly its due.
    function invariant_tokensConserved() public view {
        assertEq(
            initialSupply - token.totalSupply(),
            handler.ghostSlashed() - handler.ghostRewards(),
            "burned == slashed - rewards (the sink burns)"
        );
        uint256 held = token.balanceOf(treasury) + token.balanceOf(buyer) + token.balanceOf(bystander)
            + token.balanceOf(address(registry)) + token.balanceOf(address(validators))
            + token.balanceOf(address(proofs)) + token.balanceOf(address(market));
        for (uint256 i; i < validatorActors.length; ++i) {
            held += token.balanceOf(validatorActors[i]);
        }
        for (uint256 i; i < providerActors.length; ++i) {
            held += token.balanceOf(providerActors[i]);
        }
        assertEq(held, token.totalSupply(), "every token is held by a known account");
        assertEq(handler.rewardMismatches(), 0, "provers and accused providers paid exactly");
    }

    /// @notice Call summary, so a run that only reverts shows up: how many faults, dismissals, attestations.
    function invariant_callSummary() public view {
        assertLe(handler.faults() + handler.dismissals() + handler.attestations(), handler.challengeCount(), "ends");
    }

    /// @notice Prints what the run did (visible with -vv).
    function afterInvariant() public {
        console.log("-- TrustHandler summary --");
        console.log("challenges", handler.challengeCount());
        console.log("attestations", handler.attestations());
        console.log("faults", handler.faults());
        console.log("dismissals (failed accusations, abandoned)", handler.dismissals());
        console.log("slashed", handler.ghostSlashed());
        console.log("rewards", handler.ghostRewards());
        console.log("bonds forfeited to providers", handler.ghostForfeited());
    }
}
