// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {IOcxCredits, IOcxSupply} from "./interfaces/IOcxCredits.sol";

/// @title OcxCredits
/// @notice Compute credits, $1 each: minted by burning OCX at the oracle's price, redeemed for newly minted OCX.
/// Holders can burn their own credits (ERC20Burnable), which is what a marketplace settling in credits does with
/// its protocol fee, so this token satisfies the marketplace's payment-token interface (IOcxToken).
/// @dev Needs OcxToken's MINTER_ROLE (redemption mints OCX). The formulas and rounding are in IOcxCredits.
contract OcxCredits is IOcxCredits, ERC20, ERC20Burnable, ERC20Permit, AccessControlDefaultAdminRules {
    /// @notice May set the parameters and reset the reference price.
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    uint256 private constant BPS = 10_000;
    /// @notice The largest spread governance may set: 10 %.
    uint16 public constant MAX_SPREAD_BPS = 1_000;
    uint32 private constant MIN_PRICE_AGE = 60;
    uint32 private constant MAX_PRICE_AGE = 2 days;
    uint32 private constant MIN_BREAKER_EPOCH = 1 hours;
    uint32 private constant MAX_BREAKER_EPOCH = 30 days;

    /// @notice The OCX token, burned by mint and minted by redeem.
    IOcxSupply public immutable ocx;
    /// @notice The OCX/USD feed (governance may replace it: `setFeed`).
    AggregatorV3Interface public feed;
    /// @notice 10^(the feed's decimals), read when the feed is set.
    uint256 public feedUnit;

    Parameters private _parameters;
    uint256 private _referencePrice;
    mapping(uint256 epoch => uint256 minted) private _ocxMinted;

    /// @param ocx_ the OCX token (grant this contract its MINTER_ROLE)
    /// @param feed_ the OCX/USD feed
    /// @param admin holds DEFAULT_ADMIN_ROLE and PARAMETER_ROLE
    /// @param parameters_ the initial parameters (bounded as in setParameters)
    constructor(IOcxSupply ocx_, AggregatorV3Interface feed_, address admin, Parameters memory parameters_)
        ERC20("OCX Compute Credits", "OCXC")
        ERC20Permit("OCX Compute Credits")
        AccessControlDefaultAdminRules(0, admin)
    {
        ocx = ocx_;
        _setFeed(feed_);
        _grantRole(PARAMETER_ROLE, admin);
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- conversions

    /// @inheritdoc IOcxCredits
    function mint(uint256 ocxIn) external returns (uint256 credits) {
        uint256 price = _acceptPrice();
        credits = _creditsFor(ocxIn, price);
        if (credits == 0) revert OcxCreditsZeroOutput(ocxIn);
        ocx.burnFrom(msg.sender, ocxIn);
        _mint(msg.sender, credits);
        emit CreditsMinted(msg.sender, ocxIn, credits, price);
    }

    /// @inheritdoc IOcxCredits
    function redeem(uint256 creditsIn) external returns (uint256 ocxOut) {
        uint256 price = _acceptPrice();
        ocxOut = _ocxFor(creditsIn, price);
        if (ocxOut == 0) revert OcxCreditsZeroOutput(creditsIn);
        Parameters memory p = _parameters;
        uint256 epoch = block.timestamp / p.breakerEpoch;
        uint256 minted = _ocxMinted[epoch];
        if (minted + ocxOut > p.maxOcxMintedPerEpoch) {
            revert OcxCreditsRedemptionCapReached(epoch, minted, ocxOut, p.maxOcxMintedPerEpoch);
        }
        _burn(msg.sender, creditsIn);
        _ocxMinted[epoch] = minted + ocxOut;
        ocx.mint(msg.sender, ocxOut);
        emit CreditsRedeemed(msg.sender, creditsIn, ocxOut, price);
    }

    /// @dev Rounded down: the caller gets at most the exact value of the OCX burned, less the spread.
    function _creditsFor(uint256 ocxIn, uint256 price) private view returns (uint256) {
        return Math.mulDiv(ocxIn, price * (BPS - _parameters.spreadBps), feedUnit * BPS);
    }

    /// @dev Rounded down: the caller gets at most the exact OCX worth of the credits burned, plus the spread.
    function _ocxFor(uint256 creditsIn, uint256 price) private view returns (uint256) {
        return Math.mulDiv(creditsIn, feedUnit * BPS, price * (BPS + _parameters.spreadBps));
    }

    // ---------------------------------------------------------------- oracle

    /// @dev The feed's latest price if it is positive, fresh, and within the move bound of the reference; it
    /// becomes the new reference.
    function _acceptPrice() private returns (uint256 price) {
        price = _freshPrice();
        uint256 ref = _referencePrice;
        if (ref != 0) {
            uint256 move = price > ref ? price - ref : ref - price;
            uint256 maxMove = _parameters.maxPriceMoveBps;
            if (move * BPS > ref * maxMove) revert OcxCreditsPriceMoveTooLarge(ref, price, maxMove);
        }
        if (price != ref) _referencePrice = price;
    }

    function _freshPrice() private view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        if (answer <= 0) revert OcxCreditsInvalidPrice(answer);
        // A feed timed in the future is treated as fresh (age 0).
        uint256 age = block.timestamp > updatedAt ? block.timestamp - updatedAt : 0;
        if (age > _parameters.maxPriceAge) revert OcxCreditsStalePrice(updatedAt, age, _parameters.maxPriceAge);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(answer); // positive, checked above
    }

    function _latestPrice() private view returns (uint256) {
        (, int256 answer,,,) = feed.latestRoundData();
        if (answer <= 0) revert OcxCreditsInvalidPrice(answer);
        return uint256(answer);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IOcxCredits
    function setParameters(Parameters calldata parameters_) external onlyRole(PARAMETER_ROLE) {
        _setParameters(parameters_);
    }

    /// @inheritdoc IOcxCredits
    function resetReferencePrice() external onlyRole(PARAMETER_ROLE) {
        uint256 price = _freshPrice();
        emit ReferencePriceReset(_referencePrice, price);
        _referencePrice = price;
    }

    /// @inheritdoc IOcxCredits
    function setFeed(AggregatorV3Interface feed_) external onlyRole(PARAMETER_ROLE) {
        _setFeed(feed_);
        // The old reference is in the old feed's terms: the new feed's current price replaces it.
        uint256 price = _freshPrice();
        emit ReferencePriceReset(_referencePrice, price);
        _referencePrice = price;
    }

    function _setFeed(AggregatorV3Interface feed_) private {
        uint8 decimals_ = feed_.decimals();
        _check("feedDecimals", decimals_, 0, 36);
        feed = feed_;
        feedUnit = 10 ** uint256(decimals_);
        emit FeedChanged(address(feed_), decimals_);
    }

    function _setParameters(Parameters memory p) private {
        _check("spreadBps", p.spreadBps, 0, MAX_SPREAD_BPS);
        _check("maxPriceAge", p.maxPriceAge, MIN_PRICE_AGE, MAX_PRICE_AGE);
        _check("maxPriceMoveBps", p.maxPriceMoveBps, 1, BPS);
        _check("breakerEpoch", p.breakerEpoch, MIN_BREAKER_EPOCH, MAX_BREAKER_EPOCH);
        _check("maxOcxMintedPerEpoch", p.maxOcxMintedPerEpoch, 1, type(uint128).max);
        _parameters = p;
        emit ParametersChanged(p);
    }

    function _check(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert OcxCreditsParameterOutOfBounds(name, value, min, max);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IOcxCredits
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IOcxCredits
    function referencePrice() external view returns (uint256) {
        return _referencePrice;
    }

    /// @inheritdoc IOcxCredits
    function ocxMintedInEpoch(uint256 epoch) external view returns (uint256) {
        return _ocxMinted[epoch];
    }

    /// @inheritdoc IOcxCredits
    function currentEpoch() external view returns (uint256) {
        return block.timestamp / _parameters.breakerEpoch;
    }

    /// @inheritdoc IOcxCredits
    function quoteMint(uint256 ocxIn) external view returns (uint256 credits, uint256 price) {
        price = _latestPrice();
        credits = _creditsFor(ocxIn, price);
    }

    /// @inheritdoc IOcxCredits
    function quoteRedeem(uint256 creditsIn) external view returns (uint256 ocxOut, uint256 price) {
        price = _latestPrice();
        ocxOut = _ocxFor(creditsIn, price);
    }
}
