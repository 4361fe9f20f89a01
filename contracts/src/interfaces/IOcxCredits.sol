// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @notice What OcxCredits needs of the OCX token: burning a holder's approved tokens and minting new ones
/// (OcxToken's MINTER_ROLE granted to OcxCredits).
interface IOcxSupply {
    function mint(address to, uint256 amount) external;
    function burnFrom(address account, uint256 value) external;
}

/// @title IOcxCredits
/// @notice Compute credits worth $1 each (18 decimals). A buyer mints them by burning OCX at the oracle's
/// OCX/USD price less a spread; a holder redeems them for newly minted OCX at the price plus the spread.
/// @dev Both conversions round down, so the caller never gets more than the exact value (the protocol keeps the
/// dust). With price p (USD per OCX, scaled by 10^d), spread s (basis points):
///   credits = ⌊ocxIn · p · (10,000 − s) / (10^d · 10,000)⌋
///   ocxOut  = ⌊creditsIn · 10^d · 10,000 / (p · (10,000 + s))⌋
/// Only mint and redeem read the oracle: a stale price (older than `maxPriceAge`) or a move of more than
/// `maxPriceMoveBps` from the last accepted price stops both; transfers, and so a marketplace's settlements and
/// refunds in credits, never depend on it. Redemption may mint at most `maxOcxMintedPerEpoch` OCX per breaker epoch.
interface IOcxCredits {
    /// @notice The parameters governance sets.
    struct Parameters {
        uint16 spreadBps; // charged on both mint and redeem, ≤ MAX_SPREAD_BPS
        uint32 maxPriceAge; // seconds a feed answer stays usable
        uint16 maxPriceMoveBps; // largest move from the last accepted price, in basis points of it
        uint32 breakerEpoch; // seconds per circuit-breaker epoch
        uint128 maxOcxMintedPerEpoch; // OCX redemption may mint per breaker epoch
    }

    // ---------------------------------------------------------------- events

    /// @notice `account` burned `ocxBurned` OCX for `credits` credits at `price` (feed units per OCX).
    event CreditsMinted(address indexed account, uint256 ocxBurned, uint256 credits, uint256 price);
    /// @notice `account` burned `credits` credits for `ocxMinted` newly minted OCX at `price`.
    event CreditsRedeemed(address indexed account, uint256 credits, uint256 ocxMinted, uint256 price);
    /// @notice The parameters changed.
    event ParametersChanged(Parameters parameters);
    /// @notice The reference for the move bound is now `price` (set by governance after a genuine large move).
    event ReferencePriceReset(uint256 previous, uint256 price);
    /// @notice Prices are now read from `feed`, whose answers have `decimals` decimals.
    event FeedChanged(address indexed feed, uint8 decimals);

    // ---------------------------------------------------------------- errors

    /// @notice The feed answered a non-positive price `answer`: it is broken; mint and redeem wait until it is fixed.
    error OcxCreditsInvalidPrice(int256 answer);
    /// @notice The feed's price was updated at `updatedAt`, `age` seconds ago, more than `maxAge`: wait for an update.
    error OcxCreditsStalePrice(uint256 updatedAt, uint256 age, uint256 maxAge);
    /// @notice The price moved from `referencePrice` to `price`, more than `maxMoveBps` basis points: mint and redeem wait
    /// until the price returns within the bound or governance accepts the new price (`resetReferencePrice`).
    error OcxCreditsPriceMoveTooLarge(uint256 referencePrice, uint256 price, uint256 maxMoveBps);
    /// @notice Redeeming would mint `requested` OCX in breaker epoch `epoch`, which already minted `minted` of its
    /// `cap`: redeem less or wait for the next epoch.
    error OcxCreditsRedemptionCapReached(uint256 epoch, uint256 minted, uint256 requested, uint256 cap);
    /// @notice `amountIn` converts to nothing after rounding down: convert a larger amount.
    error OcxCreditsZeroOutput(uint256 amountIn);
    /// @notice A parameter is outside its bounds.
    error OcxCreditsParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- actions

    /// @notice Burns `ocxIn` of the caller's OCX (approve this contract first) and mints credits at the oracle price
    /// less the spread, rounded down.
    /// @return credits the credits minted to the caller
    function mint(uint256 ocxIn) external returns (uint256 credits);

    /// @notice Burns `creditsIn` of the caller's credits and mints OCX at the oracle price plus the spread, rounded
    /// down, within the breaker epoch's cap.
    /// @return ocxOut the OCX minted to the caller
    function redeem(uint256 creditsIn) external returns (uint256 ocxOut);

    /// @notice Sets the parameters. Only for PARAMETER_ROLE.
    function setParameters(Parameters calldata parameters) external;

    /// @notice Accepts the feed's current (fresh) price as the reference for the move bound. Only for PARAMETER_ROLE.
    function resetReferencePrice() external;

    /// @notice Reads prices from `feed` from now on (an AggregatorV3Interface with at most 36 decimals), and takes its
    /// current price, which must be fresh and positive, as the reference for the move bound. Only for PARAMETER_ROLE:
    /// the oracle is governance's choice.
    function setFeed(AggregatorV3Interface feed) external;

    // ---------------------------------------------------------------- reads

    /// @notice The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice The last price mint or redeem accepted (0 before the first), in feed units.
    function referencePrice() external view returns (uint256);

    /// @notice OCX minted by redemption in breaker epoch `epoch`.
    function ocxMintedInEpoch(uint256 epoch) external view returns (uint256);

    /// @notice The running breaker epoch (block.timestamp / breakerEpoch).
    function currentEpoch() external view returns (uint256);

    /// @notice What `mint(ocxIn)` would give at the feed's latest price, without the staleness and move checks.
    function quoteMint(uint256 ocxIn) external view returns (uint256 credits, uint256 price);

    /// @notice What `redeem(creditsIn)` would give at the feed's latest price, without the checks.
    function quoteRedeem(uint256 creditsIn) external view returns (uint256 ocxOut, uint256 price);
}
