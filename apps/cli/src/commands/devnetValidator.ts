// The devnet's validator: admitted at deploy time, started as its own process after the provider
// (apps talk across processes, never by import), and watched until the provider shows as verified.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { freePort, type Localnet } from "@ocx/node-kit";
import { admitValidatorSync, isVerified, toLabel } from "@ocx/sdk";
import type { Address } from "viem";

const require = createRequire(import.meta.url);
/** The anvil account the devnet's validator uses. */
export const VALIDATOR_ACCOUNT = 3;

/** The validator daemon's entry point (`@ocx/validator`'s dist/bin.js). */
const validatorBin = () => path.join(path.dirname(require.resolve("@ocx/validator/package.json")), "dist", "bin.js");

/** True when the deployment has the trust contracts (a validator has something to do). */
export function hasTrustContracts(deployment: Localnet["deployment"]): boolean {
  return Boolean(deployment.validatorRegistry && deployment.proofOfCompute);
}

/**
 * Admits the devnet's validator in the ValidatorRegistry, from the deployer (account 0, which holds
 * VALIDATOR_ADMIN_ROLE on a devnet). The daemon stakes for itself when it starts.
 */
export async function admitDevnetValidator(net: Localnet): Promise<Address> {
  const validator = net.wallet(VALIDATOR_ACCOUNT).account.address;
  await admitValidatorSync(net.wallet(0), { deployment: net.deployment, validator });
  return validator;
}

/** Starts `ocx-validator` for the devnet; resolves with its URL once /ready answers 200. */
export async function startValidatorProcess(
  net: Localnet,
  stateDir: string,
  deploymentFile: string,
  { children, say, state }: { children: ChildProcess[]; say: (line: string) => void; state: { stopping: boolean } },
): Promise<string> {
  const apiPort = await freePort();
  const validatorDir = path.join(stateDir, "validator");
  await mkdir(validatorDir, { recursive: true });
  const config = path.join(validatorDir, "validator.yaml");
  await writeFile(
    config,
    `# Written by \`ocx devnet\`: a validator challenging every offered GPU (and CPU) on the local chain.
chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 250 }
api: { listen: "127.0.0.1:${apiPort}" }
stateDir: .
challenges:
  meanIntervalSeconds: 600       # a devnet challenges often; a real validator's default is 6 h
  minIntervalSeconds: 30
  openingPatienceSeconds: 5
`,
  );
  const child = spawn(process.execPath, [validatorBin(), "start", "--config", config], {
    env: { ...process.env, OCX_VALIDATOR_KEY: net.key(VALIDATOR_ACCOUNT) },
    stdio: ["ignore", "inherit", "pipe"],
  });
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!state.stopping) say(`the validator exited (${signal ?? `code ${code}`}); the chain stays up, Ctrl-C stops it`);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line) process.stderr.write(`  validator │ ${line}\n`);
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the validator exited with code ${child.exitCode}; see its log above`);
    const ready = await fetch(`${url}/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error("the validator did not become ready within 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`validator ready: ${url}/health (config ${config})`);
  return url;
}

/**
 * Waits until `provider`'s CPU offer is verified on-chain (an unexpired attestation), up to
 * `timeoutMs`; resolves false when it is not by then.
 */
export async function waitVerified(net: Localnet, provider: Address, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const verified = await isVerified(net.publicClient, {
      deployment: net.deployment,
      provider,
      model: toLabel("cpu"),
      gpuCount: 0,
    }).catch(() => false);
    if (verified) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
