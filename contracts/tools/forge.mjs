#!/usr/bin/env node
// Runs the platform's forge binary from npm inside contracts/, passing its exit code through
// (the npm wrapper `npx forge` always exits 0, even when tests fail).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const platform = { x64: "amd64", arm64: "arm64" }[process.arch];
const pkg = `@foundry-rs/forge-${process.platform}-${platform}`;
let forge;
try {
  forge = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "forge");
} catch {
  console.error(`forge for ${process.platform}/${process.arch} is missing: run \`npm install\` (package ${pkg}).`);
  process.exit(1);
}
const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(forge, process.argv.slice(2), { cwd: contractsDir, stdio: "inherit" });
if (result.error) {
  console.error(`could not run ${forge}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
