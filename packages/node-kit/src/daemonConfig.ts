// How every OCX daemon reads its YAML config: the file, then values from outside it (environment variables, flags)
// laid over it, then one zod schema; every problem is listed with its field, its file and, for a value that came from
// outside the file, where it came from. Also the config sections the daemons share (chain, wallet).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** A config that cannot be read, parsed or validated; the message names the file and every field at fault. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A value that replaces one field of the file: from an environment variable or a flag. */
export interface ConfigOverride {
  /** The field's dotted path, e.g. "chain.rpcUrl". */
  field: string;
  value: unknown;
  /** Where the value came from, named in errors: "--rpc-url", "OCX_GATEWAY_LISTEN". */
  from: string;
}

/**
 * Parses `text` as YAML, lays `overrides` over it and validates it with `schema`.
 * @example
 * const config = parseDaemonConfig(configSchema, "api: { listen: 127.0.0.1:0 }", {
 *   source: "validator.yaml",
 *   overrides: [{ field: "chain.rpcUrl", value: "http://127.0.0.1:8545", from: "--rpc-url" }],
 * });
 */
export function parseDaemonConfig<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  options: { source?: string; overrides?: readonly ConfigOverride[] } = {},
): z.output<Schema> {
  const source = options.source ?? "config";
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: must be a YAML mapping of fields (see its template: \`init\`)`);
  }
  const overrides = options.overrides ?? [];
  for (const override of overrides) setField(raw as Record<string, unknown>, override.field.split("."), override.value);
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const field = issue.path.join(".");
      const from = overrides.find((o) => field === o.field || field.startsWith(`${o.field}.`))?.from;
      return `  ${field || "(top level)"}${from ? ` (from ${from})` : ""}: ${issue.message}`;
    });
    throw new ConfigError(`${source} has ${lines.length} problem(s):\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Sets `object[path…]`, making the sections on the way (a section that is not a mapping is replaced). */
function setField(object: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    object[head] = value;
    return;
  }
  const section = object[head];
  const next =
    typeof section === "object" && section !== null && !Array.isArray(section)
      ? { ...(section as Record<string, unknown>) }
      : {};
  object[head] = next;
  setField(next, rest, value);
}

/** What a daemon's own parser is given besides the text: the file (for errors), its folder (for relative paths), the overrides. */
export interface ParseDaemonConfigOptions {
  source: string;
  baseDir: string;
  overrides?: readonly ConfigOverride[];
}

/**
 * Reads a config file and parses it with the daemon's `parse`; a missing or unreadable file is a ConfigError saying
 * how to make one (`initCommand`). Relative paths in the file are the parser's to resolve against `baseDir`.
 * @example
 * const config = await loadDaemonConfig("validator.yaml", parseConfig, { initCommand: "ocx-validator init --out validator.yaml" });
 */
export async function loadDaemonConfig<Config>(
  file: string,
  parse: (text: string, options: ParseDaemonConfigOptions) => Config,
  options: { initCommand: string; overrides?: readonly ConfigOverride[] },
): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "" : ` (${(error as Error).message})`;
    throw new ConfigError(`cannot read ${file}${why}: create one with \`${options.initCommand}\``);
  }
  return parse(text, {
    source: file,
    baseDir: path.dirname(path.resolve(file)),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}

/**
 * The overrides from the environment variables in `fields` (variable → dotted field) that are set. A value is read
 * as YAML, as if written in the file: `OCX_GATEWAY_FEE_BPS=25` is the number 25.
 * @example
 * const overrides = envOverrides(process.env, { OCX_GATEWAY_LISTEN: "api.listen" });
 */
export function envOverrides(env: NodeJS.ProcessEnv, fields: Readonly<Record<string, string>>): ConfigOverride[] {
  const out: ConfigOverride[] = [];
  for (const [variable, field] of Object.entries(fields)) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    let value: unknown = text;
    try {
      value = parseYaml(text);
    } catch {
      // Not a YAML scalar: the text itself, for the schema to judge.
    }
    out.push({ field, value, from: variable });
  }
  return out;
}

/**
 * The `chain` section of a daemon that follows the chain: RPC URL, deployments file, poll interval.
 * @example
 * const schema = z.object({ chain: chainSection({ pollIntervalMs: 500 }) });
 */
export function chainSection(defaults: { pollIntervalMs: number }) {
  const rpcUrl = "http://127.0.0.1:8545";
  const deployment = "deployments/31337.json";
  return z
    .object({
      rpcUrl: z.string().url().default(rpcUrl),
      /** Path of deployments/<chainId>.json. */
      deployment: z.string().default(deployment),
      /** Milliseconds between looks at the chain. */
      pollIntervalMs: z.number().int().min(50).default(defaults.pollIntervalMs),
    })
    .strict()
    .default({ rpcUrl, deployment, pollIntervalMs: defaults.pollIntervalMs });
}

/**
 * The `wallet` section: the daemon's key in the environment variable `privateKeyEnv` (default), or in an encrypted
 * keystore file opened with OCX_PASSWORD. Never the key itself in the file.
 * @example
 * const schema = z.object({ wallet: walletSection("OCX_VALIDATOR_KEY") });
 */
export function walletSection(privateKeyEnv: string) {
  return z
    .object({ privateKeyEnv: z.string().default(privateKeyEnv), keystore: z.string().optional() })
    .strict()
    .default({ privateKeyEnv });
}
