// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../interfaces/IMarketplace.sol";

/// @title ResourcesLib
/// @notice How bundles of compute compare and what stake they need.
library ResourcesLib {
    /// @notice True when `offered` meets every requirement of `required` (0 = any model or region).
    function fits(IMarketplace.Resources calldata offered, IMarketplace.Resources storage required)
        internal
        view
        returns (bool)
    {
        return (required.gpuModel == bytes32(0) || offered.gpuModel == required.gpuModel)
            && (required.region == bytes32(0) || offered.region == required.region)
            && offered.gpuCount >= required.gpuCount && offered.gpuVramMiB >= required.gpuVramMiB
            && offered.cpuMillicores >= required.cpuMillicores && offered.memoryMiB >= required.memoryMiB
            && offered.diskMiB >= required.diskMiB;
    }

    /// @notice GPU units one lease of a bundle commits: its GPU count, and one for a CPU-only bundle.
    function gpuUnits(uint16 gpuCount) internal pure returns (uint256) {
        return gpuCount == 0 ? 1 : gpuCount;
    }
}
