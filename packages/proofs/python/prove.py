#!/usr/bin/env python3
"""OCX proof-of-compute prover for GPU hosts (PyTorch) and for cross-checks (NumPy).

Computes exactly the bytes of packages/proofs (TypeScript): the chain
X_0 = A, X_i = (X_{i-1} @ B_i)^T mod 127, the SHA-256 Merkle root over the rows of Y = X_L,
and, given the audit's check seed, the opening (products Y @ r mod 127 and the audited rows with
their Merkle proofs) as JSON in the format of the TypeScript `Opening` type.

Backends:
  numpy  CPU, float64 BLAS products (exact: sums stay below 2^53). Checked: the TypeScript test
         packages/proofs/src/python.test.ts runs it and compares commitment and opening bytes.
  torch  GPU, torch._int_mm on int8 with int32 accumulation, residues shifted to [-63, 63] so that
         63*63*n < 2^31 holds for every model's n. UNCHECKED here (no GPU, no PyPI on the
         development machines): run it on a GPU host and compare its root with the numpy backend
         at a small n before trusting its figures.

Usage:
  prove.py --challenge challenge.json [--check-seed 0x..] [--k 64] [--t 2]
           [--backend numpy|torch] [--out result.json]
The challenge JSON is the TypeScript `Challenge` (deriveChallenge's output); its id is recomputed
here and must match.
"""

import argparse
import hashlib
import json
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# Derivation constants: packages/proofs/src/{field,prg,messages}.ts. python.test.ts checks they match.
MODULUS = 127
PROOF_VERSION = 1
WEYL = 0x9E3779B9
FMIX_C1 = 0x85EBCA6B
FMIX_C2 = 0xC2B2AE35
TAG_MATRIX_KEY = 0x01
TAG_AUDIT_VECTOR = 0x02
TAG_AUDIT_ROWS = 0x03
MASK32 = 0xFFFFFFFF


