// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title AggregatorV3Interface
/// @notice The read side of a Chainlink price feed, as OCX uses it: the same five functions and return shapes
/// Chainlink's aggregators answer, written for this project so any feed with that interface (Chainlink itself,
/// a DEX time-weighted average behind an adapter, the devnet's PriceFeed) can stand behind OcxCredits.
interface AggregatorV3Interface {
    /// @notice The number of decimals of `answer` (8 for Chainlink's USD pairs).
    function decimals() external view returns (uint8);

    /// @notice What the feed prices, e.g. "OCX / USD".
    function description() external view returns (string memory);

    /// @notice The feed implementation's version.
    function version() external view returns (uint256);

    /// @notice One past round: its answer and when it was started and last updated.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The latest round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
