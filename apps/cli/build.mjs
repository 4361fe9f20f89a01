// Bundles the compiled CLI (dist/, from `tsc -b`) into dist/bundle/: one entry file and one chunk per
// command, so that starting `ocx` reads a handful of files instead of viem's hundreds of modules, and
// `ocx --help`/`--version` load no chunk at all. Run by the root `npm run build` after `tsc -b`.
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const outdir = here("./dist/bundle");

// Native addons cannot be bundled; they load from node_modules at run time.
const external = ["better-sqlite3"];

/** The OCX packages and viem have no import-time side effects: let unused parts of them drop out. */
const sideEffectFree = {
  name: "side-effect-free",
  setup(b) {
    b.onResolve({ filter: /^(@ocx\/(sdk|node-kit)|prom-client)$/ }, async (args) => {
      if (args.pluginData?.resolved) return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolved: true },
      });
      return { ...result, sideEffects: false };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { ocx: here("./dist/bin.js") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  plugins: [sideEffectFree],
  chunkNames: "[name]-[hash]",
  // Some dependencies are CommonJS and call require(): give the ES module bundle one.
  banner: {
    js: 'import { createRequire as __ocxCreateRequire } from "node:module"; const require = __ocxCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
  metafile: true,
});
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".js"));
const total = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`bundled the CLI into ${outputs.length} files, ${(total / 2 ** 20).toFixed(1)} MiB, in ${outdir}`);
