// The daemons end-to-end tests run as real processes: any daemon that answers a readiness URL, and the provider node
// (`ocx-provider`) with the config a test writes for it.
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Cleanup, freePort } from "@ocx/node-kit";
import { type StartProcessOptions, startProcess, type TestProcess } from "./processes.js";
import { FatalWaitError, waitFor } from "./wait.js";

/** The installed `ocx-provider` command (the compiled node; `npm run build` makes it). */
export const PROVIDER_BIN = path.resolve("apps/provider/bin/ocx-provider.js");
/** The installed `ocx-validator` command. */
export const VALIDATOR_BIN = path.resolve("apps/validator/bin/ocx-validator.js");

/** Whether the provider's sandbox can run here: bubblewrap's namespaces and cgroups need root on Linux. */
export const SANDBOXED = process.platform === "linux" && process.getuid?.() === 0;

/** A daemon that answered its readiness URL. */
export interface Daemon extends TestProcess {
  /** Its API's base URL (`http://127.0.0.1:<port>`). */
  url: string;
}

/**
 * Starts a Node daemon (`bin` with `args`) through `startProcess` (its stop registered first), then waits until
 * `{url}{readyPath}` answers 2xx; fails at once, with the daemon's output, if it exits, and after `readyTimeoutMs`
 * (default 60 s) if it is still not ready.
 * @example
 * const validator = await startDaemon({ name: "validator", bin: VALIDATOR_BIN, args: ["start", "--config", file],
 *   env: { OCX_VALIDATOR_KEY: key }, url, readyPath: "/health", defer: cleanup.defer });
 */
export async function startDaemon(
  options: Omit<StartProcessOptions, "command"> & {
    bin: string;
    url: string;
    readyPath: string;
    readyTimeoutMs?: number;
  },
): Promise<Daemon> {
  const daemon = startProcess({ ...options, command: process.execPath, args: [options.bin, ...options.args] });
  await waitFor(
    `${options.name} at ${options.url}${options.readyPath}`,
    async () => {
      if (!daemon.running()) throw new FatalWaitError(`${options.name} exited with ${daemon.child.exitCode}`);
      return (await fetch(`${options.url}${options.readyPath}`)).ok;
    },
    { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${options.name}'s output:\n${daemon.log().slice(-6000)}`);
  });
  return { ...daemon, url: options.url };
}

/** A provider node's config file, where its API listens, and the key it runs with. */
export interface ProviderConfig {
  file: string;
  /** The API's base URL. */
  url: string;
  /** The ingress's base URL, when the config has one. */
  ingressUrl?: string;
  /** Its operator's private key (`OCX_PROVIDER_KEY`). */
  key: string;
}

/**
 * Writes `provider.yaml` in `stateDir` (created): the chain section (polled every 100 ms), an API on a free port, an
 * ingress on another when `ingressTcpPorts` is given (a range of its own per test file, as parallel files share the
 * host's ports), then `body` (executor, stake, offers…) as is.
 * @example
 * const config = await writeProviderConfig({ stateDir, rpcUrl, deploymentFile, key: net.key(1),
 *   body: 'stake: "1000"\nstateDir: .\nexecutor: process\nallowUnsandboxed: true\noffers: [...]\n' });
 */
export async function writeProviderConfig(options: {
  stateDir: string;
  rpcUrl: string;
  deploymentFile: string;
  key: string;
  ingressTcpPorts?: string;
  body: string;
}): Promise<ProviderConfig> {
  await mkdir(options.stateDir, { recursive: true });
  const url = `http://127.0.0.1:${await freePort()}`;
  const ingressUrl = options.ingressTcpPorts ? `http://127.0.0.1:${await freePort()}` : undefined;
  const file = path.join(options.stateDir, "provider.yaml");
  await writeFile(
    file,
    `chain: { rpcUrl: "${options.rpcUrl}", deployment: "${options.deploymentFile}", pollIntervalMs: 100 }
api: { listen: "${url.slice("http://".length)}" }
${ingressUrl ? `ingress: { listen: "${ingressUrl.slice("http://".length)}", tcpPorts: "${options.ingressTcpPorts}" }\n` : ""}${options.body}`,
  );
  return { file, url, ingressUrl, key: options.key };
}

/**
 * Starts `ocx-provider --config <file>` and waits for its /ready. The node leaves workloads running when it stops (a
 * restart re-attaches them): `reapOnCleanup` ends them when the test is over.
 * @example
 * const node = await startProviderNode(config, { defer: cleanup.defer });
 */
export function startProviderNode(
  config: ProviderConfig,
  options: Pick<StartProcessOptions, "defer" | "stopOptions"> & {
    name?: string;
    env?: Record<string, string>;
    readyTimeoutMs?: number;
  },
): Promise<Daemon> {
  return startDaemon({
    name: options.name ?? "the provider",
    bin: PROVIDER_BIN,
    args: ["--config", config.file],
    env: { OCX_PROVIDER_KEY: config.key, ...options.env },
    url: config.url,
    readyPath: "/ready",
    readyTimeoutMs: options.readyTimeoutMs,
    defer: options.defer,
    stopOptions: options.stopOptions,
  });
}

/**
 * Registers `ocx-provider reap --config <file>` with `defer`: it ends every workload the provider started with that
 * config (its sandboxes leave the node's process group by design). Register it before the node starts, so that it
 * runs after the node's stop.
 * @example
 * reapOnCleanup(config, cleanup.defer);
 * await startProviderNode(config, { defer: cleanup.defer });
 */
export function reapOnCleanup(config: ProviderConfig, defer: Cleanup["defer"]): void {
  defer(
    () =>
      new Promise((resolve) => {
        const reap = spawn(process.execPath, [PROVIDER_BIN, "reap", "--config", config.file], {
          env: { ...process.env, OCX_PROVIDER_KEY: config.key },
          stdio: "ignore",
        });
        reap.once("exit", resolve);
        reap.once("error", resolve);
      }),
  );
}
