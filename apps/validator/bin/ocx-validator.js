#!/usr/bin/env node
// The installed `ocx-validator` command: runs the compiled validator daemon (npm run build makes dist/).
import "../dist/bin.js";
