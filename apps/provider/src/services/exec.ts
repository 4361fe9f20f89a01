// `ocx job shell`: a buyer's command run in one of its services' sandboxes. The request is read and bounded here;
// the run is the sandbox's (sandbox.ts `exec`): the service's user, mounts, network and cgroup, a time limit and
// an output limit. What it grants is what the buyer's own service code already has, nothing more.

/** Longest a command may run, in seconds (and the default when a request gives none). */
export const EXEC_MAX_SECONDS = 60;
export const EXEC_DEFAULT_SECONDS = 10;
/** Bytes of each of stdout and stderr sent back; the rest is counted, not kept. */
export const EXEC_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Commands one lease may have running at once. */
export const EXEC_MAX_CONCURRENT = 2;
/** Arguments of one command (the request body, 16 KiB at most, bounds their length). */
const MAX_ARGS = 256;

/** A checked exec request. */
export interface ExecRequest {
  service: string;
  command: string[];
  timeoutMs: number;
}

/**
 * Reads `{ service, command: string[], timeoutSeconds? }`; throws an Error naming the field that is wrong.
 * @example
 * parseExecRequest('{"service":"db","command":["psql","-c","select 1"]}'); // { service: "db", command: [...], timeoutMs: 10000 }
 */
export function parseExecRequest(text: string): ExecRequest {
  let body: { service?: unknown; command?: unknown; timeoutSeconds?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(
      'an exec request is JSON { "service": "<name>", "command": ["prog", "arg", …], "timeoutSeconds": 10 }',
    );
  }
  if (typeof body?.service !== "string" || body.service === "") {
    throw new Error(`service must be the name of one of the lease's services, got ${JSON.stringify(body?.service)}`);
  }
  const command = body.command;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.length > MAX_ARGS ||
    !command.every((a) => typeof a === "string" && !a.includes("\0"))
  ) {
    throw new Error(`command must be a list of 1 to ${MAX_ARGS} strings (the program and its arguments)`);
  }
  const seconds = body.timeoutSeconds ?? EXEC_DEFAULT_SECONDS;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1 || seconds > EXEC_MAX_SECONDS) {
    throw new Error(
      `timeoutSeconds must be a whole number from 1 to ${EXEC_MAX_SECONDS}, got ${JSON.stringify(seconds)}`,
    );
  }
  return { service: body.service, command: command as string[], timeoutMs: seconds * 1000 };
}
