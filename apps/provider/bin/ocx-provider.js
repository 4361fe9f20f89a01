#!/usr/bin/env node
// The installed `ocx-provider` command: runs the compiled provider node (npm run build makes dist/).
import "../dist/bin.js";
