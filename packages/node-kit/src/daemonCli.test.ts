// runDaemonCli as a user meets it, through a stand-in daemon in a child process: --help, init's write without
// clobber, start until SIGTERM (exit 0, the stopped line), flags as overrides, and the errors (exit 1, one line).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { trackChild } from "./processes.js";

const FIXTURE = fileURLToPath(new URL("./daemonCli.test-fixture.ts", import.meta.url));
const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", FIXTURE, ...args], { encoding: "utf8", timeout: 60_000 });

describe("runDaemonCli", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocx-daemon-cli-"));

  it("prints its help, and refuses an unknown command or flag with exit 1 and the way to the help", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("ocx-fixture [start] [--config file]");
    expect(help.stdout).toContain("ocx-fixture init [--out file] [--force]");
    expect(help.stdout).toContain("--log-level LEVEL");

    const unknown = run(["stop"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(
      /error +unknown command "stop": ocx-fixture runs `start`, `init`; see `ocx-fixture --help`/,
    );
    const badFlag = run(["--nope", "--log-level", "loud"]);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toContain("see `ocx-fixture --help`");
  }, 120_000);

  it("init writes the template with the flags, then never over the file without --force", () => {
    const file = path.join(dir, "fixture.yaml");
    const first = run(["init", "--out", file, "--rpc-url", "http://127.0.0.1:9"]);
    expect(first.status).toBe(0);
    expect(first.stderr).toBe(`wrote ${file}; next: start it\n`);
    expect(readFileSync(file, "utf8")).toBe("rpcUrl: http://127.0.0.1:9\n");
    const again = run(["init", "--out", file]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`${file} exists; pass --force to replace it, or --out another file`);
    expect(readFileSync(file, "utf8")).toBe("rpcUrl: http://127.0.0.1:9\n");
  }, 120_000);

  it("start runs until SIGTERM, then logs the stopped line and exits 0; flags become overrides (paths absolute)", async () => {
    const child = trackChild(
      spawn(process.execPath, ["--import", "tsx", FIXTURE, "--log-json", "--state-dir", "state"], {
        stdio: ["ignore", "ignore", "pipe"],
      }),
    );
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const up = await new Promise<{ url: string; config: string; overrides: unknown }>((resolve, reject) => {
      child.stderr?.on("data", () => {
        const line = stderr.split("\n").find((l) => l.includes('"fixture is up"'));
        if (line) resolve(JSON.parse(line));
      });
      child.once("exit", (code) => reject(new Error(`the fixture exited with ${code}: ${stderr}`)));
    });
    expect(up.config).toBe("fixture.yaml");
    expect(up.overrides).toEqual([{ field: "stateDir", value: path.resolve("state"), from: "--state-dir" }]);
    expect((await fetch(`${up.url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain('"message":"fixture stopped"');
    await expect(fetch(`${up.url}/health`)).rejects.toThrow();
  }, 120_000);
});
