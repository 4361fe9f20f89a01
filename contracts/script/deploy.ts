// Deploys the OCX contracts (market and trust layer) to any EVM chain and writes deployments/<chainId>.json.
// Usage: OCX_DEPLOYER_KEY=0x… npm run deploy -- --rpc-url https://… [--fee-bps 250] [--admin 0x…] [--out deployments]
import { parseArgs } from "node:util";
import { deployOcx, writeDeployment } from "@ocx/sdk";
import { type Address, createPublicClient, createWalletClient, defineChain, type Hex, http, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string" },
    admin: { type: "string" },
    "fee-bps": { type: "string" },
    "ack-window": { type: "string" },
    out: { type: "string", default: "deployments" },
  },
});
const fail = (message: string): never => {
  console.error(`deploy: ${message}`);
  process.exit(2);
};
const rpcUrl = values["rpc-url"] ?? fail("--rpc-url is required, e.g. --rpc-url http://127.0.0.1:8545");
const key = process.env.OCX_DEPLOYER_KEY;
if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) fail("set OCX_DEPLOYER_KEY to the deployer's private key (0x + 64 hex)");
if (values.admin && !isAddress(values.admin)) fail(`--admin must be an address, got "${values.admin}"`);

const probe = createPublicClient({ transport: http(rpcUrl) });
const chainId = await probe.getChainId().catch((e: Error) => fail(`cannot reach ${rpcUrl}: ${e.message}`));
const chain = defineChain({
  id: chainId,
  name: `chain ${chainId}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
});
const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
const walletClient = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(key as Hex) });

const deployment = await deployOcx(
  { walletClient, publicClient },
  {
    ...(values.admin ? { admin: values.admin as Address } : {}),
    ...(values["fee-bps"] ? { feeBps: Number(values["fee-bps"]) } : {}),
    ...(values["ack-window"] ? { ackWindow: Number(values["ack-window"]) } : {}),
  },
);
const file = await writeDeployment(deployment, values.out);
console.log(JSON.stringify(deployment, null, 2));
console.log(`wrote ${file}`);
if (values.admin) {
  console.log(
    `${values.admin} administers the marketplace and the token now; for the registry, the validator registry and ` +
      `ProofOfCompute it is proposed: it takes each role by calling acceptDefaultAdminTransfer() on ${deployment.registry} ` +
      `and on ${deployment.validatorRegistry}, and acceptAdmin() on ${deployment.proofOfCompute} (two-step transfers).`,
  );
}
