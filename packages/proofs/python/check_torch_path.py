#!/usr/bin/env python3
"""Runs prove.py's torch backend on a NumPy stand-in for the few torch calls it makes, and compares
its commitment and opening with the NumPy backend's.

This checks the torch path's own logic (symmetric int8 residues, int32 products in row chunks,
transposed writes, the return to canonical residues) where no GPU and no PyTorch exist. It does NOT
check torch itself: _int_mm's layout rules, CUDA memory or speed. The stand-in enforces the
argument checks _int_mm documents (int8 inputs, more than 16 rows, sizes multiple of 8).

Usage: check_torch_path.py [--n 64] [--steps 3]   (prints one JSON line; exit 1 on a mismatch)
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import prove  # noqa: E402


class T:
    """A numpy array with the torch tensor methods prove.TorchBackend uses."""

    def __init__(self, array):
        self.a = np.asarray(array)

    shape = property(lambda self: self.a.shape)
    dtype = property(lambda self: self.a.dtype)

    def _v(self, other):
        return other.a if isinstance(other, T) else other

    def __xor__(self, o):
        return T(self.a ^ self._v(o))

    def __rshift__(self, o):
        return T(self.a >> self._v(o))

    def __lshift__(self, o):
        return T(self.a << self._v(o))

    def __and__(self, o):
        return T(self.a & self._v(o))

    def __add__(self, o):
        return T(self.a + self._v(o))

    def __sub__(self, o):
        return T(self.a - self._v(o))

    def __mul__(self, o):
        return T(self.a * self._v(o))

    __rmul__ = __mul__

    def __gt__(self, o):
        return T(self.a > self._v(o))

    def __matmul__(self, o):
        return T(self.a @ self._v(o))

    def __iadd__(self, o):
        self.a += self._v(o)
        return self

    def __getitem__(self, index):
        return T(self.a[index])

    def __setitem__(self, index, value):
        self.a[index] = self._v(value)

    def to(self, dtype):
        return T(self.a.astype(dtype))

    def t(self):
        return T(self.a.T)

    def reshape(self, *shape):
        return T(self.a.reshape(*shape))

    def cpu(self):
        return self

    def numpy(self):
        return self.a

    def tolist(self):
        return self.a.tolist()


class FakeCuda:
    @staticmethod
    def is_available():
        return True

    @staticmethod
    def mem_get_info():
        # Small on purpose: forces several row chunks.
        return (1 << 16, 1 << 20)

    @staticmethod
    def synchronize():
        pass


class FakeTorch:
    int8, int16, int32, int64, uint8, float64 = np.int8, np.int16, np.int32, np.int64, np.uint8, np.float64
    cuda = FakeCuda

    @staticmethod
    def device(name):
        return name

    @staticmethod
    def arange(start, end=None, dtype=None, device=None):
        return T(np.arange(start, end, dtype=dtype) if end is not None else np.arange(start, dtype=dtype))

    @staticmethod
    def stack(tensors, dim):
        return T(np.stack([t.a for t in tensors], axis=dim))

    @staticmethod
    def zeros(shape, dtype, device=None):
        return T(np.zeros(shape, dtype=dtype))

    @staticmethod
    def empty(shape, dtype, device=None):
        return T(np.zeros(shape, dtype=dtype))

    @staticmethod
    def tensor(data, dtype, device=None):
        return T(np.array(data, dtype=dtype))

    @staticmethod
    def remainder(t, m):
        return T(np.remainder(t.a, m))

    @staticmethod
    def cat(tensors):
        return T(np.concatenate([t.a for t in tensors]))

    @staticmethod
    def _int_mm(a, b):
        if a.dtype != np.int8 or b.dtype != np.int8:
            raise TypeError(f"_int_mm takes int8, got {a.dtype} and {b.dtype}")
        if a.shape[0] <= 16 or a.shape[1] % 8 or b.shape[1] % 8:
            raise ValueError(f"_int_mm shapes {a.shape} x {b.shape}: need rows > 16 and sizes multiple of 8")
        product = a.a.astype(np.int64) @ b.a.astype(np.int64)
        if np.abs(product).max() >= 2**31:
            raise OverflowError("int32 accumulation would overflow")
        return T(product.astype(np.int32))


class SimulatedTorchBackend(prove.TorchBackend):
    name = "torch (simulated on numpy)"

    def __init__(self):
        self.torch = FakeTorch
        self.device = "cuda"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args(argv)
    body = {
        "version": prove.PROOF_VERSION,
        "seed": "0x" + "7e" * 32,
        "provider": "0x" + "ab" * 20,
        "gpuIndex": 0,
        "model": "cpu",
        "n": args.n,
        "steps": args.steps,
        "modulus": prove.MODULUS,
        "deadlineSeconds": 100,
    }
    body["id"] = "0x" + hashlib.sha256(prove.encode_challenge(body)).hexdigest()
    check_seed = "0x" + "c3" * 32
    reference = prove.prove(body, prove.NumpyBackend(), check_seed, 16, 2)
    simulated = prove.prove(body, SimulatedTorchBackend(), check_seed, 16, 2)
    same = reference["commitment"] == simulated["commitment"] and reference["opening"] == simulated["opening"]
    # The verifier's chain through r on the torch path too.
    verdict = prove.verify(
        body, simulated["commitment"], simulated["opening"], check_seed, 16, 2, SimulatedTorchBackend()
    )
    print(
        json.dumps(
            {"n": args.n, "steps": args.steps, "root": reference["commitment"]["root"], "match": same, "verified": verdict["ok"]}
        )
    )
    return 0 if same and verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
