// Config loading as the daemons share it: every problem named with its field and file, and with the flag or
// environment variable a value came from; a missing file says how to make one.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConfigError,
  chainSection,
  envOverrides,
  loadDaemonConfig,
  parseDaemonConfig,
  walletSection,
} from "./daemonConfig.js";

const schema = z
  .object({
    chain: chainSection({ pollIntervalMs: 500 }),
    wallet: walletSection("OCX_TEST_KEY"),
    api: z
      .object({ listen: z.string().default("127.0.0.1:1") })
      .strict()
      .default({ listen: "127.0.0.1:1" }),
    feeBps: z.number().int().max(10_000).default(0),
  })
  .strict();

describe("parseDaemonConfig", () => {
  it("fills the shared sections' defaults", () => {
    expect(parseDaemonConfig(schema, "")).toEqual({
      chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "deployments/31337.json", pollIntervalMs: 500 },
      wallet: { privateKeyEnv: "OCX_TEST_KEY" },
      api: { listen: "127.0.0.1:1" },
      feeBps: 0,
    });
  });

  it("lays overrides over the file, and names the file, each field and where an override came from", () => {
    const overrides = [
      ...envOverrides(
        { OCX_TEST_FEE: "20000", OCX_TEST_LISTEN: "" },
        { OCX_TEST_FEE: "feeBps", OCX_TEST_LISTEN: "api.listen" },
      ),
      { field: "chain.rpcUrl", value: "not a url", from: "--rpc-url" },
    ];
    expect(overrides.map((o) => o.from)).toEqual(["OCX_TEST_FEE", "--rpc-url"]);
    const parse = () =>
      parseDaemonConfig(schema, "chain:\n  pollIntervalMs: 10\nwallet: { keystore: k.json, key: 0x1 }\n", {
        source: "test.yaml",
        overrides,
      });
    expect(parse).toThrow(ConfigError);
    const message = (() => {
      try {
        parse();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/^test\.yaml has 4 problem\(s\):\n/);
    expect(message).toContain("  chain.rpcUrl (from --rpc-url): ");
    expect(message).toContain("  chain.pollIntervalMs: ");
    expect(message).toContain("  wallet: "); // the unknown `key`, never a key in the file
    expect(message).toContain("  feeBps (from OCX_TEST_FEE): ");
    // A good override wins over the file.
    const good = parseDaemonConfig(schema, "api: { listen: 127.0.0.1:2 }\n", {
      overrides: envOverrides({ OCX_TEST_LISTEN: "0.0.0.0:3" }, { OCX_TEST_LISTEN: "api.listen" }),
    });
    expect(good.api.listen).toBe("0.0.0.0:3");
  });

  it("refuses text that is not YAML, or not a mapping, naming the file", () => {
    expect(() => parseDaemonConfig(schema, "chain: [", { source: "a.yaml" })).toThrow(/^a\.yaml: not valid YAML/);
    expect(() => parseDaemonConfig(schema, "- 1\n", { source: "b.yaml" })).toThrow(/^b\.yaml: must be a YAML mapping/);
  });
});

describe("loadDaemonConfig", () => {
  it("reads the file, gives the parser its folder, and says how to make a missing one", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ocx-config-"));
    const file = path.join(dir, "d.yaml");
    writeFileSync(file, "feeBps: 5\n");
    const loaded = await loadDaemonConfig(
      file,
      (text, options) => ({ ...parseDaemonConfig(schema, text, options), options }),
      {
        initCommand: "ocx-test init",
      },
    );
    expect(loaded.feeBps).toBe(5);
    expect(loaded.options).toEqual({ source: file, baseDir: dir });
    await expect(
      loadDaemonConfig(path.join(dir, "none.yaml"), () => 0, { initCommand: "ocx-test init --out none.yaml" }),
    ).rejects.toThrow(`cannot read ${path.join(dir, "none.yaml")}: create one with \`ocx-test init --out none.yaml\``);
  });
});
