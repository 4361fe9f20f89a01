// A process that starts anvil, prints its pid, and waits to be ended by a signal it does not handle itself.
import { startAnvil } from "./anvil.js";

const anvil = await startAnvil();
process.stdout.write(`${anvil.pid}\n`);
setInterval(() => {}, 1_000);
