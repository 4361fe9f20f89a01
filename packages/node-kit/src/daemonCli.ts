// The command line every OCX daemon shares (`ocx-provider`, `ocx-validator`, `ocx-gateway`): `<name> [start]` runs
// the daemon until SIGINT/SIGTERM, `<name> init` prints or writes its commented config (never over a file without
// --force), `--help` says so; one set of flags, one logger set-up, one way to fail (the message on stderr, exit 1).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ConfigOverride } from "./daemonConfig.js";
import { createLogger, type Logger, type LogLevel } from "./logger.js";

/** The flags `init` fills the template with (and `start` lays over the config file). */
export interface TemplateFlags {
  rpcUrl?: string;
  deployment?: string;
  stateDir?: string;
}

/** What `start` is given. */
export interface DaemonStartContext {
  /** The config file (`--config`, or the daemon's default). */
  configFile: string;
  /** `--rpc-url`, `--deployment`, `--state-dir` as overrides of the file's fields (paths made absolute). */
  overrides: ConfigOverride[];
  log: Logger;
}

/** A started daemon, as `start` returns it. */
export interface RunningDaemon {
  /** Resolves once the daemon has stopped. */
  done: Promise<void>;
  /** Stops it (on SIGINT/SIGTERM). */
  close(): Promise<void>;
}

/** A command besides `start` and `init` (the provider's `reap`). */
export interface DaemonCommand {
  /** Its line in --help, after the daemon's name: "reap --config file   ends every workload…". */
  help: string;
  run(context: DaemonStartContext): Promise<void>;
}

/** What {@link runDaemonCli} runs. */
export interface DaemonCliOptions {
  /** The command's name: "ocx-validator". */
  name: string;
  /** One line on what the daemon is, for --help. */
  description: string;
  /** The config file read when --config is not given: "validator.yaml". */
  configDefault: string;
  /** The commented config `init` prints or writes. */
  template(flags: TemplateFlags): string | Promise<string>;
  /** What `init --out file` says once it wrote `file` (called after `template`): the next step. */
  initHint(file: string): string;
  /** Starts the daemon; the process ends when its `done` resolves. */
  start(context: DaemonStartContext): Promise<RunningDaemon>;
  /** Logged once the daemon has stopped: "validator stopped; challenges in flight resume on the next start". */
  stoppedMessage: string;
  /** Further commands, by name. */
  commands?: Record<string, DaemonCommand>;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** The --help text of a daemon's command. */
export function daemonCliHelp(
  options: Pick<DaemonCliOptions, "name" | "description" | "configDefault" | "commands">,
): string {
  const { name } = options;
  const commands = [
    [`${name} [start] [--config file]`, `run the daemon until SIGINT/SIGTERM (config: ${options.configDefault})`],
    [
      `${name} init [--out file] [--force]`,
      "print a commented config, or write it to --out (never over a file without --force)",
    ],
    ...Object.entries(options.commands ?? {}).map(([command, c]) => {
      const [usage, what] = c.help.split(/\s{3,}/) as [string, string | undefined];
      return [`${name} ${usage || command}`, what ?? ""];
    }),
  ];
  const flags = [
    ["-c, --config FILE", `the config file (default ${options.configDefault})`],
    ["-o, --out FILE", "init: where to write the config (default: stdout)"],
    ["--force", "init: replace an existing --out file"],
    ["--rpc-url URL", "the chain's RPC URL: init writes it; start uses it over the file's chain.rpcUrl"],
    ["--deployment FILE", "deployments/<chainId>.json: init writes it; start uses it over chain.deployment"],
    ["--state-dir DIR", "the state folder: init writes it; start uses it over stateDir"],
    ["--log-level LEVEL", "debug | info | warn | error (default info)"],
    ["--log-json", "log JSON lines instead of text"],
    ["-h, --help", "this help"],
  ];
  const table = (rows: string[][]) => {
    const width = Math.max(...rows.map((r) => (r[0] as string).length));
    return rows.map(([a, b]) => `  ${(a as string).padEnd(width)}  ${b}`).join("\n");
  };
  return `${name}: ${options.description}

Usage:
${table(commands)}

Flags:
${table(flags)}

Logs go to stderr. Exit code 0 after a clean stop, 1 on any error (the message says what to fix).
`;
}

/**
 * Runs a daemon's command line and exits the process: parses `argv`, sets up the logger, runs `init`, `start` or
 * another command. A signal stops a started daemon (exit 0); one that comes while it is still starting stops it once
 * started, and a second signal exits at once (130). Any error is logged as one line and exits 1.
 * @example
 * await runDaemonCli({
 *   name: "ocx-validator",
 *   description: "challenges providers' GPUs and attests on-chain",
 *   configDefault: "validator.yaml",
 *   template: (flags) => configTemplate(flags),
 *   initHint: (file) => `wrote ${file}; then \`ocx-validator start --config ${file}\``,
 *   start: async ({ configFile, overrides, log }) => startValidator(await loadConfig(configFile, { overrides }), { account, log }),
 *   stoppedMessage: "validator stopped",
 * });
 */
export async function runDaemonCli(options: DaemonCliOptions, argv: string[] = process.argv.slice(2)): Promise<never> {
  let log = createLogger();
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c", default: options.configDefault },
        out: { type: "string", short: "o" },
        force: { type: "boolean", default: false },
        "rpc-url": { type: "string" },
        deployment: { type: "string" },
        "state-dir": { type: "string" },
        "log-json": { type: "boolean", default: false },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const level = values["log-level"] as LogLevel;
    if (!LOG_LEVELS.includes(level)) {
      throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
    }
    log = createLogger({ json: values["log-json"], level });
    const command = positionals[0] ?? "start";
    if (values.help || command === "help") {
      process.stdout.write(daemonCliHelp(options));
      process.exit(0);
    }
    if (positionals.length > 1) {
      throw new Error(`${options.name} ${command} takes no arguments, got "${positionals.slice(1).join(" ")}"`);
    }
    const flags: TemplateFlags = {
      ...(values["rpc-url"] ? { rpcUrl: values["rpc-url"] } : {}),
      ...(values.deployment ? { deployment: values.deployment } : {}),
      ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
    };
    if (command === "init") {
      await init(options, flags, values.out, values.force);
      process.exit(0);
    }
    const context: DaemonStartContext = { configFile: values.config, overrides: flagOverrides(flags), log };
    const other = options.commands && Object.hasOwn(options.commands, command) ? options.commands[command] : undefined;
    if (other) {
      await other.run(context);
      process.exit(0);
    }
    if (command !== "start") {
      const names = ["start", "init", ...Object.keys(options.commands ?? {})].map((n) => `\`${n}\``).join(", ");
      throw new Error(`unknown command "${command}": ${options.name} runs ${names}; see \`${options.name} --help\``);
    }
    await start(options, context);
    process.exit(0);
  } catch (error) {
    const message = (error as Error).message;
    // parseArgs's own errors (an unknown flag, a flag without its value) get the way to the help.
    log.error(
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
        ? `${message}; see \`${options.name} --help\``
        : message,
    );
    process.exit(1);
  }
}

