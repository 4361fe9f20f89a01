#!/usr/bin/env node
// The `ocx` command. Each subcommand lives in its own file under commands/.
import { Command } from "commander";
import { devnetCommand } from "./commands/devnet.js";
import { faucetCommand } from "./commands/faucet.js";
import { jobCommand } from "./commands/job.js";
import { marketCommand } from "./commands/market.js";
import { providerCommand } from "./commands/provider.js";
import { runCommand } from "./commands/run.js";
import { walletCommand } from "./commands/wallet.js";
import { addGlobalOptions, describeFailure } from "./context.js";

const program = addGlobalOptions(
  new Command("ocx")
    .description("OCX — Open Compute Exchange: rent and sell GPU compute, settled on an EVM chain.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)"),
);

program.addCommand(devnetCommand());
program.addCommand(walletCommand());
program.addCommand(faucetCommand());
program.addCommand(marketCommand());
program.addCommand(jobCommand());
program.addCommand(providerCommand());
program.addCommand(runCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  const { message, exitCode } = describeFailure(error);
  console.error(`ocx: ${message}`);
  process.exit(exitCode);
});
