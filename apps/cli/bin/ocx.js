#!/usr/bin/env node
// The installed `ocx` command: runs the bundled CLI (`npm run build` makes dist/bundle/), or the
// compiled modules when only `tsc -b` has run.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/bundle/ocx.js", import.meta.url);
await import(existsSync(bundle) ? bundle.href : "../dist/bin.js");
