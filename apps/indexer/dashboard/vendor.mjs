#!/usr/bin/env node
// Copies the dashboard's one library, uPlot (npm `uplot`, MIT), from node_modules into ./vendor/ so the indexer
// can serve the page as plain static files: no bundler, no CDN. Run by `npm run build`; vendor/ is git-ignored.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let dist;
try {
  dist = path.dirname(require.resolve("uplot/dist/uPlot.esm.js"));
} catch {
  console.error("uplot is not installed: run `npm install` at the repository root, then `npm run build` again.");
  process.exit(1);
}
const vendor = path.join(here, "vendor");
mkdirSync(vendor, { recursive: true });
for (const file of ["uPlot.esm.js", "uPlot.min.css"]) copyFileSync(path.join(dist, file), path.join(vendor, file));
console.log(`dashboard: uPlot vendored into ${path.relative(process.cwd(), vendor) || vendor}`);
