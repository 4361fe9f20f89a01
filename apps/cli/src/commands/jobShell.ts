// `ocx job shell <lease> --service <name> -- <command…>`: runs one command in a service's sandbox on the provider
// (the service's user, files, volumes and private network; a time limit; 1 MiB of output per stream), signed by
// the lease's buyer like `ocx job logs`. Its output is printed as it was written and its exit code is ours.
import { connectProvider, EXIT, OcxUsageError } from "@ocx/sdk";
import { Command } from "commander";
import { parseDurationArgument, parseId, providerEndpoint, readLease } from "../chain.js";
import { createContext } from "../context.js";

/** The provider refuses longer commands (apps/provider/src/services/exec.ts). */
const MAX_SECONDS = 60;

export function jobShellCommand(): Command {
  return new Command("shell")
    .description("run a command in one service of a running service lease and print its output")
    .argument("<id>", "lease id")
    .argument("<command...>", "the program and its arguments (after --)")
    .requiredOption("--service <name>", "the service whose sandbox runs the command")
    .option("--timeout <time>", `kill the command after this long (at most ${MAX_SECONDS}s)`, "10s")
    .addHelpText(
      "after",
      `
The command runs in a fresh sandbox like the service's: the same user, /job, volumes, /dev/shm and the
lease's private network (other services by name), inside the lease's resource limits. It is not a
terminal: nothing is sent to its stdin, and it is killed at --timeout. Its stdout and stderr come back
(up to 1 MiB each) and its exit code becomes this command's. With --json: one object with both.

Examples:
  $ ocx job shell 7 --service db -- sh -c 'ls -l /var/lib/postgresql/data'
  $ ocx job shell 7 --service web -- node -e 'fetch("http://127.0.0.1:8080/health").then(r => r.text()).then(console.log)'
`,
    )
    .action(async (id: string, argv: string[], options: { service: string; timeout: string }, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const seconds = parseDurationArgument(options.timeout, "--timeout");
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
        throw new OcxUsageError(
          `--timeout must be a whole number of seconds from 1 to ${MAX_SECONDS}, got "${options.timeout}"`,
        );
      }
      const context = await createContext(command);
      const lease = await readLease(context, leaseId, { deposit: 0n, manifestHash: "0x" });
      const provider = connectProvider({
        publicClient: context.publicClient,
        deployment: context.deployment,
        account: await context.account(),
        lease: { provider: lease.provider, endpoint: await providerEndpoint(context, lease.provider) },
      });
      const result = await provider.exec(leaseId, { service: options.service, command: argv, timeoutSeconds: seconds });
      const cut = (name: string, kept: string, bytes: number) =>
        bytes > Buffer.byteLength(kept) ? `ocx: ${name} cut at ${Buffer.byteLength(kept)} of ${bytes} bytes\n` : "";
      if (context.json) {
        process.stdout.write(
          `${JSON.stringify({ leaseId: leaseId.toString(), service: options.service, ...result })}\n`,
        );
      } else {
        process.stdout.write(result.stdout);
        process.stderr.write(
          result.stderr +
            cut("stdout", result.stdout, result.stdoutBytes) +
            cut("stderr", result.stderr, result.stderrBytes) +
            (result.timedOut ? `ocx: the command was killed after ${seconds} s (--timeout)\n` : "") +
            (result.signal && !result.timedOut ? `ocx: the command ended on ${result.signal}\n` : ""),
        );
      }
      process.exitCode = result.exitCode ?? (result.timedOut ? 124 : EXIT.failure);
    });
}
