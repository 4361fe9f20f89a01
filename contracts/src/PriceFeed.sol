// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";

/// @title PriceFeed
/// @notice The devnet's OCX/USD price feed: an updater key posts prices, each a new round, read through
/// Chainlink's AggregatorV3Interface. A production deployment puts a Chainlink aggregator or a DEX TWAP adapter
/// behind the same interface instead (docs/economy.md, "Credits and the oracle").
/// @dev Trusts its updaters entirely: whoever holds UPDATER_ROLE sets the price OcxCredits mints and redeems at
/// (within OcxCredits' staleness and move bounds). Only for devnets and tests.
contract PriceFeed is AggregatorV3Interface, AccessControl {
    /// @notice May post prices.
    bytes32 public constant UPDATER_ROLE = keccak256("UPDATER_ROLE");

    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    uint8 private immutable _decimals;
    string private _description;
    uint80 private _latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice Round `roundId` was posted with `answer` at `updatedAt` (Chainlink's event shape).
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @notice A price must be positive: `answer` was not.
    error PriceFeedNonPositiveAnswer(int256 answer);
    /// @notice Round `roundId` was never posted (the latest is `latestRound`).
    error PriceFeedNoSuchRound(uint80 roundId, uint80 latestRound);

    /// @param admin holds DEFAULT_ADMIN_ROLE (grants UPDATER_ROLE)
    /// @param updater holds UPDATER_ROLE
    /// @param decimals_ decimals of each answer (8, as Chainlink's USD feeds)
    /// @param description_ e.g. "OCX / USD"
    /// @param initialAnswer the first round's answer (0: no round yet)
    constructor(address admin, address updater, uint8 decimals_, string memory description_, int256 initialAnswer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPDATER_ROLE, updater);
        _decimals = decimals_;
        _description = description_;
        if (initialAnswer != 0) _post(initialAnswer);
    }

    /// @notice Posts `answer` as a new round, timed now. Only for UPDATER_ROLE.
    /// @return roundId the new round
    function updateAnswer(int256 answer) external onlyRole(UPDATER_ROLE) returns (uint80 roundId) {
        return _post(answer);
    }

    function _post(int256 answer) private returns (uint80 roundId) {
        if (answer <= 0) revert PriceFeedNonPositiveAnswer(answer);
        roundId = ++_latestRound;
        _rounds[roundId] = Round({answer: answer, updatedAt: uint64(block.timestamp)});
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[roundId];
        if (r.updatedAt == 0) revert PriceFeedNoSuchRound(roundId, _latestRound);
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(_latestRound);
    }
}
