// Bundles the compiled CLI (dist/, from `tsc -b`) into dist/bundle/: one entry file and one chunk per
// command, so that starting `ocx` reads a handful of files instead of viem's hundreds of modules, and
// `ocx --help`/`--version` load no chunk at all. Run by the root `npm run build` after `tsc -b`.
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const outdir = here("./dist/bundle");

// Native addons cannot be bundled; they load from node_modules at run time.
const external = ["better-sqlite3"];

/**
 * The OCX packages and viem have no import-time side effects (no statement at a module's top level but declarations):
 * let unused parts of them drop out. The SDK's and the CLI's own modules are marked too, not only the entries: otherwise one
 * imported function keeps every module its file imports (the manifest parser's yaml and zod for `fromLabel`), and
 * `ocx market offers` would parse 1.8 MiB of code before its first request.
 */
const OCX_PACKAGE_DIST = /[/\\](packages[/\\](sdk|node-kit)|apps[/\\]cli)[/\\]dist([/\\]|$)/;
const sideEffectFree = {
  name: "side-effect-free",
  setup(b) {
    const markFree = async (args) => {
      if (args.pluginData?.resolved) return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolved: true },
      });
      return { ...result, sideEffects: false };
    };
    b.onResolve({ filter: /^(@ocx\/(sdk|node-kit)|prom-client)$/ }, markFree);
    b.onResolve({ filter: /^\./ }, (args) => (OCX_PACKAGE_DIST.test(args.resolveDir) ? markFree(args) : undefined));
  },
};

/**
 * Commands built alone, as single files outside the shared chunks: `[entry name, compiled module, the module that
 * imports it lazily]`. Code splitting groups modules by which commands reach them, so a light command that shares
 * one helper with a heavy one would load the heavy one's chunk; a file of its own holds only what it uses. Its own
 * lazy imports of heavier modules are entries of the main build, under fixed names (`LAZY_ENTRIES`).
 */
const STANDALONE = [["market-offers", "./dist/commands/marketOffers.js", "./dist/commands/index.js"]];
const LAZY_ENTRIES = [["market-offers-chain", "./dist/commands/marketOffersChain.js"]];

/** Resolves an import of `module` (compiled, relative) to the built file `entry`.js beside the bundle's files. */
const toBuiltFile = (pairs, importers) => ({
  name: "built-file",
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      for (const [entry, module] of pairs) {
        if (resolved === here(module) && (!importers || importers.has(args.importer))) {
          return { path: `./${entry}.js`, external: true };
        }
      }
      return undefined;
    });
  },
});

const common = {
  outdir,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  // Some dependencies are CommonJS and call require(): give the ES module bundle one.
  banner: {
    js: 'import { createRequire as __ocxCreateRequire } from "node:module"; const require = __ocxCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
  metafile: true,
};

await rm(outdir, { recursive: true, force: true });
const main = await build({
  ...common,
  entryPoints: { ocx: here("./dist/bin.js"), ...Object.fromEntries(LAZY_ENTRIES.map(([n, m]) => [n, here(m)])) },
  splitting: true,
  chunkNames: "[name]-[hash]",
  // First: the first plugin that resolves an import decides.
  plugins: [
    toBuiltFile(
      STANDALONE.map(([n, m]) => [n, m]),
      new Set(STANDALONE.map(([, , importer]) => here(importer))),
    ),
    sideEffectFree,
  ],
});
const alone = await build({
  ...common,
  entryPoints: Object.fromEntries(STANDALONE.map(([n, m]) => [n, here(m)])),
  plugins: [toBuiltFile(LAZY_ENTRIES), sideEffectFree],
});
const outputs = [main, alone]
  .flatMap((r) => Object.entries(r.metafile.outputs))
  .filter(([file]) => file.endsWith(".js"));
const total = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`bundled the CLI into ${outputs.length} files, ${(total / 2 ** 20).toFixed(1)} MiB, in ${outdir}`);
