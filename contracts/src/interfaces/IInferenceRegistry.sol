// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IInferenceRegistry
/// @notice Where inference endpoints are: a model served at a URL, its prices, capacity and region.
/// @dev The registrant of an endpoint is the payee of the x402 payments made at it (docs/payments.md) and the
/// only address that can change or remove it. Prices are in the payment token's smallest units
/// (`deployment.paymentToken`). Nothing is staked or escrowed here: the registry is a directory, read by
/// gateways and agents from its events.
interface IInferenceRegistry {
    /// @notice What one request costs: `perRequest + ceil(in · per1kInputTokens / 1000) + ceil(out · per1kOutputTokens / 1000)`.
    struct Pricing {
        uint256 perRequest;
        uint256 per1kInputTokens;
        uint256 per1kOutputTokens;
    }

    /// @notice An endpoint's record.
    struct Endpoint {
        address registrant; // the provider or buyer running the server; receives its payments
        uint32 capacity; // concurrent requests it serves
        bool active; // false once deregistered
        uint256 leaseId; // the OCX service lease it runs on, 0 if none
        string model; // the model name its /v1/models lists
        string url; // base URL of its OpenAI-compatible API (…/v1 is under it)
        string region; // short region code, e.g. "eu-west"
        Pricing pricing;
    }

    // ---------------------------------------------------------------- events

    /// @notice `registrant` registered endpoint `endpointId`.
    event EndpointRegistered(
        uint256 indexed endpointId,
        address indexed registrant,
        string model,
        string url,
        Pricing pricing,
        uint32 capacity,
        string region,
        uint256 leaseId
    );
    /// @notice The registrant changed endpoint `endpointId`; the event carries its whole new record.
    event EndpointUpdated(
        uint256 indexed endpointId,
        address indexed registrant,
        string model,
        string url,
        Pricing pricing,
        uint32 capacity,
        string region,
        uint256 leaseId
    );
    /// @notice The registrant removed endpoint `endpointId`.
    event EndpointDeregistered(uint256 indexed endpointId, address indexed registrant);

    // ---------------------------------------------------------------- errors

    /// @notice No endpoint has this id, or it was deregistered.
    error InferenceUnknownEndpoint(uint256 endpointId);
    /// @notice Only the endpoint's registrant can change it.
    error InferenceNotRegistrant(uint256 endpointId, address caller, address registrant);
    /// @notice A text field is empty or longer than allowed (`field` names it: "model", "url" or "region").
    error InferenceFieldLength(bytes32 field, uint256 length, uint256 max);
    /// @notice An endpoint must serve at least one request at a time.
    error InferenceZeroCapacity();

    // ---------------------------------------------------------------- calls

    /// @notice Registers an endpoint with the caller as its registrant (and payee).
    /// @return endpointId its id, counted from 1
    function register(
        string calldata model,
        string calldata url,
        Pricing calldata pricing,
        uint32 capacity,
        string calldata region,
        uint256 leaseId
    ) external returns (uint256 endpointId);

    /// @notice Replaces an endpoint's record (its registrant only).
    function update(
        uint256 endpointId,
        string calldata model,
        string calldata url,
        Pricing calldata pricing,
        uint32 capacity,
        string calldata region,
        uint256 leaseId
    ) external;

    /// @notice Removes an endpoint (its registrant only). Its id is not reused.
    function deregister(uint256 endpointId) external;

    /// @notice An endpoint's record; reverts for an id never registered.
    function getEndpoint(uint256 endpointId) external view returns (Endpoint memory);

    /// @notice How many endpoints were ever registered (the highest id).
    function endpointCount() external view returns (uint256);
}
