// A set-up that fails after starting processes must leave none behind: checked by process id.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "./anvil.js";
import { startLocalnet } from "./localnet.js";
import { createCleanup, isProcessAlive, trackedPids, withCleanup } from "./processes.js";

/** Waits up to `ms` for `pid` to be gone (a killed process is reaped by its parent a moment later). */
async function gone(pid: number, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe("withCleanup", () => {
  it("stops the anvil a set-up started when the set-up then throws, and rethrows the set-up's error", async () => {
    let anvil: Anvil | undefined;
    const setUp = withCleanup(async (defer) => {
      anvil = await startAnvil();
      defer(() => anvil?.stop());
      expect(isProcessAlive(anvil.pid)).toBe(true);
      throw new Error("the provider did not start");
    });
    await expect(setUp).rejects.toThrow("the provider did not start");
    if (!anvil) throw new Error("the set-up never started anvil");
    expect(await gone(anvil.pid)).toBe(true);
    expect(trackedPids()).not.toContain(anvil.pid);
  });

  it("returns the value and a cleanup that tears down in reverse order", async () => {
    const order: string[] = [];
    const { value, cleanup } = await withCleanup(async (defer) => {
      defer(() => order.push("first started"));
      defer(() => order.push("second started"));
      return 42;
    });
    expect(value).toBe(42);
    await cleanup.run();
    expect(order).toEqual(["second started", "first started"]);
  });

  it("runs every teardown even when one fails, and reports the failure", async () => {
    const cleanup = createCleanup();
    let ran = false;
    cleanup.defer(() => {
      ran = true;
    });
    cleanup.defer(() => {
      throw new Error("stop failed");
    });
    await expect(cleanup.run()).rejects.toThrow("stop failed");
    expect(ran).toBe(true);
  });
});

describe("startLocalnet", () => {
  it("stops its anvil when the deployment fails", async () => {
    const before = new Set(trackedPids());
    // An initial supply above 2^256 cannot be encoded: deployOcx throws after anvil started.
    await expect(startLocalnet({ deploy: { initialSupply: 2n ** 256n } })).rejects.toThrow();
    const started = trackedPids().filter((pid) => !before.has(pid));
    expect(started).toEqual([]);
    // And no anvil child of this process is left, whatever the registry says.
    const children = spawnSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
    expect(children.stdout).not.toMatch(/anvil/);
  });
});

describe("trackChild", () => {
  it("kills a registered anvil when its process dies of an uncaught exception", async () => {
    const fixture = fileURLToPath(new URL("./processes.test-fixture.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--import", "tsx", fixture], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("set-up failed after anvil started");
    const pid = Number(run.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(await gone(pid)).toBe(true);
  });

  it("kills a registered anvil when its process is ended by SIGTERM, and the signal still ends the process", async () => {
    const fixture = fileURLToPath(new URL("./processes-signal.test-fixture.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(Number(out.trim()));
      });
      child.once("exit", (code) => reject(new Error(`the fixture exited with ${code} before starting anvil`)));
    });
    expect(isProcessAlive(pid)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_, signal) => resolve(signal)));
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    expect(await gone(pid)).toBe(true);
  });
});
