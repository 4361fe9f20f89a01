// A daemon's key: from the variable its config names, or a keystore; a missing one says where it was looked for.
import { describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "./anvil.js";
import { readDaemonKey } from "./daemonKey.js";

describe("readDaemonKey", () => {
  const wallet = { privateKeyEnv: "OCX_TEST_KEY" };

  it("reads the variable the wallet section names", async () => {
    expect(await readDaemonKey(wallet, "validator", { OCX_TEST_KEY: ANVIL_KEYS[3] })).toBe(ANVIL_KEYS[3]);
  });

  it("says which variable to set, or that a keystore needs OCX_PASSWORD", async () => {
    await expect(readDaemonKey(wallet, "gateway", { OCX_TEST_KEY: "0x12" })).rejects.toThrow(
      "no gateway key: set OCX_TEST_KEY to the gateway's private key (0x + 64 hex), or set wallet.keystore in the config",
    );
    await expect(readDaemonKey({ ...wallet, keystore: "/k.json" }, "validator", {})).rejects.toThrow(
      "set OCX_PASSWORD to open the keystore /k.json",
    );
  });
});
