// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Emissions} from "../../../src/Emissions.sol";
import {IMarketplace} from "../../../src/interfaces/IMarketplace.sol";
import {Marketplace} from "../../../src/Marketplace.sol";
import {ProviderRegistry} from "../../../src/ProviderRegistry.sol";
import {Vm} from "../../utils/Test.sol";

/// @notice Which providers hold a current attestation, switched by the handler. ProofOfCompute's real
/// attestation needs the fixtures' one provider and GPU (see the unit tests); the money invariants need several
/// verified providers at once, so this stands in for `isVerified` here only.
contract AttestationBook {
    mapping(address provider => bool) public verified;

    function set(address provider, bool value) external {
        verified[provider] = value;
    }

    function isVerified(address provider, bytes32, uint16) external view returns (bool) {
        return verified[provider];
    }
}

/// @notice Drives Emissions over the real marketplace and registry: leases opened and acknowledged, paid time
/// recorded, attestations switched, slashes, schedule changes, time passing, claims. Keeps ghost sums of what
/// each epoch paid and whether any (provider, epoch) was paid twice.
/// @dev Calls the contracts rightly refuse revert and are skipped by forge (fail_on_revert = false).
contract EmissionsHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    Emissions public immutable emissions;
    Marketplace public immutable market;
    ProviderRegistry public immutable registry;
    AttestationBook public immutable book;
    address public immutable buyer;
    address public immutable slasher;
    address public immutable admin;

    address[] public providers;
    uint256[] public offers;
    uint256[] public leases;
    uint256[] public workedEpochs; // epochs some verified work was recorded in (claims pick from these)

    uint256 public currentTime;
    uint256 public maxEpoch;
    uint256 public ghostClaimed;
    uint256 public ghostSlashed;
    uint256 public ghostCalls;
    bool public doubleClaim;
    mapping(uint256 epoch => uint256) public claimedIn;
    mapping(address provider => mapping(uint256 epoch => bool)) public paid;

    constructor(
        Emissions emissions_,
        Marketplace market_,
        ProviderRegistry registry_,
        AttestationBook book_,
        address buyer_,
        address slasher_,
        address admin_,
        address[] memory providers_,
        uint256[] memory offers_
    ) {
        emissions = emissions_;
        market = market_;
        registry = registry_;
        book = book_;
        buyer = buyer_;
        slasher = slasher_;
        admin = admin_;
        providers = providers_;
        offers = offers_;
        currentTime = block.timestamp;
    }

    modifier step() {
        vm.warp(currentTime);
        ++ghostCalls;
        _;
        (uint256 epoch,,) = emissions.epochAt(currentTime);
        if (epoch > maxEpoch) maxEpoch = epoch;
    }

    function openLease(uint256 who, uint256 deposit) external step {
        who = who % providers.length;
        deposit = 1 ether + deposit % 200 ether;
        vm.prank(buyer);
        uint256 leaseId = market.takeOffer(offers[who], type(uint128).max, keccak256("job"), uint128(deposit));
        vm.prank(providers[who]);
        market.acknowledge(leaseId);
        _noteWork(emissions.recordWork(leaseId));
        leases.push(leaseId);
    }

    function record(uint256 seed) external step {
        if (leases.length == 0) return;
        _noteWork(emissions.recordWork(leases[seed % leases.length]));
    }

    function _noteWork(uint256 units) private {
        if (units == 0) return;
        (uint256 epoch,,) = emissions.epochAt(currentTime);
        if (workedEpochs.length == 0 || workedEpochs[workedEpochs.length - 1] != epoch) workedEpochs.push(epoch);
    }

    function pass(uint256 seconds_) external step {
        currentTime += 1 + seconds_ % 2 days;
    }

    function attest(uint256 who, bool value) external step {
        book.set(providers[who % providers.length], value);
    }

    function slash(uint256 who) external step {
        vm.prank(slasher);
        ghostSlashed += registry.slash(providers[who % providers.length], 1 ether, "invariant", address(0), 0);
    }

    function reschedule(uint32 length, uint128 emission, uint64 decay) external step {
        length = uint32(1 hours + length % 3 days);
        emission = emission % 10_000 ether;
        decay = uint64(decay % 0.2e18);
        vm.prank(admin);
        emissions.setSchedule(length, emission, decay);
    }

    function claim(uint256 who, uint256 epoch) external step {
        address provider = providers[who % providers.length];
        // Mostly an epoch with work (the interesting claims), sometimes any epoch (the refusals).
        epoch = workedEpochs.length != 0 && epoch % 4 != 0
            ? workedEpochs[epoch % workedEpochs.length]
            : epoch % (maxEpoch + 1);
        // A claim comes after its epoch: let time reach the end of a recorded, still running one.
        uint64 end = emissions.getEpoch(epoch).end;
        if (end > currentTime) {
            currentTime = end;
            vm.warp(currentTime);
        }
        uint256 reward = emissions.claim(provider, epoch);
        if (paid[provider][epoch]) doubleClaim = true;
        paid[provider][epoch] = true;
        claimedIn[epoch] += reward;
        ghostClaimed += reward;
    }
}
