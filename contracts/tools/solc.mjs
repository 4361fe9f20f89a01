#!/usr/bin/env node
// A `solc` for forge built on the npm package `solc` (solcjs): no native compiler can be
// installed on our machines. It speaks the two parts of the native CLI that forge uses:
// `--version`, and `--standard-json` on stdin with `--base-path`/`--include-path` lookups.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  // forge parses the native format: "Version: 0.8.x+commit.hash.platform".
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write("solc shim: only --version and --standard-json are supported\n");
  process.exit(1);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--base-path" || args[i] === "--include-path") roots.push(args[++i]);
}
if (roots.length === 0) roots.push(process.cwd());

/** Resolves an import that forge did not inline, looking under each allowed root. */
function findImports(importPath) {
  for (const root of roots) {
    try {
      return { contents: readFileSync(path.resolve(root, importPath), "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `File not found under ${roots.join(", ")}: ${importPath}` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
