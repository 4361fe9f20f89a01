// A process that starts anvil, prints its pid, and dies of an uncaught exception without stopping it.
import { startAnvil } from "./anvil.js";

const anvil = await startAnvil();
process.stdout.write(`${anvil.pid}\n`);
throw new Error("set-up failed after anvil started");
