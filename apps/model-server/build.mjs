// Bundles the model server into one file, dist/bundle/model-server.mjs, that runs with a bare `node` and nothing
// else: what a service lease uploads (examples/inference-service); and the tiny model's trainer into
// dist/bundle/tinylm-train.mjs, what a training job uploads. Run after `tsc -b` (the root `npm run build`).
// better-sqlite3 is native and cannot be bundled: the bundle loads its binding from `better_sqlite3.node` beside
// itself (better-sqlite3's `nativeBinding` option), copied to dist/bundle/ here; a lease uploads both files
// (examples/inference-service/model-server-paid.yaml). A free server never opens SQLite and needs only the bundle.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const realSqlite = createRequire(import.meta.url).resolve("better-sqlite3");
const NATIVE = "better_sqlite3.node";
mkdirSync(here("./dist/bundle"), { recursive: true });
copyFileSync(path.join(path.dirname(realSqlite), "..", "build", "Release", NATIVE), here(`./dist/bundle/${NATIVE}`));

const sqliteBesideBundle = {
  name: "sqlite-binding-beside-bundle",
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: "better-sqlite3", namespace: "shim" }));
    b.onLoad({ filter: /.*/, namespace: "shim" }, () => ({
      contents: `import Real from ${JSON.stringify(realSqlite)};
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const binding = fileURLToPath(new URL(${JSON.stringify(`./${NATIVE}`)}, import.meta.url));
export default function Database(file, options) {
  if (!existsSync(binding)) throw new Error("the model server's books need SQLite's native binding beside the bundle: " + binding + " is missing (upload apps/model-server/dist/bundle/${NATIVE} with it, see docs/inference.md)");
  return new Real(file, { nativeBinding: binding, ...options });
}`,
      loader: "js",
      resolveDir: path.dirname(realSqlite),
    }));
  },
};

const result = await build({
  entryPoints: [here("./bin/ocx-model-server.js")],
  outfile: here("./dist/bundle/model-server.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  plugins: [sqliteBesideBundle],
  // Some bundled CommonJS code calls require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __ocxRequire } from "node:module"; const require = __ocxRequire(import.meta.url);',
  },
  logLevel: "warning",
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`model-server bundle: ${(bytes / 1024).toFixed(0)} KiB`);

await build({
  entryPoints: [here("../../packages/tinylm/dist/trainCommand.js")],
  outfile: here("./dist/bundle/tinylm-train.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
