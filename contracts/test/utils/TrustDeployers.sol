// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOcxToken} from "../../src/interfaces/IOcxToken.sol";
import {IProofOfCompute} from "../../src/interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {IValidatorRegistry} from "../../src/interfaces/IValidatorRegistry.sol";
import {ProofChecks} from "../../src/ProofChecks.sol";
import {ProofOfCompute} from "../../src/ProofOfCompute.sol";
import {ValidatorRegistry} from "../../src/ValidatorRegistry.sol";
import {TrustFixtures} from "../fixtures/trust/TrustFixtures.sol";
import {Deployers} from "./Deployers.sol";

/// @notice The trust layer on top of the shared deployment: a ValidatorRegistry and ProofOfCompute wired as
/// deployOcx wires them (SLASHER_ROLE on the provider registry, BOND_ROLE on the validator registry), the
/// "cpu" model at the fixtures' size (n = 128, L = 2), and two admitted, staked validators.
abstract contract TrustDeployers is Deployers {
    uint128 internal constant MIN_VALIDATOR_STAKE = 1_000 ether;
    uint64 internal constant VALIDATOR_UNBONDING = 7 days;
    uint96 internal constant CHALLENGE_BOND = 100 ether;
    uint96 internal constant FAULT_SLASH = 1_000 ether;
    uint16 internal constant REWARD_BPS = 5_000;
    uint32 internal constant RESPONSE_WINDOW = 120;
    uint32 internal constant ATTESTATION_TTL = 7 days;
    uint16 internal constant OPENED_ROWS = uint16(TrustFixtures.K);
    uint8 internal constant REPETITIONS = TrustFixtures.T;
    bytes32 internal constant CPU = "cpu";
    uint32 internal constant CPU_N = TrustFixtures.N;
    uint32 internal constant CPU_STEPS = TrustFixtures.STEPS;
    uint32 internal constant CPU_DEADLINE = TrustFixtures.DEADLINE_SECONDS;
    uint256 internal constant VALIDATOR_STAKE = 10_000 ether;

    address internal validator = address(0x7A11D);
    address internal validator2 = address(0x7A11E);

    ValidatorRegistry internal validators;
    ProofOfCompute internal proofs;

    function setUp() public virtual override {
        super.setUp();
        validators = new ValidatorRegistry(
            IOcxToken(address(token)),
            admin,
            IValidatorRegistry.Parameters({minStake: MIN_VALIDATOR_STAKE, unbondingDelay: VALIDATOR_UNBONDING})
        );
        proofs = new ProofOfCompute(
            IProviderRegistry(address(registry)),
            IValidatorRegistry(address(validators)),
            new ProofChecks(),
            admin,
            _proofParameters()
        );
        vm.startPrank(admin);
        registry.grantRole(registry.SLASHER_ROLE(), address(proofs));
        validators.grantRole(validators.BOND_ROLE(), address(proofs));
        proofs.setModel(CPU, CPU_N, CPU_STEPS, CPU_DEADLINE);
        vm.stopPrank();
        _addValidator(validator, VALIDATOR_STAKE);
        _addValidator(validator2, VALIDATOR_STAKE);
    }

    function _proofParameters() internal pure returns (IProofOfCompute.Parameters memory) {
        return IProofOfCompute.Parameters({
            challengeBond: CHALLENGE_BOND,
            faultSlash: FAULT_SLASH,
            rewardBps: REWARD_BPS,
            responseWindow: RESPONSE_WINDOW,
            attestationTtl: ATTESTATION_TTL,
            openedRows: OPENED_ROWS,
            repetitions: REPETITIONS
        });
    }

    /// @dev Funds, stakes and admits a validator.
    function _addValidator(address who, uint256 amount) internal {
        vm.prank(treasury);
        require(token.transfer(who, amount), "transfer failed");
        vm.startPrank(who);
        token.approve(address(validators), type(uint256).max);
        validators.stake(amount);
        vm.stopPrank();
        vm.prank(admin);
        validators.admit(who);
    }
}
