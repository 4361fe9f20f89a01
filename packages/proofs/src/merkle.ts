// Merkle tree over the rows of a committed matrix, positional so an opening proves its index:
// leaf = SHA-256(0x00 ‖ row bytes), node = SHA-256(0x01 ‖ left ‖ right), leaves padded with
// 32 zero bytes to a power of two. A contract checks a proof with log2(n) calls to precompile 0x02.
import { sha256 } from "./bytes.js";

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);
const EMPTY = new Uint8Array(32);

/**
 * Hash of one row leaf.
 *
 * @example
 * rowLeaf(new Uint8Array([1, 2, 3]));
 */
export function rowLeaf(row: Uint8Array): Uint8Array {
  return sha256(LEAF, row);
}

/**
 * Hash of an inner node.
 *
 * @example
 * merkleNode(rowLeaf(row0), rowLeaf(row1)); // the root of a two-row matrix
 */
export function merkleNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

/** All levels of a tree: levels[0] are the (padded) leaves, the last level is [root]. */
export type MerkleTree = { levels: Uint8Array[][]; leafCount: number };

/**
 * Builds the tree over the rows of a row-major `rows × cols` matrix.
 *
 * @example
 * const tree = buildRowTree(matrix, 64, 64);
 * merkleRoot(tree); // Uint8Array(32)
 */
export function buildRowTree(matrix: Uint8Array, rows: number, cols: number): MerkleTree {
  let width = 1;
  while (width < rows) width *= 2;
  const leaves: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) leaves.push(rowLeaf(matrix.subarray(r * cols, (r + 1) * cols)));
  for (let r = rows; r < width; r++) leaves.push(EMPTY);
  const levels = [leaves];
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(merkleNode(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    levels.push(next);
    level = next;
  }
  return { levels, leafCount: rows };
}

/**
 * Root of a tree.
 *
 * @example
 * toHex(merkleRoot(buildRowTree(y, n, n))); // the commitment's root
 */
export function merkleRoot(tree: MerkleTree): Uint8Array {
  return tree.levels[tree.levels.length - 1]?.[0] as Uint8Array;
}

/**
 * Number of sibling hashes in a proof for a tree of `leafCount` leaves: ⌈log2 leafCount⌉.
 *
 * @example
 * merkleDepth(1000); // 10
 */
export function merkleDepth(leafCount: number): number {
  let depth = 0;
  while (2 ** depth < leafCount) depth++;
  return depth;
}

/**
 * Sibling hashes from the leaf up to (not including) the root.
 *
 * @example
 * merkleProof(tree, 5); // Uint8Array[] of length log2(n)
 */
export function merkleProof(tree: MerkleTree, index: number): Uint8Array[] {
  const proof: Uint8Array[] = [];
  let position = index;
  for (let depth = 0; depth < tree.levels.length - 1; depth++) {
    proof.push((tree.levels[depth] as Uint8Array[])[position ^ 1] as Uint8Array);
    position >>= 1;
  }
  return proof;
}

/**
 * Root implied by a leaf, its index and its proof (bit d of the index says whether the node is a
 * right child at depth d). Compare it with the committed root.
 *
 * @example
 * bytesEqual(rootFromProof(rowLeaf(row), 5, proof), root); // true for a genuine opening
 */
export function rootFromProof(leaf: Uint8Array, index: number, proof: Uint8Array[]): Uint8Array {
  let node = leaf;
  let position = index;
  for (const sibling of proof) {
    node = position & 1 ? merkleNode(sibling, node) : merkleNode(node, sibling);
    position >>= 1;
  }
  return node;
}
