#!/usr/bin/env node
// The `ocx` command. Each subcommand lives in its own file under commands/.
import { Command } from "commander";
import { devnetCommand } from "./commands/devnet.js";

const program = new Command("ocx")
  .description("OCX — Open Compute Exchange: rent and sell GPU compute, settled on an EVM chain.")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)");

program.addCommand(devnetCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`ocx: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