def sha256(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()


def u32(value):
    return struct.pack(">I", value)


def from_hex(text, length, what):
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError(f"{what} must be 0x-prefixed hex, got {text!r}")
    data = bytes.fromhex(text[2:])
    if length is not None and len(data) != length:
        raise ValueError(f"{what} has {len(data)} bytes, expected {length}")
    return data


def to_hex(data):
    return "0x" + bytes(data).hex()


# ---------------------------------------------------------------------------------------------
# Challenge, keys and audit: small, pure Python, identical on every backend.


def encode_challenge(ch):
    return b"".join(
        [
            bytes([ch["version"]]),
            from_hex(ch["seed"], 32, "seed"),
            from_hex(ch["provider"], 20, "provider"),
            u32(ch["gpuIndex"]),
            sha256(ch["model"].encode("utf-8")),
            u32(ch["n"]),
            u32(ch["steps"]),
            u32(ch["modulus"]),
            u32(ch["deadlineSeconds"]),
        ]
    )


def matrix_key(challenge_id, index):
    digest = sha256(challenge_id, bytes([TAG_MATRIX_KEY]), u32(index))
    return struct.unpack(">II", digest[:8])


def audit_id(check_seed, challenge_id, root, k, t):
    return sha256(check_seed, challenge_id, root, u32(k), u32(t))


def audit_vector(aid, vector, n):
    out = []
    counter = 0
    while len(out) < n:
        for b in sha256(aid, bytes([TAG_AUDIT_VECTOR]), u32(vector), u32(counter)):
            if b < 254 and len(out) < n:
                out.append(b % MODULUS)
        counter += 1
    return out


def audit_rows(aid, k, n):
    limit = (2**32 // n) * n
    chosen, rows, counter = set(), [], 0
    while len(rows) < k:
        block = sha256(aid, bytes([TAG_AUDIT_ROWS]), u32(counter))
        for offset in range(0, 32, 4):
            if len(rows) >= k:
                break
            (word,) = struct.unpack(">I", block[offset : offset + 4])
            if word >= limit:
                continue
            row = word % n
            if row in chosen:
                continue
            chosen.add(row)
            rows.append(row)
        counter += 1
    return rows


# ---------------------------------------------------------------------------------------------
# Work matrices: the same integer code runs on NumPy int64 arrays and torch int64 tensors. Every
# intermediate stays below 2^49, so nothing relies on signed overflow.


def mul32(x, c):
    return ((x * (c & 0xFFFF)) + (((x * (c >> 16)) & 0xFFFF) << 16)) & MASK32


def fmix32(x):
    x = x ^ (x >> 16)
    x = mul32(x, FMIX_C1)
    x = x ^ (x >> 13)
    x = mul32(x, FMIX_C2)
    return x ^ (x >> 16)


def fold(e):
    # (e + ((e + 1) >> 7)) & 0x7f maps 127 to 0 and leaves 0..126 alone.
    return (e + ((e + 1) >> 7)) & 0x7F


class NumpyBackend:
    name = "numpy"

    def __init__(self):
        import numpy as np

        self.np = np

    def matrix_rows(self, key, row0, row1, n):
        np = self.np
        k0, k1 = key
        rows = np.arange(row0, row1, dtype=np.int64)
        h = fmix32(rows ^ k0)
        words = mul32(np.arange(n // 4, dtype=np.int64), WEYL)
        x = fmix32(((h[:, None] + words[None, :]) & MASK32) ^ k1)
        parts = [fold((x >> shift) & 0x7F) for shift in (0, 8, 16, 24)]
        return np.stack(parts, axis=-1).reshape(row1 - row0, n).astype(np.uint8)

    def matrix(self, key, n):
        return self.matrix_rows(key, 0, n, n)

    def step(self, x, b):
        # float64 is exact: every sum is below 126*126*n < 2^53.
        z = x.astype(self.np.float64) @ b.astype(self.np.float64)
        return self.np.ascontiguousarray((z % MODULUS).astype(self.np.uint8).T)

    def times_vectors(self, y, vectors):
        r = self.np.array(vectors, dtype=self.np.float64).T
        return [list(col) for col in ((y.astype(self.np.float64) @ r) % MODULUS).astype(self.np.uint8).T]

    def to_host(self, y):
        return y

    def sync(self):
        pass

    def f64(self, values):
        return self.np.array(values, dtype=self.np.float64)

    def as_f64(self, a):
        return a.astype(self.np.float64)

    def zeros_f64(self, shape):
        return self.np.zeros(shape, dtype=self.np.float64)

    def remainder(self, a, m):
        return self.np.remainder(a, m)

    def tolist(self, a):
        return a.tolist()

    def verify_chunk_rows(self, n):
        return max(1, (1 << 24) // max(1, n))


class TorchBackend:
    """GPU prover. UNCHECKED: no GPU where this was written; see the module docstring.

    Matrices live on the GPU as symmetric int8 residues ([-63, 63], same class mod 127), so the
    working set is exactly X_{i-1}, B_i and X_i (3 n^2 bytes, what models.ts sizes n for) plus one
    int32 row chunk; they are turned back into canonical residues [0, 126] only for the commitment.
    """

    name = "torch"

    def __init__(self):
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("torch backend: no CUDA device; use --backend numpy")
        self.torch = torch
        self.device = torch.device("cuda")

    def _chunk_rows(self, n, bytes_per_row):
        # _int_mm needs more than 16 rows; keep each chunk's temporaries to 5 % of free memory.
        free, _ = self.torch.cuda.mem_get_info()
        return max(32, min(n, int(0.05 * free) // max(1, bytes_per_row)))

    def _symmetric(self, canonical):
        s = canonical.to(self.torch.int16)
        return (s - 127 * (s > 63).to(self.torch.int16)).to(self.torch.int8)

    def matrix_rows(self, key, row0, row1, n):
        torch = self.torch
        k0, k1 = key
        rows = torch.arange(row0, row1, dtype=torch.int64, device=self.device)
        h = fmix32(rows ^ k0)
        words = mul32(torch.arange(n // 4, dtype=torch.int64, device=self.device), WEYL)
        x = fmix32(((h[:, None] + words[None, :]) & MASK32) ^ k1)
        parts = [fold((x >> shift) & 0x7F) for shift in (0, 8, 16, 24)]
        return torch.stack(parts, dim=-1).reshape(row1 - row0, n)

    def matrix(self, key, n):
        torch = self.torch
        out = torch.empty((n, n), dtype=torch.int8, device=self.device)
        chunk = self._chunk_rows(n, n * 8 * 4)
        for row0 in range(0, n, chunk):
            row1 = min(n, row0 + chunk)
            out[row0:row1] = self._symmetric(self.matrix_rows(key, row0, row1, n))
        return out

    def step(self, x, b):
        torch = self.torch
        n = x.shape[0]
        out = torch.empty((n, n), dtype=torch.int8, device=self.device)
        chunk = self._chunk_rows(n, n * 4 * 3)
        for row0 in range(0, n, chunk):
            row1 = min(n, row0 + chunk)
            z = torch._int_mm(x[row0:row1], b)
            # Product row i becomes result column i.
            out[:, row0:row1] = self._symmetric(torch.remainder(z, MODULUS)).t()
            del z
        return out

    def times_vectors(self, y, vectors):
        torch = self.torch
        r = torch.tensor(vectors, dtype=torch.float64, device=self.device).t()
        n = y.shape[0]
        chunk = self._chunk_rows(n, n * 8)
        cols = []
        for row0 in range(0, n, chunk):
            row1 = min(n, row0 + chunk)
            # Symmetric residues give the same sums mod 127; remainder() is non-negative.
            cols.append(torch.remainder(y[row0:row1].to(torch.float64) @ r, MODULUS))
        return torch.cat(cols).to(torch.uint8).t().cpu().tolist()

    def to_host(self, y):
        torch = self.torch
        n = y.shape[0]
        host = torch.empty((n, n), dtype=torch.uint8)
        chunk = self._chunk_rows(n, n * 2)
        for row0 in range(0, n, chunk):
            row1 = min(n, row0 + chunk)
            host[row0:row1] = torch.remainder(y[row0:row1].to(torch.int16), MODULUS).to(torch.uint8).cpu()
        return host.numpy()

    def sync(self):
        self.torch.cuda.synchronize()

    def f64(self, values):
        return self.torch.tensor(values, dtype=self.torch.float64, device=self.device)

    def as_f64(self, a):
        return a.to(self.torch.float64)

    def zeros_f64(self, shape):
        return self.torch.zeros(shape, dtype=self.torch.float64, device=self.device)

    def remainder(self, a, m):
        return self.torch.remainder(a, m)

    def tolist(self, a):
        return a.cpu().tolist()

    def verify_chunk_rows(self, n):
        return self._chunk_rows(n, n * 8 * 6)


# ---------------------------------------------------------------------------------------------
# Commitment: Merkle tree over rows, leaf = sha256(0x00 || row), node = sha256(0x01 || l || r).


def merkle_levels(host_matrix, n, threads):
    def leaf(i):
        return sha256(b"\x00", host_matrix[i].tobytes())

    with ThreadPoolExecutor(max_workers=threads) as pool:
        leaves = list(pool.map(leaf, range(n), chunksize=max(1, n // (threads * 8))))
    width = 1
    while width < n:
        width *= 2
    leaves += [bytes(32)] * (width - n)
    levels = [leaves]
    while len(levels[-1]) > 1:
        level = levels[-1]
        levels.append([sha256(b"\x01", level[i], level[i + 1]) for i in range(0, len(level), 2)])
    return levels


def merkle_proof(levels, index):
    proof = []
    for level in levels[:-1]:
        proof.append(level[index ^ 1])
        index >>= 1
    return proof


def prove(ch, backend, check_seed=None, k=64, t=2, threads=8):
    cid = sha256(encode_challenge(ch))
    if to_hex(cid) != ch["id"].lower():
        raise ValueError(f"challenge id {ch['id']} does not match its fields (they hash to {to_hex(cid)})")
    n, steps = ch["n"], ch["steps"]
    if n % 4 != 0:
        raise ValueError(f"n={n} must be a multiple of 4")
    timings = {"deriveMs": 0.0, "productMs": 0.0, "commitMs": 0.0}

    def timed(name, fn):
        backend.sync()
        started = time.perf_counter()
        value = fn()
        backend.sync()
        timings[name] += (time.perf_counter() - started) * 1000
        return value

    x = timed("deriveMs", lambda: backend.matrix(matrix_key(cid, 0), n))
    for i in range(1, steps + 1):
        b = timed("deriveMs", lambda: backend.matrix(matrix_key(cid, i), n))
        x = timed("productMs", lambda: backend.step(x, b))
        del b
    host = timed("commitMs", lambda: backend.to_host(x))
    levels = timed("commitMs", lambda: merkle_levels(host, n, threads))
    root = levels[-1][0]
    result = {
        "backend": backend.name,
        "commitment": {"challengeId": to_hex(cid), "root": to_hex(root)},
        "timings": timings,
    }
    if check_seed is not None:
        k = min(k, n)
        aid = audit_id(from_hex(check_seed, 32, "check seed"), cid, root, k, t)
        vectors = [audit_vector(aid, v, n) for v in range(t)]
        products = backend.times_vectors(x, vectors)
        result["opening"] = {
            "challengeId": to_hex(cid),
            "auditId": to_hex(aid),
            "products": [to_hex(bytes(p)) for p in products],
            "rows": [
                {
                    "index": row,
                    "values": to_hex(host[row].tobytes()),
                    "proof": [to_hex(h) for h in merkle_proof(levels, row)],
                }
                for row in audit_rows(aid, k, n)
            ],
        }
    return result


# ---------------------------------------------------------------------------------------------
# Verification (packages/proofs/src/verifier.ts): Y @ r through the chain from the keys alone,
# O((L+1) n^2), matrices regenerated in row chunks and never held whole. For GPU-sized challenges a
# validator runs this with the torch backend; the TypeScript verifier is for CPU sizes.


def apply_matrix(backend, key, n, v, transpose):
    out = backend.zeros_f64((n, v.shape[1]))
    chunk = backend.verify_chunk_rows(n)
    for row0 in range(0, n, chunk):
        row1 = min(n, row0 + chunk)
        m = backend.as_f64(backend.matrix_rows(key, row0, row1, n))
        if transpose:
            out += m.t() @ v[row0:row1] if hasattr(m, "t") else m.T @ v[row0:row1]
        else:
            out[row0:row1] = m @ v
    # Sums stay below 126*126*n < 2^53: exact in float64.
    return backend.remainder(out, MODULUS)


def chain_times_vectors(backend, challenge_id, steps, n, vectors):
    v = backend.f64(vectors)
    v = v.t() if hasattr(v, "t") else v.T
    after, transposed = [], False
    for i in range(steps, 0, -1):
        key = matrix_key(challenge_id, i)
        if transposed:
            v, transposed = apply_matrix(backend, key, n, v, False), False
        else:
            after.append(key)
            transposed = True
    v = apply_matrix(backend, matrix_key(challenge_id, 0), n, v, transposed)
    for key in reversed(after):
        v = apply_matrix(backend, key, n, v, True)
    columns = backend.tolist(v)
    return [[int(row[t]) for row in columns] for t in range(len(vectors))]


def verify(ch, commitment, opening, check_seed, k=64, t=2, backend=None):
    """Returns {"ok": True} or {"ok": False, "fault": ..., "message": ...}, like verifyOpening."""

    def refuse(fault, message):
        return {"ok": False, "fault": fault, "message": message}

    cid = sha256(encode_challenge(ch))
    if to_hex(cid) != ch["id"].lower() or commitment["challengeId"].lower() != to_hex(cid):
        return refuse("challenge-mismatch", f"commitment or challenge id does not match {to_hex(cid)}")
    n = ch["n"]
    k = min(k, n)
    root = from_hex(commitment["root"], 32, "root")
    aid = audit_id(from_hex(check_seed, 32, "check seed"), cid, root, k, t)
    if opening["challengeId"].lower() != to_hex(cid) or opening["auditId"].lower() != to_hex(aid):
        return refuse("replayed-opening", f"opening answers audit {opening['auditId']}, expected {to_hex(aid)}")
    rows = audit_rows(aid, k, n)
    vectors = [audit_vector(aid, v, n) for v in range(t)]
    if len(opening["products"]) != t or len(opening["rows"]) != k:
        return refuse("malformed", f"opening has {len(opening['products'])} products and {len(opening['rows'])} rows")
    products = [list(from_hex(p, n, "product")) for p in opening["products"]]
    truth = chain_times_vectors(backend, cid, ch["steps"], n, vectors)
    for v in range(t):
        if products[v] != truth[v]:
            j = next(i for i in range(n) if products[v][i] != truth[v][i])
            return refuse("wrong-product", f"product {v} is {products[v][j]} at row {j}, the chain gives {truth[v][j]}")
    for i, opened in enumerate(opening["rows"]):
        if opened["index"] != rows[i]:
            return refuse("malformed", f"opened row #{i} is row {opened['index']}, the audit asks for {rows[i]}")
        values = from_hex(opened["values"], n, "row")
        node, position = sha256(b"\x00", values), opened["index"]
        for sibling in opened["proof"]:
            sib = from_hex(sibling, 32, "proof")
            node = sha256(b"\x01", sib, node) if position & 1 else sha256(b"\x01", node, sib)
            position >>= 1
        if node != root:
            return refuse("bad-merkle-proof", f"row {opened['index']} does not hash up to the committed root")
        for v in range(t):
            got = sum(a * b for a, b in zip(values, vectors[v])) % MODULUS
            if got != products[v][opened["index"]]:
                return refuse("row-inconsistent", f"row {opened['index']} . r_{v} is {got}, the product claims {products[v][opened['index']]}")
    return {"ok": True}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--challenge", required=True, help="challenge JSON (TypeScript deriveChallenge output)")
    parser.add_argument("--check-seed", help="bytes32 hash of the block after the commitment; also writes the opening")
    parser.add_argument("--k", type=int, default=64, help="rows to open (default 64)")
    parser.add_argument("--t", type=int, default=2, help="Freivalds vectors (default 2)")
    parser.add_argument("--backend", choices=["numpy", "torch"], default=None)
    parser.add_argument("--threads", type=int, default=8, help="threads hashing rows")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    parser.add_argument("--verify", help="instead of proving, verify this JSON {commitment, opening} (needs --check-seed)")
    args = parser.parse_args(argv)
    with open(args.challenge) as f:
        ch = json.load(f)
    if args.backend == "numpy":
        backend = NumpyBackend()
    elif args.backend == "torch":
        backend = TorchBackend()
    else:
        try:
            backend = TorchBackend()
        except Exception:  # noqa: BLE001 - no torch or no CUDA: fall back to the CPU path
            backend = NumpyBackend()
    if args.verify:
        if args.check_seed is None:
            parser.error("--verify needs --check-seed")
        with open(args.verify) as f:
            answer = json.load(f)
        verdict = verify(ch, answer["commitment"], answer["opening"], args.check_seed, args.k, args.t, backend)
        print(json.dumps(verdict))
        sys.exit(0 if verdict["ok"] else 1)
    result = prove(ch, backend, args.check_seed, args.k, args.t, args.threads)
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    print(
        f"{backend.name}: n={ch['n']} L={ch['steps']} derive {result['timings']['deriveMs']:.0f} ms, "
        f"product {result['timings']['productMs']:.0f} ms, commit {result['timings']['commitMs']:.0f} ms",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
