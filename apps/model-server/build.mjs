// Bundles the model server into one file, dist/bundle/model-server.mjs, that runs with a bare `node` and nothing
// else: what a service lease uploads (examples/inference-service); and the tiny model's trainer into
// dist/bundle/tinylm-train.mjs, what a training job uploads. Run after `tsc -b` (the root `npm run build`).
// better-sqlite3 is native and cannot be bundled: in the bundle it is a stub that explains itself, so the bundle
// serves free (a paid server keeps its books in SQLite: run it from an installed checkout, see docs/inference.md).
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const noSqlite = {
  name: "no-native-sqlite",
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: "better-sqlite3", namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents: `export default function Database() {
  throw new Error("this bundled model server has no SQLite (better-sqlite3 is native): run a paid server from an installed checkout (ocx-model-server), see docs/inference.md");
}`,
      loader: "js",
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
  plugins: [noSqlite],
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