/** `init`: the template on stdout, or in `out` (never over an existing file without `force`). */
async function init(options: DaemonCliOptions, flags: TemplateFlags, out: string | undefined, force: boolean) {
  const text = await options.template(flags);
  if (!out) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(out, text, { flag: force ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Error(`${out} exists; pass --force to replace it, or --out another file`);
    }
    throw error;
  }
  process.stderr.write(`${options.initHint(out)}\n`);
}

/** `start`: runs the daemon until it stops, stopping it on SIGINT/SIGTERM. */
async function start(options: DaemonCliOptions, context: DaemonStartContext) {
  let daemon: RunningDaemon | undefined;
  let stopAsked = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopAsked) {
      context.log.warn(`second ${signal}: exiting now`);
      process.exit(130);
    }
    stopAsked = true;
    if (daemon) void daemon.close();
    else context.log.info(`${signal}: stopping as soon as start-up ends (again to exit now)`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  daemon = await options.start(context);
  if (stopAsked) void daemon.close();
  await daemon.done;
  context.log.info(options.stoppedMessage);
}

/** `--rpc-url`, `--deployment` and `--state-dir` as overrides of the config file's fields. */
function flagOverrides(flags: TemplateFlags): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  if (flags.rpcUrl) overrides.push({ field: "chain.rpcUrl", value: flags.rpcUrl, from: "--rpc-url" });
  // Paths on the command line are the shell's, relative to the working folder (the file's are relative to the file).
  if (flags.deployment) {
    overrides.push({ field: "chain.deployment", value: path.resolve(flags.deployment), from: "--deployment" });
  }
  if (flags.stateDir) overrides.push({ field: "stateDir", value: path.resolve(flags.stateDir), from: "--state-dir" });
  return overrides;
}
