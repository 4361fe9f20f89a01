// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IInferenceRegistry} from "../../src/interfaces/IInferenceRegistry.sol";
import {InferenceRegistry} from "../../src/InferenceRegistry.sol";
import {Test} from "../utils/Test.sol";

/// @notice InferenceRegistry: registering, updating and deregistering endpoints, only by their registrant, with
/// bounded fields and the events a gateway reads.
contract InferenceRegistryTest is Test {
    InferenceRegistry internal registry;
    address internal provider = address(0xA11CE);
    address internal stranger = address(0xB0B);

    function setUp() public {
        registry = new InferenceRegistry();
    }

    function _pricing() internal pure returns (IInferenceRegistry.Pricing memory) {
        return IInferenceRegistry.Pricing({perRequest: 10, per1kInputTokens: 1_000, per1kOutputTokens: 3_000});
    }

    function _register() internal returns (uint256 id) {
        vm.prank(provider);
        id = registry.register("ocx-tinylm-docs", "http://127.0.0.1:8080/l/7/8080/", _pricing(), 4, "local", 7);
    }

    function _text(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = "a";
        }
        return string(b);
    }

    // ---------------------------------------------------------------- register

    function test_register_storesTheRecordAndEmits() public {
        vm.expectEmit(true, true, false, true, address(registry));
        emit IInferenceRegistry.EndpointRegistered(
            1, provider, "ocx-tinylm-docs", "http://127.0.0.1:8080/l/7/8080/", _pricing(), 4, "local", 7
        );
        uint256 id = _register();
        assertEq(id, 1, "first id");
        assertEq(registry.endpointCount(), 1, "count");
        IInferenceRegistry.Endpoint memory e = registry.getEndpoint(id);
        assertEq(e.registrant, provider);
        assertEq(e.model, "ocx-tinylm-docs");
        assertEq(e.url, "http://127.0.0.1:8080/l/7/8080/");
        assertEq(e.region, "local");
        assertEq(uint256(e.capacity), 4);
        assertEq(e.leaseId, 7);
        assertEq(e.pricing.per1kOutputTokens, 3_000);
        assertTrue(e.active);
    }

    function test_register_countsIdsUp() public {
        _register();
        vm.prank(stranger);
        uint256 second = registry.register("m", "https://x", _pricing(), 1, "", 0);
        assertEq(second, 2, "second id");
    }

    function test_register_revertsOnEmptyModel() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceFieldLength.selector, bytes32("model"), 0, 128)
        );
        registry.register("", "https://x", _pricing(), 1, "", 0);
    }

    function test_register_revertsOnLongUrl() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceFieldLength.selector, bytes32("url"), 257, 256)
        );
        registry.register("m", _text(257), _pricing(), 1, "", 0);
    }

    function test_register_revertsOnLongRegion() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceFieldLength.selector, bytes32("region"), 33, 32)
        );
        registry.register("m", "https://x", _pricing(), 1, _text(33), 0);
    }

    function test_register_revertsOnZeroCapacity() public {
        vm.expectRevert(IInferenceRegistry.InferenceZeroCapacity.selector);
        registry.register("m", "https://x", _pricing(), 0, "", 0);
    }

    // ---------------------------------------------------------------- update

    function test_update_replacesTheRecord() public {
        uint256 id = _register();
        IInferenceRegistry.Pricing memory cheaper =
            IInferenceRegistry.Pricing({perRequest: 0, per1kInputTokens: 500, per1kOutputTokens: 1_500});
        vm.expectEmit(true, true, false, true, address(registry));
        emit IInferenceRegistry.EndpointUpdated(id, provider, "ocx-tinylm-docs", "https://new", cheaper, 8, "eu", 9);
        vm.prank(provider);
        registry.update(id, "ocx-tinylm-docs", "https://new", cheaper, 8, "eu", 9);
        IInferenceRegistry.Endpoint memory e = registry.getEndpoint(id);
        assertEq(e.url, "https://new");
        assertEq(uint256(e.capacity), 8);
        assertEq(e.pricing.per1kInputTokens, 500);
        assertEq(e.leaseId, 9);
    }

    function test_update_revertsForAStranger() public {
        uint256 id = _register();
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceNotRegistrant.selector, id, stranger, provider)
        );
        vm.prank(stranger);
        registry.update(id, "m", "https://evil", _pricing(), 1, "", 0);
    }

    function test_update_revertsForAnUnknownEndpoint() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceRegistry.InferenceUnknownEndpoint.selector, 5));
        vm.prank(provider);
        registry.update(5, "m", "https://x", _pricing(), 1, "", 0);
    }

    // ---------------------------------------------------------------- deregister

    function test_deregister_marksItInactiveAndEmits() public {
        uint256 id = _register();
        vm.expectEmit(true, true, false, true, address(registry));
        emit IInferenceRegistry.EndpointDeregistered(id, provider);
        vm.prank(provider);
        registry.deregister(id);
        assertFalse(registry.getEndpoint(id).active);
        // Gone for good: neither its registrant nor anyone else changes it again.
        vm.expectRevert(abi.encodeWithSelector(IInferenceRegistry.InferenceUnknownEndpoint.selector, id));
        vm.prank(provider);
        registry.deregister(id);
    }

    function test_deregister_revertsForAStranger() public {
        uint256 id = _register();
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceNotRegistrant.selector, id, stranger, provider)
        );
        vm.prank(stranger);
        registry.deregister(id);
    }

    function test_getEndpoint_revertsForAnIdNeverRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceRegistry.InferenceUnknownEndpoint.selector, 0));
        registry.getEndpoint(0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceRegistry.InferenceUnknownEndpoint.selector, 1));
        registry.getEndpoint(1);
    }

    function testFuzz_onlyTheRegistrantChangesIt(address caller) public {
        vm.assume(caller != provider);
        uint256 id = _register();
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceRegistry.InferenceNotRegistrant.selector, id, caller, provider)
        );
        vm.prank(caller);
        registry.deregister(id);
    }
}
