#!/usr/bin/env node
// The model server's command (built output in dist/; `npm run build` first).
import { main } from "../dist/main.js";

main(process.argv.slice(2)).catch((error) => {
  console.error(`ocx-model-server: ${error.message}`);
  process.exit(2);
});
