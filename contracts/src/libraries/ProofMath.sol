// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ProofMath
/// @notice The arithmetic of a proof of compute, bit-exact with packages/proofs (messages.ts, prg.ts,
/// merkle.ts, trace.ts): challenge and audit ids, the work matrices' keys and entries, the audit's
/// vectors and rows, Merkle openings of committed rows, and one entry of one step of the chain through r.
/// Every check is O(n) so that a contract can settle a dispute about a single row or a single entry.
/// @dev SHA-256 goes through the `sha256` builtin (precompile 0x02), which keeps these functions `pure`;
/// it copies its argument to scratch memory first, so the buffers below are built once and mutated
/// in place. Residues are integers mod 127; an input vector's entries are taken as given (use
/// `isResidues` where the protocol requires residues).
library ProofMath {
    /// @notice Version byte of the challenge encoding (messages.ts PROOF_VERSION).
    uint8 internal constant VERSION = 1;
    /// @notice The prime p of every product.
    uint32 internal constant MODULUS = 127;
    /// @notice Weyl increment along a matrix row (prg.ts WEYL).
    uint32 internal constant WEYL = 0x9e3779b9;
    /// @notice Domain tags of the streams derived from a challenge or audit id (prg.ts TAG).
    uint8 internal constant TAG_MATRIX_KEY = 0x01;
    uint8 internal constant TAG_AUDIT_VECTOR = 0x02;
    uint8 internal constant TAG_AUDIT_ROWS = 0x03;

    /// @notice The matrix side `n` is not a positive multiple of 4 (the generator writes 4 entries per word).
    error ProofMathSizeInvalid(uint32 n);
    /// @notice `k` distinct rows cannot be drawn out of `n` (need 1 <= k <= n).
    error ProofMathRowCountInvalid(uint32 k, uint32 n);
    /// @notice A chain of `steps` products has steps + 1 trace steps, numbered 0..steps; `s` is not one.
    error ProofMathStepOutOfRange(uint32 s, uint32 steps);
    /// @notice Entry `j` is not in [0, n).
    error ProofMathEntryOutOfRange(uint32 j, uint32 n);
    /// @notice A vector has `length` bytes where `expected` were needed.
    error ProofMathLengthMismatch(uint256 length, uint256 expected);
    /// @notice A slice of a trace vector must start at a multiple of 4, have a length that is a multiple of 4,
    /// and end by n.
    error ProofMathSliceInvalid(uint32 first, uint256 length, uint32 n);

    // ---------------------------------------------------------------- ids and keys

    /// @notice The challenge id (`Challenge.id`): sha256(uint8 1 ‖ seed ‖ provider ‖ uint32 gpuIndex ‖
    /// modelHash ‖ uint32 n ‖ uint32 steps ‖ uint32 127 ‖ uint32 deadlineSeconds), 105 bytes.
    /// @param modelHash sha256 of the model's name as UTF-8 (e.g. sha256("cpu")).
    function challengeId(
        bytes32 seed,
        address provider,
        uint32 gpuIndex,
        bytes32 modelHash,
        uint32 n,
        uint32 steps,
        uint32 deadlineSeconds
    ) internal pure returns (bytes32) {
        return sha256(
            abi.encodePacked(VERSION, seed, provider, gpuIndex, modelHash, n, steps, MODULUS, deadlineSeconds)
        );
    }

    /// @notice Key of work matrix `index` (0 is A, 1..L are B_i): the first 8 bytes of
    /// sha256(workId ‖ 0x01 ‖ uint32 index) as two big-endian words.
    function matrixKey(bytes32 workId, uint32 index) internal pure returns (uint32 k0, uint32 k1) {
        uint256 digest = uint256(sha256(abi.encodePacked(workId, TAG_MATRIX_KEY, index)));
        k0 = uint32(digest >> 224);
        k1 = uint32(digest >> 192);
    }

    /// @notice The audit id: sha256(checkSeed ‖ workId ‖ root ‖ uint32 k ‖ uint32 t).
    function auditId(bytes32 checkSeed, bytes32 workId, bytes32 root, uint32 k, uint32 t)
        internal
        pure
        returns (bytes32)
    {
        return sha256(abi.encodePacked(checkSeed, workId, root, k, t));
    }

    // ---------------------------------------------------------------- work matrices

    /// @notice MurmurHash3's 32-bit finalizer (prg.ts fmix32).
    function fmix32(uint32 value) internal pure returns (uint32 result) {
        assembly ("memory-safe") {
            // Narrow Solidity values may carry dirty high bits on the stack: every one is masked before use.
            let x := and(value, 0xffffffff)
            x := xor(x, shr(16, x))
            // Products of two words below 2^32 fit in 64 bits: masking is the 32-bit wrap of Math.imul.
            x := and(mul(x, 0x85ebca6b), 0xffffffff)
            x := xor(x, shr(13, x))
            x := and(mul(x, 0xc2b2ae35), 0xffffffff)
            result := xor(x, shr(16, x))
        }
    }

    /// @notice Entry (row, col) of the work matrix keyed (k0, k1), a residue in [0, 126], in O(1):
    /// h = fmix32(k0 ⊕ row), x = fmix32(((h + (col/4)·WEYL) mod 2^32) ⊕ k1), byte col%4 of x & 0x7f, 127 → 0.
    function matrixEntry(uint32 k0, uint32 k1, uint32 row, uint32 col) internal pure returns (uint8 entry) {
        assembly ("memory-safe") {
            function fmix(v) -> r {
                v := xor(v, shr(16, v))
                v := and(mul(v, 0x85ebca6b), 0xffffffff)
                v := xor(v, shr(13, v))
                v := and(mul(v, 0xc2b2ae35), 0xffffffff)
                r := xor(v, shr(16, v))
            }
            let c := and(col, 0xffffffff)
            let h := fmix(xor(and(k0, 0xffffffff), and(row, 0xffffffff)))
            let x := fmix(xor(and(add(h, mul(shr(2, c), WEYL)), 0xffffffff), and(k1, 0xffffffff)))
            let e := and(shr(shl(3, and(c, 3)), x), 0x7f)
            entry := and(add(e, shr(7, add(e, 1))), 0x7f)
        }
    }

    // ---------------------------------------------------------------- the audit

    /// @notice Audit vector `vector`: n residues, exactly uniform, from sha256(auditId ‖ 0x02 ‖ uint32 vector ‖
    /// uint32 counter) for counter = 0, 1, …; each digest byte b < 254 gives b mod 127, 254 and 255 are skipped.
    function auditVector(bytes32 auditId_, uint32 vector, uint32 n) internal pure returns (bytes memory out) {
        bytes memory preimage = abi.encodePacked(auditId_, TAG_AUDIT_VECTOR, vector, uint32(0));
        // Allocated last, so that the up to 32 bytes the last digest writes past n land in free memory.
        out = new bytes(n);
        uint256 filled;
        for (uint256 counter; filled < n; ++counter) {
            assembly ("memory-safe") {
                // The counter is the last 4 of the 41 bytes: rewrite the word that ends with it.
                let at := add(preimage, 41)
                mstore(at, or(and(mload(at), not(0xffffffff)), counter))
            }
            bytes32 digest = sha256(preimage);
            assembly ("memory-safe") {
                let lows := 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f
                let highs := 0x8080808080808080808080808080808080808080808080808080808080808080
                // Per byte b, without carries between bytes (each low-7-bit sum is at most 129):
                // big: b >= 127 (bit 7 set, or low 7 bits 127); rejected: b >= 254 (bit 7 set, low 7 bits >= 126).
                let low := and(digest, lows)
                let high := and(digest, highs)
                let big :=
                    or(high, and(add(low, 0x0101010101010101010101010101010101010101010101010101010101010101), highs))
                let rejected :=
                    and(high, and(add(low, 0x0202020202020202020202020202020202020202020202020202020202020202), highs))
                // b mod 127 for every accepted byte (big ones lose 127; no byte borrows).
                let residues := sub(digest, mul(shr(7, big), 127))
                let at := add(add(out, 32), filled)
                mstore(at, residues)
                // Drop each rejected byte (22% of digests have one): find the first, keep what precedes it,
                // and write the rest one byte earlier. Bytes written past n are overwritten or beyond the end.
                let kept := 32
                for {} rejected {} {
                    let f := rejected
                    let i := 0
                    if iszero(shr(128, f)) {
                        i := 16
                        f := shl(128, f)
                    }
                    if iszero(shr(192, f)) {
                        i := add(i, 8)
                        f := shl(64, f)
                    }
                    if iszero(shr(224, f)) {
                        i := add(i, 4)
                        f := shl(32, f)
                    }
                    if iszero(shr(240, f)) {
                        i := add(i, 2)
                        f := shl(16, f)
                    }
                    if iszero(shr(248, f)) { i := add(i, 1) }
                    let drop := shl(3, add(i, 1))
                    at := add(at, i)
                    residues := shl(drop, residues)
                    rejected := shl(drop, rejected)
                    mstore(at, residues)
                    kept := sub(kept, 1)
                }
                filled := add(filled, kept)
            }
        }
        assembly ("memory-safe") {
            // The bytes after the end were scratch; a bytes value's padding is zero.
            mstore(add(add(out, 32), mload(out)), 0)
        }
    }

    /// @notice The k distinct audited rows in [0, n), in drawing order, from sha256(auditId ‖ 0x03 ‖ uint32 counter)
    /// read as big-endian uint32 words w; w is used when w < ⌊2^32 / n⌋·n (rejection keeps it uniform) as
    /// w mod n, and repeats are skipped.
    /// @dev Repeats are found in an open-addressing table of 2k..4k slots: O(k) expected, not O(k²).
    function auditRows(bytes32 auditId_, uint32 k, uint32 n) internal pure returns (uint32[] memory rows) {
        if (k == 0 || k > n) revert ProofMathRowCountInvalid(k, n);
        rows = new uint32[](k);
        uint256 slots = 2;
        while (slots < 2 * uint256(k)) slots <<= 1;
        // Zeroed by `new`; a slot holds row + 1, so 0 means empty.
        uint256[] memory table = new uint256[](slots);
        // Division first on purpose: the largest multiple of n that is <= 2^32 (prg.ts auditRows).
        // forge-lint: disable-next-line(divide-before-multiply)
        uint256 limit = ((uint256(1) << 32) / n) * n;
        bytes memory preimage = abi.encodePacked(auditId_, TAG_AUDIT_ROWS, uint32(0));
        uint256 count;
        for (uint256 counter; count < k; ++counter) {
            assembly ("memory-safe") {
                let at := add(preimage, 37)
                mstore(at, or(and(mload(at), not(0xffffffff)), counter))
            }
            count = _takeRows(sha256(preimage), rows, table, count, limit, n);
        }
    }

    /// @dev The rows one digest of auditRows adds: its 8 big-endian words, rejected at `limit`, repeats
    /// skipped; returns the new count. A separate frame keeps the stack shallow.
    function _takeRows(
        bytes32 digest,
        uint32[] memory rows,
        uint256[] memory table,
        uint256 count,
        uint256 limit,
        uint256 n
    ) private pure returns (uint256) {
        assembly ("memory-safe") {
            n := and(n, 0xffffffff)
            let mask := sub(mload(table), 1)
            for { let offset := 0 } and(lt(offset, 256), lt(count, mload(rows))) { offset := add(offset, 32) } {
                let word := shr(224, shl(offset, digest))
                if lt(word, limit) {
                    let row := mod(word, n)
                    // Linear probing from row & mask: stop at an empty slot (fresh row) or at the row itself.
                    let slot := and(row, mask)
                    let held := mload(add(add(table, 32), shl(5, slot)))
                    for {} and(iszero(iszero(held)), iszero(eq(held, add(row, 1)))) {} {
                        slot := and(add(slot, 1), mask)
                        held := mload(add(add(table, 32), shl(5, slot)))
                    }
                    if iszero(held) {
                        mstore(add(add(table, 32), shl(5, slot)), add(row, 1))
                        mstore(add(add(rows, 32), shl(5, count)), row)
                        count := add(count, 1)
                    }
                }
            }
        }
        return count;
    }

    // ---------------------------------------------------------------- Merkle openings

    /// @notice Hash of a committed row's leaf: sha256(0x00 ‖ row).
    function rowLeaf(bytes memory row) internal pure returns (bytes32) {
        // A copy of the row (the builtin copies it once more): viewing it in place as 0x00 ‖ row would write
        // to the byte before it, which is not this function's memory.
        return sha256(abi.encodePacked(bytes1(0x00), row));
    }

    /// @notice ⌈log2 n⌉: the number of siblings in a proof for a tree over n rows.
    function merkleDepth(uint32 n) internal pure returns (uint256 depth) {
        while ((uint256(1) << depth) < n) ++depth;
    }

    /// @notice True when `row` is row `index` of an n-row matrix committed as `root`: the positional path
    /// (bit d of index set: the node is a right child at depth d) of node = sha256(0x01 ‖ left ‖ right) from
    /// the leaf leads to `root`. False for a row of the wrong length, an index >= n or a proof of the wrong depth.
    function verifyRow(bytes32 root, uint32 index, uint32 n, bytes memory row, bytes32[] memory proof)
        internal
        pure
        returns (bool)
    {
        if (index >= n || row.length != n || proof.length != merkleDepth(n)) return false;
        bytes32 node = rowLeaf(row);
        bytes memory pair = new bytes(65);
        pair[0] = 0x01;
        uint256 position = index;
        for (uint256 d; d < proof.length; ++d) {
            bytes32 sibling = proof[d];
            assembly ("memory-safe") {
                switch and(position, 1)
                case 1 {
                    mstore(add(pair, 33), sibling)
                    mstore(add(pair, 65), node)
                }
                default {
                    mstore(add(pair, 33), node)
                    mstore(add(pair, 65), sibling)
                }
            }
            node = sha256(pair);
            position >>= 1;
        }
        return node == root;
    }

    // ---------------------------------------------------------------- residues

    /// @notice True when every byte is a residue mod 127 (< 127).
    function isResidues(bytes memory values) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let lows := 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f
            let highs := 0x8080808080808080808080808080808080808080808080808080808080808080
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            let length := mload(values)
            let data := add(values, 32)
            let whole := add(data, and(length, not(31)))
            let bad := 0
            // Byte b >= 127 iff bit 7 is set or its low 7 bits are 127 (then + 1 sets bit 7; no carry leaves the byte).
            for { let p := data } lt(p, whole) { p := add(p, 32) } {
                let w := mload(p)
                bad := or(bad, or(w, and(add(and(w, lows), ones), highs)))
            }
            bad := and(bad, highs)
            for { let p := whole } lt(p, add(data, length)) { p := add(p, 1) } {
                bad := or(bad, gt(byte(0, mload(p)), 126))
            }
            ok := iszero(bad)
        }
    }

    /// @notice Σ a[i]·b[i] mod 127 over two vectors of the same length (bytes taken as integers 0..255).
    function dot(bytes memory a, bytes memory b) internal pure returns (uint256 result) {
        if (a.length != b.length) revert ProofMathLengthMismatch(b.length, a.length);
        assembly ("memory-safe") {
            let length := mload(a)
            let pa := add(a, 32)
            let pb := add(b, 32)
            let whole := add(pa, and(length, not(31)))
            let sum := 0
            // 32 products per word; the sum stays below 255²·2^32, far from overflowing.
            for {} lt(pa, whole) {
                pa := add(pa, 32)
                pb := add(pb, 32)
            } {
                let wa := mload(pa)
                let wb := mload(pb)
                sum := add(
                    sum,
                    add(
                        add(
                            add(
                                add(
                                    add(mul(byte(0, wa), byte(0, wb)), mul(byte(1, wa), byte(1, wb))),
                                    add(mul(byte(2, wa), byte(2, wb)), mul(byte(3, wa), byte(3, wb)))
                                ),
                                add(
                                    add(mul(byte(4, wa), byte(4, wb)), mul(byte(5, wa), byte(5, wb))),
                                    add(mul(byte(6, wa), byte(6, wb)), mul(byte(7, wa), byte(7, wb)))
                                )
                            ),
                            add(
                                add(
                                    add(mul(byte(8, wa), byte(8, wb)), mul(byte(9, wa), byte(9, wb))),
                                    add(mul(byte(10, wa), byte(10, wb)), mul(byte(11, wa), byte(11, wb)))
                                ),
                                add(
                                    add(mul(byte(12, wa), byte(12, wb)), mul(byte(13, wa), byte(13, wb))),
                                    add(mul(byte(14, wa), byte(14, wb)), mul(byte(15, wa), byte(15, wb)))
                                )
                            )
                        ),
                        add(
                            add(
                                add(
                                    add(mul(byte(16, wa), byte(16, wb)), mul(byte(17, wa), byte(17, wb))),
                                    add(mul(byte(18, wa), byte(18, wb)), mul(byte(19, wa), byte(19, wb)))
                                ),
                                add(
                                    add(mul(byte(20, wa), byte(20, wb)), mul(byte(21, wa), byte(21, wb))),
                                    add(mul(byte(22, wa), byte(22, wb)), mul(byte(23, wa), byte(23, wb)))
                                )
                            ),
                            add(
                                add(
                                    add(mul(byte(24, wa), byte(24, wb)), mul(byte(25, wa), byte(25, wb))),
                                    add(mul(byte(26, wa), byte(26, wb)), mul(byte(27, wa), byte(27, wb)))
                                ),
                                add(
                                    add(mul(byte(28, wa), byte(28, wb)), mul(byte(29, wa), byte(29, wb))),
                                    add(mul(byte(30, wa), byte(30, wb)), mul(byte(31, wa), byte(31, wb)))
                                )
                            )
                        )
                    )
                )
            }
            for { let end := add(add(a, 32), length) } lt(pa, end) {
                pa := add(pa, 1)
                pb := add(pb, 1)
            } { sum := add(sum, mul(byte(0, mload(pa)), byte(0, mload(pb)))) }
            result := mod(sum, 127)
        }
    }

    // ---------------------------------------------------------------- the chain through r

    /// @notice Which work matrix step s of the chain through r multiplies by, and whether transposed
    /// (trace.ts traceSchedule): first B_{L−1}, B_{L−3}, … as is, then A (transposed when L is odd), then
    /// B_1 or B_2, …, B_L transposed, ascending.
    function traceStep(uint32 steps, uint32 s) internal pure returns (uint32 matrix, bool transpose) {
        if (steps == 0 || s > steps) revert ProofMathStepOutOfRange(s, steps);
        uint32 untransposed = steps / 2;
        if (s < untransposed) return (steps - 1 - 2 * s, false);
        if (s == untransposed) return (0, steps % 2 == 1);
        uint32 first = steps % 2 == 1 ? uint32(1) : uint32(2);
        // s > steps / 2 here, and s <= steps, so the index is at most steps.
        return (first + 2 * (s - untransposed - 1), true);
    }

    /// @notice Entry j of v_{s+1} = M_s·v_s mod 127 (trace.ts traceStepEntry), in O(n): regenerates row j of
    /// M_s (n/4 fmix32 calls) or, for a transposed step, column j (2n fmix32 calls).
    /// @param workId the challenge id the matrices are keyed by.
    /// @param v v_s, n bytes.
    function traceStepEntry(bytes32 workId, uint32 n, uint32 steps, uint32 s, bytes memory v, uint32 j)
        internal
        pure
        returns (uint8 entry)
    {
        if (v.length != n) revert ProofMathLengthMismatch(v.length, n);
        return traceStepPart(workId, n, steps, s, v, 0, j);
    }

    /// @notice The part of entry j of v_{s+1} that v_s[first .. first + part.length) contributes, mod 127:
    /// Σ_c M_s(j, c)·v_s[c] over those c. The parts of a split of v_s add up (mod 127) to traceStepEntry, so a
    /// check too large for one transaction can be summed over several, each with its own slice of calldata.
    /// @param first index in v_s of part's first byte; a multiple of 4, as is part's length.
    function traceStepPart(bytes32 workId, uint32 n, uint32 steps, uint32 s, bytes memory part, uint32 first, uint32 j)
        internal
        pure
        returns (uint8)
    {
        if (n == 0 || n % 4 != 0) revert ProofMathSizeInvalid(n);
        if (j >= n) revert ProofMathEntryOutOfRange(j, n);
        if (first % 4 != 0 || part.length % 4 != 0 || uint256(first) + part.length > n) {
            revert ProofMathSliceInvalid(first, part.length, n);
        }
        (uint32 matrix, bool transpose) = traceStep(steps, s);
        (uint32 k0, uint32 k1) = matrixKey(workId, matrix);
        // Entries are used as x & 0x7f without folding 127 to 0: 127 ≡ 0 (mod 127), so the sum is unchanged.
        uint256 sum = transpose ? _columnTimes(k0, k1, j, part, first) : _rowTimes(k0, k1, j, part, first);
        return uint8(sum % 127);
    }

    // Both loops run four fmix32 at once: four 32-bit values in the low halves of four 64-bit lanes. A product
    // of two words below 2^32 stays inside its lane, and every right shift is masked back to 32 bits per lane.
    // Each returns Σ entry·v over its slice of the row or column, not reduced.

    /// @dev Row `index` of the matrix keyed (k0, k1), from column `first` on, times v.
    function _rowTimes(uint32 k0, uint32 k1, uint32 index, bytes memory v, uint32 first)
        private
        pure
        returns (uint256 sum)
    {
        // The parameters' stack slots are reused for the loop's values (k0: the four words' counters, k1: the
        // key in every lane, index: the lane mask, v: the read position), and the lane mask sits on the
        // stack: as a literal inside the loop the optimizer would reload it from code every time.
        assembly ("memory-safe") {
            let end := add(add(v, 32), mload(v))
            // Row j: word w = (h + w·WEYL) ⊕ k1 mixed gives entries 4w..4w+3 (least significant byte first);
            // lanes i = 0..3 hold words w + i, i.e. entries 4w..4w+15, and v's bytes 4w..4w+15 are the
            // first 16 bytes of the word loaded at 4w.
            let h := xor(and(k0, 0xffffffff), and(index, 0xffffffff))
            h := xor(h, shr(16, h))
            h := and(mul(h, 0x85ebca6b), 0xffffffff)
            h := xor(h, shr(13, h))
            h := and(mul(h, 0xc2b2ae35), 0xffffffff)
            h := xor(h, shr(16, h))
            // Start at word first / 4.
            h := and(add(h, mul(shr(2, and(first, 0xffffffff)), WEYL)), 0xffffffff)
            k0 := or(
                or(h, shl(64, and(add(h, WEYL), 0xffffffff))),
                or(shl(128, and(add(h, mul(2, WEYL)), 0xffffffff)), shl(192, and(add(h, mul(3, WEYL)), 0xffffffff)))
            )
            k1 := mul(and(k1, 0xffffffff), 0x1000000000000000100000000000000010000000000000001)
            index := 0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff
            for { v := add(v, 32) } lt(v, end) {
                v := add(v, 16)
                k0 := and(add(k0, 0x78dde6e40000000078dde6e40000000078dde6e40000000078dde6e4), index)
            } {
                let x := xor(k0, k1)
                x := xor(x, and(shr(16, x), index))
                x := and(mul(x, 0x85ebca6b), index)
                x := xor(x, and(shr(13, x), index))
                x := and(mul(x, 0xc2b2ae35), index)
                x := xor(x, and(shr(16, x), index))
                let e := and(x, 0x7f7f7f7f000000007f7f7f7f000000007f7f7f7f000000007f7f7f7f)
                let vw := mload(v)
                // The slice is a multiple of 4 bytes, not of 16: the last group keeps only the bytes before the end.
                if gt(add(v, 16), end) { vw := and(vw, not(shr(shl(3, sub(end, v)), not(0)))) }
                sum := add(
                    sum,
                    add(
                        add(
                            add(
                                add(mul(byte(31, e), byte(0, vw)), mul(byte(30, e), byte(1, vw))),
                                add(mul(byte(29, e), byte(2, vw)), mul(byte(28, e), byte(3, vw)))
                            ),
                            add(
                                add(mul(byte(23, e), byte(4, vw)), mul(byte(22, e), byte(5, vw))),
                                add(mul(byte(21, e), byte(6, vw)), mul(byte(20, e), byte(7, vw)))
                            )
                        ),
                        add(
                            add(
                                add(mul(byte(15, e), byte(8, vw)), mul(byte(14, e), byte(9, vw))),
                                add(mul(byte(13, e), byte(10, vw)), mul(byte(12, e), byte(11, vw)))
                            ),
                            add(
                                add(mul(byte(7, e), byte(12, vw)), mul(byte(6, e), byte(13, vw))),
                                add(mul(byte(5, e), byte(14, vw)), mul(byte(4, e), byte(15, vw)))
                            )
                        )
                    )
                )
            }
        }
    }

    /// @dev Column `column` of the matrix keyed (k0, k1), from row `first` on, times v.
    function _columnTimes(uint32 k0, uint32 k1, uint32 column, bytes memory v, uint32 first)
        private
        pure
        returns (uint256 sum)
    {
        // As in _rowTimes, the parameters' slots carry the loop's values (k0 and k1: the keys in every lane,
        // column: the column's offset in every lane, first: the four rows, v: the read position).
        assembly ("memory-safe") {
            let end := add(add(v, 32), mload(v))
            // Column j: entry (c, j) = byte (j mod 4) of fmix32(((fmix32(k0 ⊕ c) + (j/4)·WEYL) mod 2^32) ⊕ k1),
            // for rows c..c+3 in lanes 0..3. Their dot product with v[c..c+3] is one multiplication: v's
            // four bytes spread to lanes in reverse order (v[c] in lane 3), so lane 3 of the product is
            // Σ e_{c+i}·v[c+i] (< 2^17: no lane overflows).
            let shift := shl(3, and(column, 3))
            column := mul(
                and(mul(shr(2, and(column, 0xffffffff)), WEYL), 0xffffffff),
                0x1000000000000000100000000000000010000000000000001
            )
            k0 := mul(and(k0, 0xffffffff), 0x1000000000000000100000000000000010000000000000001)
            k1 := mul(and(k1, 0xffffffff), 0x1000000000000000100000000000000010000000000000001)
            first := add(
                0x3000000000000000200000000000000010000000000000000,
                mul(and(first, 0xffffffff), 0x1000000000000000100000000000000010000000000000001)
            )
            let lanes := 0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff
            for { v := add(v, 32) } lt(v, end) {
                v := add(v, 4)
                first := add(first, 0x4000000000000000400000000000000040000000000000004)
            } {
                let x := xor(k0, first)
                x := xor(x, and(shr(16, x), lanes))
                x := and(mul(x, 0x85ebca6b), lanes)
                x := xor(x, and(shr(13, x), lanes))
                x := and(mul(x, 0xc2b2ae35), lanes)
                x := xor(x, and(shr(16, x), lanes))
                x := xor(and(add(x, column), lanes), k1)
                x := xor(x, and(shr(16, x), lanes))
                x := and(mul(x, 0x85ebca6b), lanes)
                x := xor(x, and(shr(13, x), lanes))
                x := and(mul(x, 0xc2b2ae35), lanes)
                x := xor(x, and(shr(16, x), lanes))
                let vb := shr(224, mload(v))
                let t := or(and(vb, 0xffff), shl(128, shr(16, vb)))
                t := or(
                    and(t, 0xff000000000000000000000000000000ff),
                    shl(56, and(t, 0xff000000000000000000000000000000ff00))
                )
                sum := add(
                    sum,
                    shr(192, mul(and(shr(shift, x), 0x7f000000000000007f000000000000007f000000000000007f), t))
                )
            }
        }
    }
}
