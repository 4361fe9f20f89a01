#!/usr/bin/env node
// The system packages that `npm test` needs beyond npm's: bubblewrap (the provider's sandbox) and
// setpriv (util-linux). Installs what is missing when it can (root with apt-get, as CI runs), or else
// says exactly what to install and stops before the tests fail one by one.
import { spawnSync } from "node:child_process";

/** What the tests need: a command to look for, and the Debian package that brings it. */
const PREREQUISITES = [
  { command: "bwrap", debian: "bubblewrap", why: "the provider's sandbox (bubblewrap)" },
  { command: "setpriv", debian: "util-linux", why: "dropping the sandbox's privileges" },
  { command: "nsenter", debian: "util-linux", why: "entering a service lease's network namespace" },
  { command: "ip", debian: "iproute2", why: "a private network namespace per service lease (ip netns)" },
  { command: "busybox", debian: "busybox-static", why: "the provider's test container image (built from its files)" },
  {
    command: "pg_ctlcluster",
    debian: "postgresql",
    why: "the indexer's test against a real PostgreSQL server, and the database service of examples/webapp-postgres (its e2e)",
  },
  {
    command: "chromium",
    debian: "chromium",
    why: "the dashboard's browser test (Debian's Chromium, driven by playwright-core)",
  },
];

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

const missing = PREREQUISITES.filter((p) => !has(p.command));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((p) => p.debian))];
const isRoot = process.getuid?.() === 0;
if (isRoot && has("apt-get")) {
  console.error(`installing ${packages.join(", ")} (${missing.map((p) => p.why).join("; ")}) with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const install =
    update.status === 0
      ? spawnSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "inherit", env })
      : update;
  if (install.status === 0 && missing.every((p) => has(p.command))) process.exit(0);
  console.error(`apt-get could not install ${packages.join(", ")}; install them by hand, then run npm test again.`);
  process.exit(1);
}

console.error(
  [
    `npm test needs ${missing.map((p) => `${p.command} (${p.why})`).join(" and ")}, which this machine lacks.`,
    `Install it, then run npm test again:`,
    `  Debian/Ubuntu: sudo apt-get install ${packages.join(" ")}`,
    `  Fedora:        sudo dnf install ${packages.join(" ")}`,
    `  Arch:          sudo pacman -S ${packages.join(" ")}`,
  ].join("\n"),
);
process.exit(1);
