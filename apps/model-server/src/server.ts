// Starts a model server: loads the weights, sets up payments when a chain is given, and serves the app on a port.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type ChannelsDeployment,
  chainFor,
  createPaymentReceiver,
  loadDeploymentFile,
  type PaymentPrice,
  type PaymentReceiver,
} from "@ocx/sdk";
import { type LoadedModel, loadWeights, SHIPPED_WEIGHTS } from "@ocx/tinylm";
import { createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createModelServerApp, type ModelServerOptions, type ModelServerStats } from "./app.js";

/** How to reach the chain and where to keep the books, for a paid server. */
export interface PaymentSettings {
  rpcUrl: string;
  /** The deployment file (with `paymentChannels`). */
  deploymentFile: string;
  /** The payee's key: the registrant of the endpoint, who redeems the vouchers. */
  privateKey: Hex;
  /** SQLite file of the books. */
  store: string;
  /** Redeem what payers owe this often (ms); 0: only on demand. Default 60,000. */
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
  if (options.payments) {
    const p = options.payments;
    const deployment = await loadDeploymentFile(p.deploymentFile);
    const chain = chainFor(deployment.chainId, p.rpcUrl);
    const account = privateKeyToAccount(p.privateKey);
    const walletClient = createWalletClient({ chain, account, transport: http(p.rpcUrl) });
    const publicClient = createPublicClient({ chain, transport: http(p.rpcUrl) });
    receiver = await createPaymentReceiver({
      walletClient,
      publicClient,
      // Deployment gains `paymentChannels` with the channels (docs/payments.md); files without it are refused there.
      deployment: deployment as ChannelsDeployment,
      store: p.store,
      price: options.price,
      redeemIntervalMs: p.redeemIntervalMs ?? 60_000,
      log,
    });
  }
  const { app, stats } = createModelServerApp({ ...options, model, receiver, log });
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
