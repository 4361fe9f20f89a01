#!/usr/bin/env node
// The installed `ocx` command: runs the compiled CLI (npm run build makes dist/).
import "../dist/bin.js";
