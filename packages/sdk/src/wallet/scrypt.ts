// scrypt (RFC 7914) through node:crypto, with a plain TypeScript ROMix for the parameters that
// OpenSSL refuses: it requires N < 2^(16·r), which old keystores with r=1 (such as the Web3
// Secret Storage test vector, n=262144 r=1 p=8) break.
import { scrypt as nodeScrypt, pbkdf2Sync } from "node:crypto";

/**
 * Derives `dklen` bytes from `password` and `salt` with scrypt.
 * @example
 * const key = await scryptKey("password", salt, { n: 131072, r: 8, p: 1, dklen: 32 });
 */
export async function scryptKey(
  password: string,
  salt: Uint8Array,
  params: { n: number; r: number; p: number; dklen: number },
): Promise<Buffer> {
  const { n, r, p, dklen } = params;
  if (16 * r < 64 && n >= 2 ** (16 * r)) return scryptPortable(password, salt, n, r, p, dklen);
  // Node refuses more than 32 MiB unless told; the standard cost (n=2^17, r=8) needs 128 MiB.
  const maxmem = 128 * r * (n + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    nodeScrypt(password, salt, dklen, { N: n, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** @internal RFC 7914 scrypt in TypeScript, yielding to the event loop between the `p` lanes. */
export async function scryptPortable(
  password: string,
  salt: Uint8Array,
  n: number,
  r: number,
  p: number,
  dklen: number,
): Promise<Buffer> {
  const blockWords = 32 * r;
  const b = pbkdf2Sync(password, salt, 1, p * 128 * r, "sha256");
  const words = new Uint32Array(p * blockWords);
  for (let i = 0; i < words.length; i++) words[i] = b.readUInt32LE(i * 4);
  const v = new Uint32Array(n * blockWords);
  const x = new Uint32Array(blockWords);
  const y = new Uint32Array(blockWords);
  for (let lane = 0; lane < p; lane++) {
    await new Promise((resolve) => setImmediate(resolve));
    x.set(words.subarray(lane * blockWords, (lane + 1) * blockWords));
    for (let i = 0; i < n; i++) {
      v.set(x, i * blockWords);
      blockMix(x, y, r);
    }
    for (let i = 0; i < n; i++) {
      const j = x[(2 * r - 1) * 16]! & (n - 1);
      for (let k = 0; k < blockWords; k++) x[k]! ^= v[j * blockWords + k]!;
      blockMix(x, y, r);
    }
    words.set(x, lane * blockWords);
  }
  const mixed = Buffer.alloc(words.length * 4);
  for (let i = 0; i < words.length; i++) mixed.writeUInt32LE(words[i]!, i * 4);
  return pbkdf2Sync(password, mixed, 1, dklen, "sha256");
}

/** BlockMix with Salsa20/8, in place on `b`, using `y` as scratch. */
function blockMix(b: Uint32Array, y: Uint32Array, r: number): void {
  const t = b.slice((2 * r - 1) * 16, 2 * r * 16);
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) t[k]! ^= b[i * 16 + k]!;
    salsa208(t);
    // Even blocks go to the first half, odd blocks to the second.
    y.set(t, ((i & 1) * r + (i >> 1)) * 16);
  }
  b.set(y);
}

function salsa208(b: Uint32Array): void {
  let [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15] = b as unknown as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const rot = (v: number, c: number) => (v << c) | (v >>> (32 - c));
  for (let i = 0; i < 8; i += 2) {
    x4 ^= rot(x0 + x12, 7);
    x8 ^= rot(x4 + x0, 9);
    x12 ^= rot(x8 + x4, 13);
    x0 ^= rot(x12 + x8, 18);
    x9 ^= rot(x5 + x1, 7);
    x13 ^= rot(x9 + x5, 9);
    x1 ^= rot(x13 + x9, 13);
    x5 ^= rot(x1 + x13, 18);
    x14 ^= rot(x10 + x6, 7);
    x2 ^= rot(x14 + x10, 9);
    x6 ^= rot(x2 + x14, 13);
    x10 ^= rot(x6 + x2, 18);
    x3 ^= rot(x15 + x11, 7);
    x7 ^= rot(x3 + x15, 9);
    x11 ^= rot(x7 + x3, 13);
    x15 ^= rot(x11 + x7, 18);
    x1 ^= rot(x0 + x3, 7);
    x2 ^= rot(x1 + x0, 9);
    x3 ^= rot(x2 + x1, 13);
    x0 ^= rot(x3 + x2, 18);
    x6 ^= rot(x5 + x4, 7);
    x7 ^= rot(x6 + x5, 9);
    x4 ^= rot(x7 + x6, 13);
    x5 ^= rot(x4 + x7, 18);
    x11 ^= rot(x10 + x9, 7);
    x8 ^= rot(x11 + x10, 9);
    x9 ^= rot(x8 + x11, 13);
    x10 ^= rot(x9 + x8, 18);
    x12 ^= rot(x15 + x14, 7);
    x13 ^= rot(x12 + x15, 9);
    x14 ^= rot(x13 + x12, 13);
    x15 ^= rot(x14 + x13, 18);
  }
  const out = [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15];
  for (let i = 0; i < 16; i++) b[i] = (b[i]! + out[i]!) >>> 0;
}
