// `ocx inference`: register, list and deregister inference endpoints in the InferenceRegistry (docs/inference.md).
// Prices are amounts of the payment token (dollars of credits on a devnet), exact to its 18 decimals.
import {
  type ChannelsDeployment,
  deregisterInferenceEndpointSync,
  fetchPayeeBooks,
  type InferenceEndpoint,
  listInferenceEndpoints,
  OcxUsageError,
  redeemPayeeBooks,
  registerInferenceEndpointSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatUnits, parseUnits } from "viem";
import { parseAddress, parseId } from "../chain.js";
import { createContext } from "../context.js";
import { renderTable } from "../format.js";

/** An amount of the payment token from a flag: a decimal number with at most 18 decimals, exact. */
function parsePrice(value: string, flag: string): bigint {
  const text = value.trim().replace(/^\$/, "");
  if (!/^\d+(\.\d{1,18})?$/.test(text))
    throw new OcxUsageError(
      `${flag} must be an amount of the payment token with at most 18 decimals, e.g. 0.002, got "${value}"`,
    );
  return parseUnits(text, 18);
}

function parseCapacity(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32 - 1)
    throw new OcxUsageError(`--capacity must be a whole number of concurrent requests ≥ 1, got "${value}"`);
  return n;
}

const price = (wei: bigint) => formatUnits(wei, 18);

function describe(e: InferenceEndpoint): string[] {
  return [
    String(e.endpointId),
    e.model,
    e.url,
    price(e.pricing.per1kInputTokens),
    price(e.pricing.per1kOutputTokens),
    price(e.pricing.perRequest),
    String(e.capacity),
    e.region || "-",
    e.leaseId === 0n ? "-" : String(e.leaseId),
    e.registrant,
  ];
}

export function inferenceCommand(): Command {
  const command = new Command("inference").description(
    "inference endpoints: register a model server (its payee is you), list them, deregister",
  );
  command
    .command("register")
    .description("register an OpenAI-compatible endpoint serving a model; you are its payee and only you can change it")
    .requiredOption("--model <name>", "the model name its /v1/models lists")
    .requiredOption("--url <url>", "base URL of its API (the /v1 routes are under it)")
    .option("--per-1k-input <amount>", "price per 1,000 prompt tokens, in the payment token", "0")
    .option("--per-1k-output <amount>", "price per 1,000 completion tokens, in the payment token", "0")
    .option("--per-request <amount>", "price per request, in the payment token", "0")
    .option("--capacity <n>", "requests it serves at once", "1")
    .option("--region <code>", "region code, e.g. eu-west", "")
    .option("--lease <id>", "the service lease it runs on")
    .addHelpText(
      "after",
      "\nExample:\n  $ ocx inference register --model ocx-tinylm-docs --url http://127.0.0.1:8080/l/7/8080/ --per-1k-output 0.002 --capacity 4 --lease 7\n",
    )
    .action(async (options: Record<string, string>, cmd: Command) => {
      if (!/^https?:\/\/\S+$/.test(options.url ?? ""))
        throw new OcxUsageError(`--url must be an http:// or https:// URL, got "${options.url}"`);
      const pricing = {
        perRequest: parsePrice(options.perRequest ?? "0", "--per-request"),
        per1kInputTokens: parsePrice(options.per1kInput ?? "0", "--per-1k-input"),
        per1kOutputTokens: parsePrice(options.per1kOutput ?? "0", "--per-1k-output"),
      };
      const capacity = parseCapacity(options.capacity ?? "1");
      const leaseId = options.lease === undefined ? 0n : parseId(options.lease, "--lease");
      const context = await createContext(cmd);
      const wallet = await context.walletClient();
      const { receipt, event } = await registerInferenceEndpointSync(wallet, {
        deployment: context.deployment,
        model: options.model ?? "",
        url: options.url ?? "",
        pricing,
        capacity,
        region: options.region ?? "",
        leaseId,
      });
      context.print(`registered inference endpoint ${event.endpointId}: ${event.model} at ${event.url}`, {
        ...event,
        transaction: receipt.transactionHash,
      });
    });
  command
    .command("list")
    .description("the registered endpoints, from the registry's events")
    .option("--model <name>", "only this model")
    .option("--registrant <address>", "only this registrant's")
    .action(async (options: { model?: string; registrant?: string }, cmd: Command) => {
      const registrant = options.registrant === undefined ? undefined : parseAddress(options.registrant);
      const context = await createContext(cmd);
      const endpoints = await listInferenceEndpoints(context.publicClient, {
        deployment: context.deployment,
        model: options.model,
        registrant,
      });
      const table =
        endpoints.length === 0
          ? "no inference endpoints registered"
          : renderTable(
              [
                "ID",
                "MODEL",
                "URL",
                "PER 1K IN",
                "PER 1K OUT",
                "PER REQUEST",
                "CAPACITY",
                "REGION",
                "LEASE",
                "REGISTRANT",
              ],
              endpoints.map(describe),
            );
      context.print(table, endpoints);
    });
  command
    .command("deregister")
    .description("remove an endpoint you registered")
    .argument("<id>", "the endpoint id")
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const endpointId = parseId(id, "the endpoint id");
      const context = await createContext(cmd);
      const wallet = await context.walletClient();
      const { receipt } = await deregisterInferenceEndpointSync(wallet, { deployment: context.deployment, endpointId });
      context.print(`deregistered inference endpoint ${endpointId}`, {
        endpointId,
        transaction: receipt.transactionHash,
      });
    });
  command
    .command("redeem")
    .description(
      "redeem what payers owe you at a key-free model server (e.g. on a service lease): read its books, signed as you, and redeem each payer's owed amount on-chain",
    )
    .argument("<url>", "the server's base URL (what you registered)")
    .addHelpText("after", "\nExample:\n  $ ocx inference redeem http://127.0.0.1:8080/l/7/8080/\n")
    .action(async (url: string, _options: unknown, cmd: Command) => {
      if (!/^https?:\/\/\S+$/.test(url)) throw new OcxUsageError(`the URL must be http:// or https://, got "${url}"`);
      const context = await createContext(cmd);
      const wallet = await context.walletClient();
      const books = await fetchPayeeBooks(url, wallet);
      const redemptions = await redeemPayeeBooks(wallet, {
        deployment: context.deployment as ChannelsDeployment,
        books,
        publicClient: context.publicClient,
      });
      const paid = redemptions.reduce((sum, r) => sum + r.amount, 0n);
      const lines = redemptions.map(
        (r) =>
          `${r.payer}: owed ${price(r.owed)}, redeemed ${price(r.amount)} now (${price(r.cumulative)} in all)${r.note ? `: ${r.note}` : ""}`,
      );
      context.print(
        [
          ...(lines.length > 0 ? lines : ["no payer owes anything"]),
          `redeemed ${price(paid)} from ${redemptions.filter((r) => r.amount > 0n).length} payer(s)`,
        ].join("\n"),
        {
          payee: books.payee,
          redeemed: paid.toString(),
          redemptions: redemptions.map((r) => ({
            payer: r.payer,
            owed: r.owed.toString(),
            amount: r.amount.toString(),
            cumulative: r.cumulative.toString(),
            ...(r.hash ? { transaction: r.hash } : {}),
            ...(r.note ? { note: r.note } : {}),
          })),
        },
      );
    });
  return command;
}
