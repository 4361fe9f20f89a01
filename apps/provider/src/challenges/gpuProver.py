#!/usr/bin/env python3
"""The provider node's driver for packages/proofs/python/prove.py, in two phases as the protocol needs:

  gpuProver.py prove --challenge DIR/challenge.json --dir DIR --backend torch|numpy
      runs the chain (prove.py's backend: torch._int_mm on the GPU, or NumPy), saves the committed
      matrix Y as DIR/y.bin (n*n residues, row-major) and prints {"commitment": {...}, "timings": {...}}.
  gpuProver.py open --challenge DIR/challenge.json --dir DIR --check-seed 0x.. --k K --t T
      after the commitment is on-chain and the audit seed known: reads DIR/y.bin (memory-mapped),
      prints the Opening JSON (products Y.r mod 127 and the k audited rows with Merkle proofs).

The torch backend is UNCHECKED on a GPU from this driver (no GPU was lent to the task that wrote it);
the numpy backend is exercised by apps/provider/test/challenges-responder.test.ts.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# prove.py is @ocx/proofs' python/ folder: the node passes where it is (OCX_PROOFS_PYTHON); in this
# repository it is also found from here.
sys.path.insert(
    0,
    os.environ.get("OCX_PROOFS_PYTHON") or os.path.join(HERE, "..", "..", "..", "..", "packages", "proofs", "python"),
)

import prove as P  # noqa: E402  (found through the path above)


def backend_of(name):
    return P.TorchBackend() if name == "torch" else P.NumpyBackend()


def run_prove(ch, backend, out_dir, threads):
    captured = {}
    to_host = backend.to_host

    def keep(y):
        host = to_host(y)
        captured["host"] = host
        return host

    backend.to_host = keep
    result = P.prove(ch, backend, None, threads=threads)
    tmp = os.path.join(out_dir, "y.bin.tmp")
    captured["host"].tofile(tmp)
    os.replace(tmp, os.path.join(out_dir, "y.bin"))
    return {"backend": result["backend"], "commitment": result["commitment"], "timings": result["timings"]}


def run_open(ch, out_dir, check_seed, k, t, threads):
    import numpy as np

    n = ch["n"]
    y = np.memmap(os.path.join(out_dir, "y.bin"), dtype=np.uint8, mode="r", shape=(n, n))
    cid = P.from_hex(ch["id"], 32, "challenge id")
    levels = P.merkle_levels(y, n, threads)
    root = levels[-1][0]
    k = min(k, n)
    aid = P.audit_id(P.from_hex(check_seed, 32, "check seed"), cid, root, k, t)
    vectors = np.array([list(P.audit_vector(aid, v, n)) for v in range(t)], dtype=np.float64).T
    products = np.zeros((n, t), dtype=np.float64)
    chunk = max(1, (1 << 26) // max(n, 1))
    for row0 in range(0, n, chunk):
        # Sums stay below 126*126*n < 2^53: exact in float64.
        products[row0 : row0 + chunk] = np.remainder(y[row0 : row0 + chunk].astype(np.float64) @ vectors, P.MODULUS)
    return {
        "challengeId": P.to_hex(cid),
        "auditId": P.to_hex(aid),
        "products": [P.to_hex(bytes(products[:, v].astype(np.uint8))) for v in range(t)],
        "rows": [
            {
                "index": row,
                "values": P.to_hex(bytes(y[row])),
                "proof": [P.to_hex(h) for h in P.merkle_proof(levels, row)],
            }
            for row in P.audit_rows(aid, k, n)
        ],
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["prove", "open"])
    parser.add_argument("--challenge", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--backend", choices=["numpy", "torch"], default="torch")
    parser.add_argument("--check-seed")
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--t", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    with open(args.challenge) as f:
        ch = json.load(f)
    if args.command == "prove":
        print(json.dumps(run_prove(ch, backend_of(args.backend), args.dir, args.threads)))
    else:
        if not args.check_seed:
            parser.error("open needs --check-seed")
        print(json.dumps(run_open(ch, args.dir, args.check_seed, args.k, args.t, args.threads)))


if __name__ == "__main__":
    main(sys.argv[1:])
