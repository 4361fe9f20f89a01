// Starts a model server: loads the weights, sets up payments when a chain is given, and serves the app on a port.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type ChannelsDeployment,
  chainFor,
  createPayeeAuthVerifier,
  createPaymentReceiver,
  loadDeploymentFile,
  owedVouchers,
  type PaymentPrice,
  type PaymentReceiver,
  PaymentStore,
} from "@ocx/sdk";
import { type LoadedModel, loadWeights, SHIPPED_WEIGHTS } from "@ocx/tinylm";
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createModelServerApp, type ModelServerOptions, type ModelServerStats } from "./app.js";

/**
 * How to reach the chain and where to keep the books, for a paid server. Either with the payee's key
 * (`privateKey` + `deploymentFile`: the server redeems by itself), or key-free (`payee` + `channels` + `chainId`: it
 * only reads the chain, e.g. through a lease's OCX_CHAIN_RPC_URL, and the payee redeems from outside with
 * `ocx inference redeem`, reading the books at GET /v1/payments/vouchers — or, once its lease has ended, from the
 * books file itself, which the lease keeps when its manifest retains it: `ocx inference redeem --lease <id>`).
 */
export interface PaymentSettings {
  rpcUrl: string;
  /** The deployment file (with `paymentChannels`); with `privateKey`. */
  deploymentFile?: string;
  /** The payee's key: the registrant of the endpoint, who redeems the vouchers. */
  privateKey?: Hex;
  /** Key-free: the payee's address (the endpoint's registrant). */
  payee?: Address;
  /** Key-free: the PaymentChannels address. */
  channels?: Address;
  /** Key-free: the chain's id (checked against the RPC's). */
  chainId?: number;
  /** SQLite file of the books. */
  store: string;
  /** Redeem what payers owe this often (ms); 0: only on demand. Default 60,000 with a key; key-free never. */
  redeemIntervalMs?: number;
}

/** Options of {@link startModelServer}. */
export interface StartModelServerOptions extends Omit<ModelServerOptions, "model" | "receiver" | "price"> {
  /** The weights file, or a loaded model. Default: the weights shipped with @ocx/tinylm. */
  weights?: string | LoadedModel;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  price?: PaymentPrice;
  /** Without it the server is free. */
  payments?: PaymentSettings;
}

/** A running model server. */
export interface ModelServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  model: LoadedModel;
  receiver: PaymentReceiver | undefined;
  stats: ModelServerStats;
  /** Stops listening, ends open connections, and closes the payment books (after redemptions in flight). */
  close(): Promise<void>;
}

/**
 * Starts a model server.
 *
 * @example
 * const server = await startModelServer({ port: 8080, price: { perRequest: 0n, per1kInputTokens: 10n, per1kOutputTokens: 30n },
 *   payments: { rpcUrl, deploymentFile, privateKey, store: "state/payments.db" } });
 */
export async function startModelServer(options: StartModelServerOptions): Promise<ModelServer> {
  const log = options.log ?? (() => {});
  const model =
    typeof options.weights === "object"
      ? options.weights
      : await loadWeights(options.weights ?? SHIPPED_WEIGHTS.pathname);
  let receiver: PaymentReceiver | undefined;
  let books: Parameters<typeof createModelServerApp>[0]["books"];
  if (options.payments) {
    const p = options.payments;
    const keyFree = p.privateKey === undefined;
    let deployment: ChannelsDeployment & { chainId: number };
    if (keyFree) {
      if (!p.payee || !p.channels || p.chainId === undefined)
        throw new Error("a key-free paid server needs the payee, channels and chainId (or the payee's key)");
      deployment = { chainId: p.chainId, paymentChannels: getAddress(p.channels) };
    } else {
      if (!p.deploymentFile) throw new Error("a paid server with the payee's key needs the deployment file");
      deployment = (await loadDeploymentFile(p.deploymentFile)) as ChannelsDeployment & { chainId: number };
    }
    const chain = chainFor(deployment.chainId, p.rpcUrl);
    const publicClient = createPublicClient({ chain, transport: http(p.rpcUrl) });
    const rpcChainId = await publicClient.getChainId().catch((error: Error) => {
      throw new Error(`cannot read the chain at ${p.rpcUrl}: ${error.message.split("\n")[0]}`);
    });
    if (rpcChainId !== deployment.chainId)
      throw new Error(`the RPC at ${p.rpcUrl} is chain ${rpcChainId}, not chain ${deployment.chainId}`);
    // Key-free: the wallet is the payee's address alone; it never signs (redemption is the payee's, from outside).
    const account = keyFree ? getAddress(p.payee as Address) : privateKeyToAccount(p.privateKey as Hex);
    const walletClient = createWalletClient({ chain, account, transport: http(p.rpcUrl) });
    receiver = await createPaymentReceiver({
      walletClient,
      publicClient,
      // Deployment gains `paymentChannels` with the channels (docs/payments.md); files without it are refused there.
      deployment,
      store: p.store,
      price: options.price,
      redeemIntervalMs: p.redeemIntervalMs ?? (keyFree ? 0 : 60_000),
      redeems: !keyFree,
      log,
    });
    const payee = receiver.payee;
    const verify = createPayeeAuthVerifier(payee);
    const { chainId, channels } = receiver;
    books = {
      verify,
      read() {
        // A connection of its own per read (SQLite WAL: the receiver's writes are seen), closed at once.
        const store = new PaymentStore(p.store, payee);
        try {
          return { payee, chainId, channels, payers: owedVouchers(store) };
        } finally {
          store.close();
        }
      },
    };
    if (keyFree) log("key-free payee: the payee redeems from outside", { payee, booksAt: "/v1/payments/vouchers" });
  }
  const { app, stats } = createModelServerApp({ ...options, model, receiver, log, ...(books ? { books } : {}) });
  const host = options.host ?? "127.0.0.1";
  const server = serve({ fetch: app.fetch, hostname: host, port: options.port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${options.port}: ${error.code ?? error.message}`)),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  log("listening", {
    url,
    model: model.name,
    payments: receiver ? `x402 to ${receiver.payee}` : "off (free)",
    price: options.price ? Object.fromEntries(Object.entries(options.price).map(([k, v]) => [k, String(v)])) : "free",
  });
  return {
    url,
    model,
    receiver,
    stats,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await receiver?.close();
    },
  };
}
