#!/usr/bin/env node
// The `ocx` command. Each subcommand lives in its own file under commands/ and is imported only
// when it runs: the first parse finds which command was asked for (or answers --help/--version
// from the table alone), the second runs it with its real options.
import { Command } from "commander";
import { COMMANDS, type CommandEntry } from "./commands/index.js";
import { addGlobalOptions } from "./options.js";

const VERSION = "0.1.0";

function program(): Command {
  return addGlobalOptions(
    new Command("ocx")
      .description("OCX — Open Compute Exchange: rent and sell GPU compute, settled on an EVM chain.")
      .version(VERSION)
      .showHelpAfterError("(run with --help for usage)"),
  );
}

/** What the first parse found: the command asked for, and the words after it (its subcommand first, if any). */
interface Selection {
  entry: CommandEntry;
  args: string[];
}

/** Finds the command asked for, with a placeholder per command that takes any arguments. */
async function selectCommand(argv: string[]): Promise<Selection | undefined> {
  let selected: Selection | undefined;
  const finder = program().configureHelp({
    subcommandTerm: (cmd) => COMMANDS.find((c) => c.name === cmd.name())?.usage ?? cmd.name(),
  });
  for (const entry of COMMANDS) {
    finder.addCommand(
      new Command(entry.name)
        .description(entry.description)
        .helpOption(false)
        .allowUnknownOption()
        .allowExcessArguments()
        .argument("[args...]")
        .action((args: string[]) => {
          selected = { entry, args };
        }),
    );
  }
  // `ocx help <command>` shows the real command's help: select it, and let the second parse answer.
  finder.helpCommand(false).addCommand(
    new Command("help")
      .description("display help for command")
      .argument("[command]")
      .action((name?: string) => {
        const entry = COMMANDS.find((c) => c.name === name);
        if (entry) selected = { entry, args: [] };
        else finder.help();
      }),
  );
  await finder.parseAsync(argv);
  return selected;
}

/** The command to run: the whole command, or only the subcommand asked for when that one can be built alone. */
async function loadCommand({ entry, args }: Selection): Promise<Command> {
  const alone = args[0] === undefined ? undefined : entry.subcommands?.[args[0]];
  if (alone)
    return new Command(entry.name).description(entry.description).addCommand(await alone(new Command(args[0])));
  return (await entry.load()).description(entry.description);
}

async function main(argv: string[]): Promise<void> {
  const selection = await selectCommand(argv);
  if (!selection) return;
  await program()
    .addCommand(await loadCommand(selection))
    .parseAsync(argv);
}

main(process.argv).catch(async (error: unknown) => {
  const { reportFailure } = await import("./failure.js");
  process.exit(reportFailure(error, process.argv));
});
