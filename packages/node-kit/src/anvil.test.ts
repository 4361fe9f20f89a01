// The ten dev keys against anvil itself: its printed keys and addresses, and the accounts it answers with.
import { spawn } from "node:child_process";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_KEYS, anvilBinary, freePort, startAnvil } from "./anvil.js";
import { isProcessAlive } from "./processes.js";

/** Starts anvil without --silent and returns what it prints up to "Listening on", then stops it. */
async function anvilBanner(): Promise<string> {
  const port = await freePort();
  const child = spawn(anvilBinary(), ["--host", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`anvil printed no "Listening on" in 10 s: ${out}`)), 10_000);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("Listening on")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`anvil exited with ${code}: ${out}`)));
    });
    return out;
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

/** The `(i) value` lines of one section of anvil's banner. */
function section(banner: string, title: string): string[] {
  const start = banner.indexOf(title);
  expect(start, `anvil's output has no "${title}" section`).toBeGreaterThanOrEqual(0);
  const lines = banner.slice(start).split("\n");
  const values: string[] = [];
  for (const line of lines.slice(1)) {
    const match = /^\((\d+)\)\s+(0x[0-9a-fA-F]+)/.exec(line.trim());
    if (match) values[Number(match[1])] = match[2] as string;
    else if (values.length > 0 && line.trim() === "") break;
  }
  return values;
}

describe("ANVIL_KEYS", () => {
  it("are anvil's ten printed private keys, in order, and derive its printed addresses", async () => {
    const banner = await anvilBanner();
    const keys = section(banner, "Private Keys");
    const addresses = section(banner, "Available Accounts");
    expect(keys).toHaveLength(10);
    expect([...ANVIL_KEYS]).toEqual(keys);
    expect(ANVIL_KEYS.map((key) => privateKeyToAccount(key).address)).toEqual(addresses.map((a) => getAddress(a)));
  });

  it("derive the accounts a running anvil answers eth_accounts with", async () => {
    const anvil = await startAnvil();
    try {
      const response = await fetch(anvil.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
      });
      const { result } = (await response.json()) as { result: string[] };
      expect(ANVIL_KEYS.map((key) => privateKeyToAccount(key).address)).toEqual(result.map((a) => getAddress(a)));
    } finally {
      await anvil.stop();
    }
    expect(isProcessAlive(anvil.pid)).toBe(false);
  });
});
