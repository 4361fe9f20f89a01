// Encrypted key files in the Web3 Secret Storage v3 format that geth and Foundry (`cast wallet`)
// read and write: scrypt (or PBKDF2) derives a key from the password, AES-128-CTR encrypts the
// private key, and keccak256 over half the derived key and the ciphertext is the MAC.
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { bytesToHex, concatBytes, type Hex, hexToBytes, isHex, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { scryptKey } from "./scrypt.js";

/** Thrown when a keystore cannot be decrypted: a wrong password, or a malformed file (the message names the field). */
export class KeystoreError extends Error {
  override name = "KeystoreError";
}

/** The scrypt cost geth and Foundry use by default ("standard" scrypt). */
export const KEYSTORE_SCRYPT_N = 131072;

/** Options of `encryptKeystore`. */
export interface EncryptKeystoreOptions {
  /** scrypt's CPU/memory cost, a power of two. Default 131072 (about 128 MiB and a second); lower only in tests. */
  scryptN?: number;
}

/** A Web3 Secret Storage v3 document. */
export interface KeystoreV3 {
  version: 3;
  id: string;
  /** The account's address, lowercase hex without 0x. */
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt" | "pbkdf2";
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

const SCRYPT_R = 8;
const SCRYPT_P = 1;
const DKLEN = 32;

/**
 * Encrypts a private key into a Web3 Secret Storage v3 keystore (scrypt n=131072 r=8 p=1,
 * aes-128-ctr), returned as a JSON string that geth and `cast wallet` can open.
 * @example
 * const json = await encryptKeystore(generatePrivateKey(), "correct horse battery staple");
 * JSON.parse(json).address; // "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
 */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: EncryptKeystoreOptions = {},
): Promise<string> {
  if (!isHex(privateKey) || privateKey.length !== 66) {
    throw new KeystoreError("the private key must be 0x followed by 64 hex digits");
  }
  const n = options.scryptN ?? KEYSTORE_SCRYPT_N;
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) {
    throw new KeystoreError(`scryptN must be a power of two greater than 1, got ${n}`);
  }
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await scryptKey(password, salt, { n, r: SCRYPT_R, p: SCRYPT_P, dklen: DKLEN });
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  const keystore: KeystoreV3 = {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams: { dklen: DKLEN, n, r: SCRYPT_R, p: SCRYPT_P, salt: salt.toString("hex") },
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
  return JSON.stringify(keystore);
}

/**
 * Decrypts a Web3 Secret Storage v3 keystore (scrypt or PBKDF2 with hmac-sha256) and returns its
 * private key as 0x-hex. Throws `KeystoreError`: "wrong password (MAC mismatch)", or a message
 * naming the malformed field.
 * @example
 * const key = await decryptKeystore(await readFile("wallet.json", "utf8"), process.env.OCX_PASSWORD!);
 */
export async function decryptKeystore(json: string, password: string): Promise<Hex> {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new KeystoreError(`the keystore is not valid JSON: ${(error as Error).message}`);
  }
  const root = record(document, "the keystore");
  if (root.version !== 3) throw new KeystoreError(`version: must be 3, got ${JSON.stringify(root.version)}`);
  // geth writes "crypto"; some old tools wrote "Crypto".
  const crypto = record(root.crypto ?? root.Crypto, "crypto");
  if (crypto.cipher !== "aes-128-ctr") {
    throw new KeystoreError(`crypto.cipher: only "aes-128-ctr" is supported, got ${JSON.stringify(crypto.cipher)}`);
  }
  const iv = hexField(record(crypto.cipherparams, "crypto.cipherparams").iv, "crypto.cipherparams.iv", 16);
  const ciphertext = hexField(crypto.ciphertext, "crypto.ciphertext");
  const expectedMac = hexField(crypto.mac, "crypto.mac", 32);
  const params = record(crypto.kdfparams, "crypto.kdfparams");
  const dklen = integerField(params.dklen, "crypto.kdfparams.dklen", 32, 64);
  const salt = hexField(params.salt, "crypto.kdfparams.salt");
  let derived: Buffer;
  if (crypto.kdf === "scrypt") {
    const n = integerField(params.n, "crypto.kdfparams.n", 2, 2 ** 24);
    if ((n & (n - 1)) !== 0) throw new KeystoreError(`crypto.kdfparams.n: must be a power of two, got ${n}`);
    const r = integerField(params.r, "crypto.kdfparams.r", 1, 64);
    const p = integerField(params.p, "crypto.kdfparams.p", 1, 64);
    derived = await scryptKey(password, salt, { n, r, p, dklen });
  } else if (crypto.kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256") {
      throw new KeystoreError(
        `crypto.kdfparams.prf: only "hmac-sha256" is supported, got ${JSON.stringify(params.prf)}`,
      );
    }
    const c = integerField(params.c, "crypto.kdfparams.c", 1, 2 ** 31 - 1);
    derived = await new Promise((resolve, reject) =>
      pbkdf2(password, salt, c, dklen, "sha256", (error, key) => (error ? reject(error) : resolve(key))),
    );
  } else {
    throw new KeystoreError(`crypto.kdf: must be "scrypt" or "pbkdf2", got ${JSON.stringify(crypto.kdf)}`);
  }
  if (!timingSafeEqual(mac(derived, ciphertext), expectedMac)) {
    throw new KeystoreError("wrong password (MAC mismatch)");
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (key.length !== 32) throw new KeystoreError(`crypto.ciphertext: must hold a 32-byte key, got ${key.length} bytes`);
  const privateKey = bytesToHex(key);
  if (typeof root.address === "string" && root.address !== "") {
    const address = privateKeyToAddress(privateKey).slice(2).toLowerCase();
    if (root.address.replace(/^0x/i, "").toLowerCase() !== address) {
      throw new KeystoreError(`address: the key belongs to 0x${address}, but the file says ${root.address}`);
    }
  }
  return privateKey;
}

/** keccak256(derivedKey[16:32] ++ ciphertext), the v3 MAC. */
function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(concatBytes([derived.subarray(16, 32), ciphertext]))));
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KeystoreError(`${field}: must be an object, got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return value as Record<string, unknown>;
}

function hexField(value: unknown, field: string, bytes?: number): Buffer {
  const text = typeof value === "string" ? value.replace(/^0x/i, "") : undefined;
  if (text === undefined || !/^([0-9a-fA-F]{2})+$/.test(text) || (bytes !== undefined && text.length !== bytes * 2)) {
    const size = bytes === undefined ? "" : ` of ${bytes} bytes`;
    throw new KeystoreError(`${field}: must be hex${size}, got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return Buffer.from(text, "hex");
}

function integerField(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new KeystoreError(
      `${field}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value) ?? "nothing"}`,
    );
  }
  return value;
}
