// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Emissions, IOcxMinter} from "../../src/Emissions.sol";
import {IMarketplace} from "../../src/interfaces/IMarketplace.sol";
import {IProofOfCompute} from "../../src/interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {TrustFixtures as F} from "../fixtures/trust/TrustFixtures.sol";
import {TrustDeployers} from "./TrustDeployers.sol";

interface BlockhashVm {
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
}

/// @notice The trust deployment plus Emissions wired as deployOcx wires it (OcxToken's MINTER_ROLE), one-day
/// epochs emitting 1,000 OCX with 1 % decay, and a real attestation path (the fixtures' honest answer).
abstract contract EmissionsDeployers is TrustDeployers {
    BlockhashVm internal constant bvm = BlockhashVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint32 internal constant EPOCH = 1 days;
    uint128 internal constant E0 = 1_000 ether;
    uint64 internal constant DECAY = 0.01e18;

    Emissions internal emissions;

    function setUp() public virtual override {
        super.setUp();
        emissions = _deployEmissions(IProofOfCompute(address(proofs)));
    }

    function _deployEmissions(IProofOfCompute verifier) internal returns (Emissions e) {
        e = new Emissions(
            IOcxMinter(address(token)),
            IMarketplace(address(market)),
            IProviderRegistry(address(registry)),
            verifier,
            admin,
            0,
            EPOCH,
            E0,
            DECAY
        );
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minter, address(e));
    }

    /// @dev The provider answers a "cpu" challenge on GPU 0 honestly and a validator attests it.
    function _attestProvider() internal {
        uint256 challengeBlock = block.number + 100;
        vm.roll(challengeBlock);
        vm.prank(validator);
        uint256 id = proofs.challenge(provider, CPU, 0);
        vm.roll(challengeBlock + 1);
        vm.warp(block.timestamp + 2);
        bvm.setBlockhash(challengeBlock, F.SEED);
        vm.prank(provider);
        proofs.commit(id, F.HONEST_ROOT);
        uint256 commitBlock = block.number;
        vm.roll(commitBlock + 1);
        vm.warp(block.timestamp + 1);
        bvm.setBlockhash(commitBlock, F.AUDIT_SEED);
        vm.prank(provider);
        proofs.respond(id, F.honestProducts());
        vm.prank(validator);
        proofs.attest(id, 9_000);
    }

    function _cpuBundle() internal pure returns (IMarketplace.Resources memory) {
        return IMarketplace.Resources({
            gpuModel: CPU,
            region: REGION,
            gpuCount: 1,
            gpuVramMiB: 1,
            cpuMillicores: 1_000,
            memoryMiB: 1_024,
            diskMiB: 1_024
        });
    }

    /// @dev An acknowledged lease of a one-GPU "cpu" offer of `who`, recorded right after the acknowledgement.
    function _verifiedLease(address who, uint128 deposit) internal returns (uint256 leaseId) {
        vm.prank(who);
        uint256 offerId = market.postOffer(_cpuBundle(), PRICE, 4, 60, 30 days);
        vm.prank(buyer);
        leaseId = market.takeOffer(offerId, PRICE, MANIFEST, deposit);
        vm.prank(who);
        market.acknowledge(leaseId);
        emissions.recordWork(leaseId);
    }
}
