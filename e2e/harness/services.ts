// Service leases end to end: a chain with a provider node that runs them in bubblewrap behind its ingress,
// `ocx deploy --json` and what it answers, and requests to a lease's public URL, retried until the service answers
// as expected.
import path from "node:path";
import { type Cleanup, freePort, type Localnet, startLocalnet } from "@ocx/node-kit";
import { writeDeployment } from "@ocx/sdk";
import { jsonOf, type Ocx, type OcxRun, ocxWith } from "./cli.js";
import { type Daemon, type ProviderConfig, reapOnCleanup, startProviderNode, writeProviderConfig } from "./daemons.js";
import { makeTempDir } from "./tempDir.js";

/** The anvil account of the provider node `startServicesNetwork` runs. */
export const SERVICES_PROVIDER = 1;

/** A local chain with one sandboxed provider node selling a CPU bundle, in a temporary folder of the test's own. */
export interface ServicesNetwork {
  dir: string;
  net: Localnet;
  deploymentsDir: string;
  deploymentFile: string;
  /** The provider node's config: start it again with `startProviderNode(config, …)` after a stop. */
  config: ProviderConfig;
  provider: Daemon;
  /** `ocx` against this chain, run in `dir`, as `account` (a run still going after `timeoutMs` is killed). */
  ocx(account: number, timeoutMs: number): Ocx;
}

/**
 * Starts a local chain with the contracts, writes its deployments into a new temporary folder, and starts a provider
 * node (anvil account 1) with the bubblewrap executor and an ingress whose TCP ports are `tcpPorts` (a range of its
 * own per test file). It sells one CPU bundle at $0.36/h (1 CPU, 1 GiB, 2 GiB of disk, 2 leases at a time). Every
 * stop is registered with `defer` as soon as what it stops exists, and the provider's workloads are reaped after it.
 * @example
 * const cleanup = createCleanup();
 * beforeAll(async () => {
 *   network = await startServicesNetwork({ name: "services", tcpPorts: "32100-32199", defer: cleanup.defer });
 * }, 120_000);
 * afterAll(() => cleanup.run(), 60_000);
 */
export async function startServicesNetwork(options: {
  name: string;
  tcpPorts: string;
  defer: Cleanup["defer"];
}): Promise<ServicesNetwork> {
  const { defer } = options;
  const dir = await makeTempDir(options.name, defer);
  const net = await startLocalnet({ port: await freePort() });
  defer(() => net.stop());
  const deploymentsDir = path.join(dir, "deployments");
  const deploymentFile = await writeDeployment(net.deployment, deploymentsDir);
  const config = await writeProviderConfig({
    stateDir: path.join(dir, "provider"),
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile,
    key: net.key(SERVICES_PROVIDER),
    ingressTcpPorts: options.tcpPorts,
    body: `region: local
stake: "1000"
stateDir: .
executor: bwrap
disk: { reserveMiB: 0 }
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 1024, diskMiB: 2048, maxLeases: 2, minDuration: 10 }
`,
  });
  reapOnCleanup(config, defer);
  const provider = await startProviderNode(config, { defer });
  const ocx = (account: number, timeoutMs: number) =>
    ocxWith({ rpcUrl: net.anvil.rpcUrl, deployments: deploymentsDir, cwd: dir, account, timeoutMs });
  return { dir, net, deploymentsDir, deploymentFile, config, provider, ocx };
}

/** What `ocx deploy --json` prints once the lease's services are up. */
export interface Deployed {
  leaseId: string;
  healthy: boolean;
  services: { name: string; state: string }[];
  urls: { service: string; port: number; protocol: string; url: string }[];
}

/**
 * Runs `ocx --json deploy <manifest> --hours 1` and returns the deployment; throws with the CLI's output and `context`
 * (the provider's recent log) when it fails.
 * @example
 * const deployed = await deployService(ocx, "webapp.yaml", () => provider.log().slice(-4000));
 * const url = deployed.urls.find((u) => u.port === 8080)?.url;
 */
export async function deployService(
  ocx: Ocx,
  manifest: string,
  context: () => string = () => "",
  overrides?: Parameters<Ocx>[1],
): Promise<Deployed & { run: OcxRun }> {
  const run = await ocx(["--json", "deploy", manifest, "--hours", "1"], overrides);
  try {
    return { ...jsonOf<Deployed>(run), run };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${context()}`);
  }
}

/**
 * Requests `target` until `accept` holds for its answer (a service coming up, or going away), every `intervalMs`,
 * and returns that answer. Each try gives up after `tryTimeoutMs`: a request that reaches a lease while it closes can
 * wait for the ingress's read timeout (60 s), which would otherwise stall the loop past its deadline. After
 * `timeoutMs` it fails with the last answer and `context`.
 * @example
 * const gone = await requestUntil(`${url}get`, {}, (status) => status === 404, { timeoutMs: 30_000 });
 */
export async function requestUntil(
  target: string,
  init: RequestInit,
  accept: (status: number, body: string) => boolean,
  {
    timeoutMs = 60_000,
    tryTimeoutMs = 5_000,
    intervalMs = 250,
    context = () => "",
  }: { timeoutMs?: number; tryTimeoutMs?: number; intervalMs?: number; context?: () => string } = {},
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(target, { ...init, signal: AbortSignal.timeout(tryTimeoutMs) }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (e: Error) => ({ status: 0, body: e.message }),
    );
    if (accept(answer.status, answer.body)) return answer;
    if (Date.now() > deadline) {
      throw new Error(`${target} never answered as expected; last: ${answer.status} ${answer.body}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
