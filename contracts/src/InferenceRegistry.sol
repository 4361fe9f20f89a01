// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IInferenceRegistry} from "./interfaces/IInferenceRegistry.sol";

/// @title InferenceRegistry
/// @notice A directory of inference endpoints: each registrant lists, changes and removes its own.
contract InferenceRegistry is IInferenceRegistry {
    uint256 internal constant MAX_MODEL = 128;
    uint256 internal constant MAX_URL = 256;
    uint256 internal constant MAX_REGION = 32;

    mapping(uint256 endpointId => Endpoint) private _endpoints;
    uint256 private _count;

    /// @inheritdoc IInferenceRegistry
    function register(
        string calldata model,
        string calldata url,
        Pricing calldata pricing,
        uint32 capacity,
        string calldata region,
        uint256 leaseId
    ) external returns (uint256 endpointId) {
        endpointId = ++_count;
        _write(endpointId, model, url, pricing, capacity, region, leaseId);
        emit EndpointRegistered(endpointId, msg.sender, model, url, pricing, capacity, region, leaseId);
    }

    /// @inheritdoc IInferenceRegistry
    function update(
        uint256 endpointId,
        string calldata model,
        string calldata url,
        Pricing calldata pricing,
        uint32 capacity,
        string calldata region,
        uint256 leaseId
    ) external {
        _onlyRegistrant(endpointId);
        _write(endpointId, model, url, pricing, capacity, region, leaseId);
        emit EndpointUpdated(endpointId, msg.sender, model, url, pricing, capacity, region, leaseId);
    }

    /// @inheritdoc IInferenceRegistry
    function deregister(uint256 endpointId) external {
        _onlyRegistrant(endpointId);
        _endpoints[endpointId].active = false;
        emit EndpointDeregistered(endpointId, msg.sender);
    }

    /// @inheritdoc IInferenceRegistry
    function getEndpoint(uint256 endpointId) external view returns (Endpoint memory) {
        if (endpointId == 0 || endpointId > _count) revert InferenceUnknownEndpoint(endpointId);
        return _endpoints[endpointId];
    }

    /// @inheritdoc IInferenceRegistry
    function endpointCount() external view returns (uint256) {
        return _count;
    }

    /// @dev The one path that writes a record: checks every field, then stores it with the caller as registrant.
    function _write(
        uint256 endpointId,
        string calldata model,
        string calldata url,
        Pricing calldata pricing,
        uint32 capacity,
        string calldata region,
        uint256 leaseId
    ) private {
        _checkLength("model", bytes(model).length, 1, MAX_MODEL);
        _checkLength("url", bytes(url).length, 1, MAX_URL);
        _checkLength("region", bytes(region).length, 0, MAX_REGION);
        if (capacity == 0) revert InferenceZeroCapacity();
        _endpoints[endpointId] = Endpoint({
            registrant: msg.sender,
            capacity: capacity,
            active: true,
            leaseId: leaseId,
            model: model,
            url: url,
            region: region,
            pricing: pricing
        });
    }

    function _onlyRegistrant(uint256 endpointId) private view {
        Endpoint storage endpoint = _endpoints[endpointId];
        if (!endpoint.active) revert InferenceUnknownEndpoint(endpointId);
        if (endpoint.registrant != msg.sender) {
            revert InferenceNotRegistrant(endpointId, msg.sender, endpoint.registrant);
        }
    }

    function _checkLength(bytes32 field, uint256 length, uint256 min, uint256 max) private pure {
        if (length < min || length > max) revert InferenceFieldLength(field, length, max);
    }
}
