// What a job can no longer see or do in the bwrap sandbox: host files beyond programs and
// libraries, the host's accounts, its own command line in the host's process list, the kernel
// calls the seccomp filter denies, and nested user namespaces. Real bubblewrap throughout.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { buildBwrapArgs, bwrapFeatures, createBwrapExecutor } from "./bwrap.js";
import { buildSeccompFilter, DENIED_SYSCALLS } from "./seccomp.js";
import { temporarySpec } from "./testSpec.js";
import type { WorkloadSpec } from "./types.js";
import { descendantPids } from "./wrapper.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
const job = (overrides: Partial<WorkloadSpec>) => {
  const made = temporarySpec(overrides);
  cleanups.push(made.cleanup);
  return made;
};
const sh = (script: string) => ["/bin/sh", "-c", script];
const bwrap = createBwrapExecutor();
const run = async (overrides: Partial<WorkloadSpec>, executor = bwrap) => {
  const made = job(overrides);
  const exit = await (await executor.start(made.spec)).wait();
  return { ...made, exit };
};
// ptrace(PTRACE_TRACEME) and keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1) succeed for
// any process without the filter; "<return> <errno>" is printed.
const SYSCALL_NUMBERS = process.arch === "arm64" ? { ptrace: 117, keyctl: 219 } : { ptrace: 101, keyctl: 250 };
const perlSyscall = (nr: number, ...args: number[]) =>
  `perl -e '$r = syscall(${[nr, ...args].join(", ")}); print "$r ", $! + 0, "\\n"'`;

describe("what a job sees of the host", () => {
  it("cannot read world-readable host files outside programs and libraries", async () => {
    const name = `ocx-secret-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const places = [`/var/tmp/${name}`, `/opt/${name}`, `/etc/${name}`, `/srv/${name}`];
    for (const place of places) {
      mkdirSync(place, { recursive: true });
      writeFileSync(`${place}/marker`, "host secret");
      chmodSync(place, 0o755);
      chmodSync(`${place}/marker`, 0o644);
      cleanups.push(() => rmSync(place, { recursive: true, force: true }));
    }
    const { stdout, exit } = await run({
      command: sh(
        `for f in ${places.map((p) => `${p}/marker`).join(" ")}; do cat $f 2>/dev/null || echo no; done; ls /`,
      ),
    });
    expect(exit.exitCode).toBe(0);
    expect(stdout()).not.toContain("host secret");
    const lines = stdout().trim().split("\n");
    expect(lines.slice(0, 4)).toEqual(["no", "no", "no", "no"]);
    // The root holds programs, libraries and the sandbox's own folders, nothing else of the host.
    const allowed = new Set([
      "bin",
      "dev",
      "etc",
      "job",
      "lib",
      "lib32",
      "lib64",
      "libx32",
      "proc",
      "run",
      "sbin",
      "tmp",
      "usr",
    ]);
    expect(lines.slice(4).filter((entry) => !allowed.has(entry))).toEqual([]);
  });

  it("sees its own passwd and group, not the host's accounts, and no resolver files without network", async () => {
    const { stdout } = await run({
      command: sh(
        "cat /etc/passwd /etc/group; id -un; ls /etc/resolv.conf /etc/hosts 2>&1 | wc -l; ls /etc/ssl/certs | wc -l",
      ),
    });
    const out = stdout();
    expect(out).toContain("nobody:x:65534:65534:nobody:/job:/usr/sbin/nologin\n");
    expect(out).not.toMatch(/^daemon:/m);
    const lines = out.trim().split("\n");
    if (process.getuid?.() === 0) expect(lines.at(-3)).toBe("nobody");
    expect(lines.at(-2)).toBe("2"); // two "No such file" lines
    expect(Number(lines.at(-1))).toBeGreaterThan(0); // CA certificates are there for TLS
    const online = await run({ command: sh("test -r /etc/resolv.conf && echo resolver"), network: true });
    if (existsSync("/etc/resolv.conf")) expect(online.stdout()).toBe("resolver\n");
  });

  it("normal programs still run: node, perl, coreutils through /etc/alternatives", async () => {
    const { stdout, stderr, exit } = await run({
      command: sh(
        "node -e 'console.log(1 + 1)'; perl -e 'print 3, qq(\\n)'; echo x | awk '{print \"awk\"}'; date +%Y >/dev/null && echo date",
      ),
    });
    expect(stderr()).toBe("");
    expect(stdout()).toBe("2\n3\nawk\ndate\n");
    expect(exit.exitCode).toBe(0);
  });
});

describe("the host's process list", () => {
  it("shows neither the job's command nor its environment on the wrapper's or bwrap's command line", async () => {
    const secret = `buyer-secret-${Math.random().toString(36).slice(2)}`;
    const { spec } = job({ command: sh(`sleep 2 # ${secret}`), env: { TOKEN: `${secret}-env` } });
    const running = await bwrap.start(spec);
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const cmdline = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return "";
        }
      };
      const comm = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        } catch {
          return "";
        }
      };
      const tree = [running.pid, ...descendantPids(running.pid)];
      const node = tree.filter(
        (pid) => ["sh", "bwrap", "setpriv", "head"].includes(comm(pid)) && !cmdline(pid).startsWith("sleep"),
      );
      const bwraps = tree.filter((pid) => comm(pid) === "bwrap");
      expect(bwraps.length).toBeGreaterThan(0);
      for (const pid of bwraps)
        expect(cmdline(pid).split("\0")).toEqual([
          "/usr/bin/bwrap",
          "--args",
          "3",
          "--",
          "/bin/sh",
          "/run/ocx/command",
          "",
        ]);
      // The wrapper, its log capture and bwrap: none carries the command or the environment. (The
      // job's own processes do carry their argv, as every process does: see docs/sandbox.md.)
      const exposed = node.filter(
        (pid) => cmdline(pid).includes(secret) && !cmdline(pid).startsWith("/bin/sh\0-c\0sleep"),
      );
      expect(exposed).toEqual([]);
    } finally {
      await running.stop(100);
    }
  });
});

