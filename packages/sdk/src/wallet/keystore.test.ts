import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { decryptKeystore, encryptKeystore } from "./keystore.js";
import { scryptKey, scryptPortable } from "./scrypt.js";

// The scrypt test vector of the Web3 Secret Storage definition (ethereum/wiki).
const SPEC_SCRYPT_VECTOR = JSON.stringify({
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
});

describe("keystore", () => {
  it("round-trips a key and records its address", async () => {
    const key = generatePrivateKey();
    const json = await encryptKeystore(key, "hunter2", { scryptN: 1024 });
    const document = JSON.parse(json);
    expect(document.version).toBe(3);
    expect(document.crypto.kdfparams).toMatchObject({ n: 1024, r: 8, p: 1, dklen: 32 });
    expect(`0x${document.address}`).toBe(privateKeyToAddress(key).toLowerCase());
    expect(json).not.toContain(key.slice(2));
    expect(await decryptKeystore(json, "hunter2")).toBe(key);
  });

  it("uses the standard scrypt cost by default", async () => {
    const json = await encryptKeystore(generatePrivateKey(), "x");
    expect(JSON.parse(json).crypto.kdfparams.n).toBe(131072);
  });

  it("decrypts the Web3 Secret Storage scrypt test vector", async () => {
    expect(await decryptKeystore(SPEC_SCRYPT_VECTOR, "testpassword")).toBe(
      "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    );
  });

  it("refuses a wrong password", async () => {
    const json = await encryptKeystore(generatePrivateKey(), "right", { scryptN: 1024 });
    await expect(decryptKeystore(json, "wrong")).rejects.toThrow("wrong password (MAC mismatch)");
  });

  it("names the malformed field", async () => {
    const document = JSON.parse(await encryptKeystore(generatePrivateKey(), "p", { scryptN: 1024 }));
    document.crypto.kdfparams.salt = "zz";
    await expect(decryptKeystore(JSON.stringify(document), "p")).rejects.toThrow(/crypto\.kdfparams\.salt/);
    delete document.crypto;
    await expect(decryptKeystore(JSON.stringify(document), "p")).rejects.toThrow(/^crypto: must be an object/);
    await expect(decryptKeystore("{", "p")).rejects.toThrow(/not valid JSON/);
  });
});

describe("scrypt", () => {
  it("matches RFC 7914's test vectors in the portable path and through node:crypto", async () => {
    const vector =
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
    const salt = new TextEncoder().encode("NaCl");
    expect((await scryptPortable("password", salt, 1024, 8, 16, 64)).toString("hex")).toBe(vector);
    expect((await scryptKey("password", salt, { n: 1024, r: 8, p: 16, dklen: 64 })).toString("hex")).toBe(vector);
    const empty = await scryptPortable("", new Uint8Array(), 16, 1, 1, 64);
    expect(empty.toString("hex")).toBe(
      "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
    );
  });
});
