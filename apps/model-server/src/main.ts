// The `ocx-model-server` command: flags and environment to a running server, logs as JSON lines on stderr, and a
// clean stop on SIGTERM/SIGINT (what a service lease sends).
import { parseArgs } from "node:util";
import type { Address, Hex } from "viem";
import { startModelServer } from "./server.js";

const USAGE = `usage: ocx-model-server [--host 127.0.0.1] [--port 8080] [--weights FILE] [--capacity 4]
  [--price-per-request N] [--price-per-1k-input N] [--price-per-1k-output N]   (payment token's smallest units)
  [--rpc-url URL --deployment FILE --store FILE]   (paid: the payee key in OCX_MODEL_SERVER_KEY; without them it is free)
  [--payee ADDRESS --channels ADDRESS --chain-id N --store FILE [--rpc-url URL]]   (paid, key-free: on a lease;
     --rpc-url defaults to OCX_CHAIN_RPC_URL; the payee redeems with \`ocx inference redeem <url>\`, or after the
     lease ended with \`ocx inference redeem --lease <id>\` when its manifest retains the --store folder)`;

/** Parses a whole non-negative number of smallest units, naming the flag when it is not one. */
function units(flag: string, value: string | undefined): bigint {
  if (value === undefined) return 0n;
  if (!/^\d+$/.test(value)) throw new Error(`--${flag} ${value} is not a whole number of the token's smallest units`);
  return BigInt(value);
}

/** Runs the command with `argv` (without node and the script). */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      weights: { type: "string" },
      capacity: { type: "string", default: "4" },
      "price-per-request": { type: "string" },
      "price-per-1k-input": { type: "string" },
      "price-per-1k-output": { type: "string" },
      "rpc-url": { type: "string" },
      deployment: { type: "string" },
      store: { type: "string" },
      payee: { type: "string" },
      channels: { type: "string" },
      "chain-id": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    console.error(JSON.stringify({ time: new Date().toISOString(), message, ...fields }));
  const port = Number(values.port);
  const capacity = Number(values.capacity);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port`);
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`--capacity ${values.capacity} must be ≥ 1`);
  const price = {
    perRequest: units("price-per-request", values["price-per-request"]),
    per1kInputTokens: units("price-per-1k-input", values["price-per-1k-input"]),
    per1kOutputTokens: units("price-per-1k-output", values["price-per-1k-output"]),
  };
  const chainFlags = [values["rpc-url"], values.deployment, values.store];
  let payments: Parameters<typeof startModelServer>[0]["payments"];
  if (values.payee !== undefined || values.channels !== undefined || values["chain-id"] !== undefined) {
    const rpcUrl = values["rpc-url"] ?? process.env.OCX_CHAIN_RPC_URL;
    const isAddress = (v: string | undefined) => v !== undefined && /^0x[0-9a-fA-F]{40}$/.test(v);
    if (!isAddress(values.payee))
      throw new Error(`--payee ${values.payee ?? "(missing)"} is not an address (0x + 40 hex)`);
    if (!isAddress(values.channels))
      throw new Error(`--channels ${values.channels ?? "(missing)"} is not an address: the PaymentChannels contract`);
    if (!/^\d{1,12}$/.test(values["chain-id"] ?? ""))
      throw new Error(`--chain-id ${values["chain-id"] ?? "(missing)"} is not a chain id`);
    if (!values.store) throw new Error("a key-free paid server needs --store FILE for its books (on a volume)");
    if (!rpcUrl)
      throw new Error("a key-free paid server needs --rpc-url or OCX_CHAIN_RPC_URL (a lease gets it with chain: read)");
    if (values.deployment !== undefined || process.env.OCX_MODEL_SERVER_KEY)
      throw new Error(
        "--payee is key-free: give no --deployment and no OCX_MODEL_SERVER_KEY (or use those without --payee)",
      );
    payments = {
      rpcUrl,
      store: values.store,
      payee: values.payee as Address,
      channels: values.channels as Address,
      chainId: Number(values["chain-id"]),
    };
  } else if (chainFlags.some((v) => v !== undefined)) {
    const key = process.env.OCX_MODEL_SERVER_KEY;
    if (!values["rpc-url"] || !values.deployment || !values.store || !key)
      throw new Error(
        "a paid server needs --rpc-url, --deployment, --store and the payee key in OCX_MODEL_SERVER_KEY; give all four, or none for a free server",
      );
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error("OCX_MODEL_SERVER_KEY is not a 32-byte hex private key");
    payments = {
      rpcUrl: values["rpc-url"],
      deploymentFile: values.deployment,
      store: values.store,
      privateKey: key as Hex,
    };
  }
  const server = await startModelServer({
    host: values.host,
    port,
    weights: values.weights,
    capacity,
    price,
    payments,
    log,
  });
  const stop = async (signal: string) => {
    log("stopping", { signal });
    await server.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
