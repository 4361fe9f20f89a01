#!/usr/bin/env node
// The installed `ocx-gateway` command: runs the compiled gateway daemon (npm run build makes dist/).
import "../dist/bin.js";
