import { describe, expect, it } from "vitest";
import { bytesEqual } from "./bytes.js";
import { buildRowTree, merkleDepth, merkleProof, merkleRoot, rootFromProof, rowLeaf } from "./merkle.js";

describe("row Merkle tree", () => {
  it.each([1, 2, 5, 8, 13])("proves every one of %i rows and nothing else", (rows) => {
    const cols = 4;
    const matrix = Uint8Array.from({ length: rows * cols }, (_, i) => i % 127);
    const tree = buildRowTree(matrix, rows, cols);
    const root = merkleRoot(tree);
    for (let r = 0; r < rows; r++) {
      const row = matrix.subarray(r * cols, (r + 1) * cols);
      const proof = merkleProof(tree, r);
      expect(proof.length).toBe(merkleDepth(rows));
      expect(bytesEqual(rootFromProof(rowLeaf(row), r, proof), root)).toBe(true);
      if (rows > 1) {
        // The same row and proof at another index do not verify: the position is bound.
        expect(bytesEqual(rootFromProof(rowLeaf(row), r ^ 1, proof), root)).toBe(false);
        const changed = row.slice();
        changed[0] = ((changed[0] as number) + 1) % 127;
        expect(bytesEqual(rootFromProof(rowLeaf(changed), r, proof), root)).toBe(false);
      }
    }
  });
});
