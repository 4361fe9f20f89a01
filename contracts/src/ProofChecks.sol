// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProofMath} from "./libraries/ProofMath.sol";

/// @title ProofChecks
/// @notice ProofMath's larger O(n) checks (a trace step's entry, the audited rows, a row's Merkle opening) as a
/// deployed contract that ProofOfCompute calls, so that ProofOfCompute stays well under the 24,576-byte code
/// limit (EIP-170) however ProofMath's loops are tuned. Pure: it holds nothing and trusts nobody.
contract ProofChecks {
    /// @notice ProofMath.traceStepEntry: entry j of v_{s+1} = M_s·v_s mod 127.
    function traceStepEntry(bytes32 workId, uint32 n, uint32 steps, uint32 s, bytes calldata v, uint32 j)
        external
        pure
        returns (uint8)
    {
        return ProofMath.traceStepEntry(workId, n, steps, s, v, j);
    }

    /// @notice ProofMath.auditRows: the k distinct audited rows in [0, n), in drawing order.
    function auditRows(bytes32 auditId, uint32 k, uint32 n) external pure returns (uint32[] memory) {
        return ProofMath.auditRows(auditId, k, n);
    }

    /// @notice ProofMath.verifyRow: whether `row` is row `index` of the n-row matrix committed as `root`.
    function verifyRow(bytes32 root, uint32 index, uint32 n, bytes calldata row, bytes32[] calldata proof)
        external
        pure
        returns (bool)
    {
        return ProofMath.verifyRow(root, index, n, row, proof);
    }
}
