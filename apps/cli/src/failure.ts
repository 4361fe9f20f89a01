// How `ocx` ends on an error: one line that says what went wrong and what to do, and the exit code
// the error carries. Details and causes only with --verbose; with --json, the error as JSON on stdout.
import { toOcxError } from "@ocx/sdk";
import { jsonReplacer } from "./options.js";

/**
 * Prints `error` for the user and returns the exit code to end with.
 * @example
 * main().catch((e) => process.exit(reportFailure(e, process.argv)));
 */
export function reportFailure(error: unknown, argv: readonly string[]): number {
  const failure = toOcxError(error);
  const verbose = argv.includes("--verbose");
  const json = argv.includes("--json");
  process.stderr.write(`ocx: ${failure.shortMessage}\n`);
  if (verbose) {
    for (const line of [failure.details, failure.hint]) if (line) process.stderr.write(`${line}\n`);
    let cause = failure.cause;
    for (let depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
      const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      process.stderr.write(`caused by ${text.replace(/\n/g, "\n  ")}\n`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  if (json) {
    const body = {
      error: {
        name: failure.name,
        message: failure.shortMessage,
        details: failure.details ?? null,
        hint: failure.hint ?? null,
        retryable: failure.retryable,
        exitCode: failure.exitCode,
      },
    };
    process.stdout.write(`${JSON.stringify(body, jsonReplacer)}\n`);
  }
  return failure.exitCode;
}