describe("bwrap releases", () => {
  it("uses --disable-userns and --size only where the bwrap has them (Ubuntu 22.04 ships 0.6)", () => {
    const old = bwrapFeatures(
      "usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]\n    --unshare-user   Create new user namespace\n",
    );
    expect(old).toEqual({ disableUserns: false, tmpfsSize: false });
    const spec = job({ limits: { diskMiB: 8 } }).spec;
    const input = { rootEntries: [], etcPaths: [], devices: [], hidePaths: [], env: {}, seccomp: true };
    const oldArgs = buildBwrapArgs(spec, { ...input, features: old });
    expect(oldArgs).not.toContain("--disable-userns");
    expect(oldArgs).not.toContain("--size");
    const current = bwrapFeatures(
      "    --disable-userns             Disable further use\n    --size BYTES                 Set size\n",
    );
    expect(current).toEqual({ disableUserns: true, tmpfsSize: true });
    const args = buildBwrapArgs(spec, { ...input, features: current });
    expect(args).toContain("--disable-userns");
    expect(args.join(" ")).toContain(`--size ${8 * 1024 * 1024} --tmpfs /tmp`);
  });
});

describe("the command script", () => {
  it("passes every argument through unchanged: quotes, dollars, spaces, globs, backslashes", async () => {
    const { stdout, exit } = await run({ command: ["printf", "%s|", "it's", "$HOME", "a  b", "\\n", "*", "'"] });
    expect(exit.exitCode).toBe(0);
    expect(stdout()).toBe("it's|$HOME|a  b|\\n|*|'|");
  });
});

describe("seccomp", () => {
  it("builds a well-formed program: 8-byte instructions ending in allow, EPERM and ENOSYS returns", () => {
    for (const arch of ["x64", "arm64"] as const) {
      const program = buildSeccompFilter(arch);
      expect(program.length % 8).toBe(0);
      const returns = new Set<number>();
      for (let i = 0; i < program.length; i += 8)
        if (program.readUInt16LE(i) === 0x06) returns.add(program.readUInt32LE(i + 4));
      expect([...returns].sort((a, b) => a - b)).toEqual([0x00050001, 0x00050026, 0x7fff0000]);
    }
    expect(DENIED_SYSCALLS).toContain("keyctl");
  });

  it("a job calling a denied system call gets EPERM; without the filter the same call succeeds", async () => {
    const script = [
      perlSyscall(SYSCALL_NUMBERS.ptrace, 0, 0, 0, 0),
      perlSyscall(SYSCALL_NUMBERS.keyctl, 0, -3, 1),
    ].join("; ");
    const filtered = await run({ command: sh(script) });
    expect(filtered.stdout()).toBe("-1 1\n-1 1\n");
    const unfiltered = await run({ command: sh(script) }, createBwrapExecutor({ seccomp: false }));
    const [ptrace, keyctl] = unfiltered.stdout().trim().split("\n");
    expect(ptrace).toBe("0 0");
    expect(keyctl).not.toMatch(/ 1$/);
  });

  it("a job cannot make namespaces (unshare, nested user namespaces), but can start processes and threads", async () => {
    const { stdout } = await run({
      command: sh(
        'unshare -U true 2>/dev/null; echo userns=$?; unshare -n true 2>/dev/null; echo netns=$?; sh -c \'echo child\' & wait; node -e \'new (require("worker_threads").Worker)("0", { eval: true }).on("exit", () => console.log("thread"))\'',
      ),
    });
    expect(stdout()).toMatch(/^userns=[1-9]\d*\nnetns=[1-9]\d*\nchild\nthread\n$/);
    // Nested user namespaces stay off even without the filter: bwrap --disable-userns.
    const unfiltered = await run(
      { command: sh("unshare -U true 2>&1; echo userns=$?") },
      createBwrapExecutor({ seccomp: false }),
    );
    expect(unfiltered.stdout()).toMatch(/userns=[1-9]/);
  });
});
