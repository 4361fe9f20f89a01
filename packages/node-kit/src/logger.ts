// Structured logs for OCX daemons: one line per decision, human-readable or JSON lines.

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields attached to a log line. Bigints are printed as decimal strings. */
export type LogFields = Record<string, unknown>;

/** A logger; `child` adds fixed fields (e.g. the lease id) to every line. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** JSON lines (for log collectors) instead of `time level message key=value`. */
  json?: boolean;
  /** Where lines go; default: stderr, so stdout stays free for `--json` output. */
  write?: (line: string) => void;
}

const show = (value: unknown): string =>
  typeof value === "bigint"
    ? value.toString()
    : typeof value === "string"
      ? /[\s"=]/.test(value)
        ? JSON.stringify(value)
        : value
      : value instanceof Error
        ? JSON.stringify(value.message)
        : JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));

/**
 * Creates a logger.
 * @example
 * const log = createLogger({ level: "info" }).child({ component: "leases" });
 * log.info("acknowledged lease", { leaseId: 12n, txHash: "0x…" });
 */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const threshold = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold) return;
    const all = { ...base, ...fields };
    if (options.json) {
      write(
        JSON.stringify({ time: new Date().toISOString(), level, message, ...all }, (_, v) =>
          typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v,
        ),
      );
    } else {
      const pairs = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${show(v)}`)
        .join(" ");
      write(`${new Date().toISOString().slice(11, 23)} ${level.padEnd(5)} ${message}${pairs ? ` ${pairs}` : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
