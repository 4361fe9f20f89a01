// Where the OCX contracts live on a chain: `deployments/<chainId>.json`, written by the deployer.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Address, isAddress } from "viem";
import { OcxError } from "./errors.js";

/** The addresses of one OCX deployment and the block to read its events from. */
export interface Deployment {
  chainId: number;
  /** First block that holds OCX events; indexers and nodes start reading here. */
  startBlock: number;
  token: Address;
  registry: Address;
  marketplace: Address;
  /**
   * The ERC-20 the Marketplace settles in: offers, bids, deposits, bills, fees and earnings. OcxCredits ($1 credits,
   * 18 decimals) when deployed with credits (deployOcx's default), else OCX (`token`). Deployment files written
   * before credits settled the market lack it and are read with `token` (they settle in OCX).
   */
  paymentToken: Address;
  /** Validators' stake and bonds. Absent in deployments made before the trust contracts. */
  validatorRegistry?: Address;
  /** Hardware challenges and attestations. Absent in deployments made before the trust contracts. */
  proofOfCompute?: Address;
  /** Re-execution of deterministic jobs. Absent in deployments made before the trust contracts. */
  spotChecks?: Address;
  /** OCX emissions for verified GPU-seconds. Absent in deployments made before emissions. */
  emissions?: Address;
  /** OcxGovernor: token holders' proposals and votes. Present only in deployments made with governance. */
  governor?: Address;
  /** OcxTimelock: holds every admin and parameter role and runs passed proposals. Present only with governance. */
  timelock?: Address;
  /** OcxCredits: $1 compute credits minted by burning OCX at the oracle price. Present only with `credits`. */
  credits?: Address;
  /** The OCX/USD feed (AggregatorV3Interface) OcxCredits reads. Present only with `credits`. */
  priceFeed?: Address;
  /** InferenceRegistry: inference endpoints (model, URL, prices). Absent in deployments made before it. */
  inferenceRegistry?: Address;
  /** PaymentChannels: pay-per-request deposits and vouchers in `paymentToken`. Absent in deployments made before it. */
  paymentChannels?: Address;
  deployer: Address;
}

/**
 * Thrown when a deployments file is missing or malformed.
 * @example
 * try { await loadDeployment(8453) } catch (e) { if (e instanceof DeploymentError) console.error(e.shortMessage) }
 */
export class DeploymentError extends OcxError {
  override name = "DeploymentError";
}

/**
 * The path of the deployments file for `chainId` under `dir`.
 * @example
 * deploymentPath(31337); // "deployments/31337.json"
 */
export function deploymentPath(chainId: number, dir = "deployments"): string {
  return path.join(dir, `${chainId}.json`);
}

/**
 * Reads `deployments/<chainId>.json` and checks its fields.
 * @example
 * const deployment = await loadDeployment(31337);
 * deployment.marketplace; // "0x…"
 */
export async function loadDeployment(chainId: number, dir = "deployments"): Promise<Deployment> {
  const file = deploymentPath(chainId, dir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new DeploymentError(
      `no OCX deployment for chain ${chainId}: ${file} does not exist. Deploy first (\`npm run devnet\` for a local chain).`,
    );
  }
  return parseDeployment(JSON.parse(text), file);
}

/**
 * Checks a parsed deployments document; `source` names it in errors.
 * @example
 * const deployment = parseDeployment(JSON.parse(text), "deployments/31337.json");
 */
export function parseDeployment(value: unknown, source = "deployment"): Deployment {
  const d = value as Partial<Record<keyof Deployment, unknown>>;
  for (const key of ["token", "registry", "marketplace", "deployer"] as const) {
    if (typeof d[key] !== "string" || !isAddress(d[key] as string)) {
      throw new DeploymentError(`${source}: "${key}" must be an address, got ${JSON.stringify(d[key])}`);
    }
  }
  for (const key of [
    "validatorRegistry",
    "proofOfCompute",
    "spotChecks",
    "emissions",
    "governor",
    "timelock",
    "credits",
    "priceFeed",
    "paymentToken",
    "inferenceRegistry",
    "paymentChannels",
  ] as const) {
    if (d[key] !== undefined && (typeof d[key] !== "string" || !isAddress(d[key] as string))) {
      throw new DeploymentError(
        `${source}: "${key}" must be an address when present, got ${JSON.stringify(d[key])}; redeploy or remove it`,
      );
    }
  }
  for (const key of ["chainId", "startBlock"] as const) {
    if (!Number.isSafeInteger(d[key]) || (d[key] as number) < 0) {
      throw new DeploymentError(`${source}: "${key}" must be a non-negative integer, got ${JSON.stringify(d[key])}`);
    }
  }
  // A file written before the market settled in credits has no paymentToken: its Marketplace took OCX.
  return { ...(d as Deployment), paymentToken: (d.paymentToken as Address | undefined) ?? (d.token as Address) };
}

/**
 * Reads a deployments file by path.
 * @example
 * const deployment = await loadDeploymentFile("deployments/31337.json");
 */
export async function loadDeploymentFile(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new DeploymentError(
      `cannot read ${file}: deploy first (\`npm run devnet\` for a local chain) or fix the path`,
    );
  }
  try {
    return parseDeployment(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof DeploymentError) throw error;
    throw new DeploymentError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Writes `deployments/<chainId>.json` and returns its path.
 * @example
 * await writeDeployment(deployment); // "deployments/31337.json"
 */
export async function writeDeployment(deployment: Deployment, dir = "deployments"): Promise<string> {
  const file = deploymentPath(deployment.chainId, dir);
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}
