// `ocx inference`: register, list and deregister inference endpoints in the InferenceRegistry (docs/inference.md).
// Prices are amounts of the payment token (dollars of credits on a devnet), exact to its 18 decimals.
import { copyFile, mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type ChannelsDeployment,
  DEFAULT_MAX_RESULT_BYTES,
  deregisterInferenceEndpointSync,
  extractTarGzStream,
  fetchPayeeBooks,
  getLease,
  type InferenceEndpoint,
  LeaseState,
  listInferenceEndpoints,
  OcxUsageError,
  owedVouchers,
  type PayeeBooks,
  PaymentStore,
  redeemPayeeBooks,
  registerInferenceEndpointSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { type Address, formatUnits, parseUnits } from "viem";
import { parseAddress, parseId } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { renderTable } from "../format.js";
import { downloadRetained } from "../retained.js";

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
      "redeem what payers owe you at a key-free model server (e.g. on a service lease): read its books, signed as you, and redeem each payer's owed amount on-chain; after its lease ended, from the books the lease kept (--lease) or a copy of them (--books)",
    )
    .argument("[url]", "the server's base URL (what you registered), while it runs")
    .option(
      "--lease <id>",
      "an ended service lease of yours whose manifest retains the books (services.<name>.retain): redeem from them",
    )
    .option(
      "--books <file>",
      "the books' SQLite file (the server's --store): a copy of yours, or with --lease its path in the lease's retained files, e.g. books/payments.db",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ ocx inference redeem http://127.0.0.1:8080/l/7/8080/
  $ ocx inference redeem --lease 7                         (after the lease ended; you bought it)
  $ ocx inference redeem --books ./payments.db             (a copy of the books; you are their payee)

Each redeems exactly what each payer owes, once: running it again redeems 0.`,
    )
    .action(async (url: string | undefined, options: { lease?: string; books?: string }, cmd: Command) => {
      if (url !== undefined && options.lease !== undefined)
        throw new OcxUsageError("give the server's URL or --lease, not both", {
          hint: "the URL reads the live books; --lease the books an ended lease kept",
        });
      if (url === undefined && options.lease === undefined && options.books === undefined)
        throw new OcxUsageError("say where the books are: the server's URL, --lease <id> or --books <file>");
      if (url !== undefined && options.books !== undefined)
        throw new OcxUsageError("give the server's URL or --books, not both");
      if (url !== undefined && !/^https?:\/\/\S+$/.test(url))
        throw new OcxUsageError(`the URL must be http:// or https://, got "${url}"`);
      const leaseId = options.lease === undefined ? undefined : parseId(options.lease, "--lease");
      if (leaseId === undefined && options.books !== undefined) await checkBooksFile(options.books);
      const context = await createContext(cmd);
      const wallet = await context.walletClient();
      const deployment = context.deployment as ChannelsDeployment;
      if (url === undefined && !deployment.paymentChannels)
        throw new OcxUsageError("this deployment has no PaymentChannels contract: there is nothing to redeem on it");
      // Books read from a file name no payee, chain or contract: they are yours, on this chain, if their vouchers say so.
      const ours = {
        payee: wallet.account.address,
        chainId: wallet.chain.id,
        channels: deployment.paymentChannels as Address,
      };
      const books =
        url !== undefined
          ? await fetchPayeeBooks(url, wallet)
          : leaseId !== undefined
            ? await retainedBooks(context, leaseId, options.books, ours)
            : await booksFromFile(options.books as string, ours);
      const redemptions = await redeemPayeeBooks(wallet, { deployment, books, publicClient: context.publicClient });
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

/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = "SQLite format 3\0";

async function isSqlite(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(16), 0, 16, 0);
    return bytesRead === 16 && buffer.toString("latin1") === SQLITE_HEADER;
  } finally {
    await handle.close();
  }
}

/** Refuses, before any work, a --books that is not a SQLite database. */
async function checkBooksFile(file: string): Promise<void> {
  const exists = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) throw new OcxUsageError(`--books ${file}: no such file`);
  if (!(await isSqlite(file)))
    throw new OcxUsageError(`--books ${file} is not a SQLite database`, {
      hint: "give the model server's books: the file it was started with as --store",
    });
}

/**
 * A key-free payee server's books from its SQLite file (the model server's --store), as `books` names their payee,
 * chain and contract (the file holds none of them: a voucher that is not the payer's to this payee on these
 * channels is skipped when redeeming). A copy is opened, with its -wal beside it (the last writes of a server that
 * did not close its books): reading must not change the file.
 */
async function booksFromFile(
  file: string,
  books: Omit<PayeeBooks, "payers">,
  name = `--books ${file}`,
): Promise<PayeeBooks> {
  await checkBooksFile(file);
  const work = await mkdtemp(path.join(tmpdir(), "ocx-books-"));
  try {
    const copy = path.join(work, "books.db");
    await copyFile(file, copy);
    await copyFile(`${file}-wal`, `${copy}-wal`).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    let store: PaymentStore;
    try {
      store = new PaymentStore(copy, books.payee, { existing: true });
    } catch (error) {
      // Named as the user knows it, not as the copy.
      if (error instanceof OcxUsageError)
        throw new OcxUsageError(error.shortMessage.replace(copy, name), error.hint ? { hint: error.hint } : {});
      throw error;
    }
    try {
      return { ...books, payers: owedVouchers(store) };
    } finally {
      store.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The books an ended service lease kept (its services' `retain`, docs/services.md): its retained files downloaded
 * from its provider as its buyer (the provider's signed sha256 checked), and the SQLite database among them, or the
 * one at `inArchive`.
 */
async function retainedBooks(
  context: Context,
  leaseId: bigint,
  inArchive: string | undefined,
  books: Omit<PayeeBooks, "payers">,
): Promise<PayeeBooks> {
  const { deployment } = context;
  const lease = await getLease(context.publicClient, { deployment, leaseId });
  if (lease.state === LeaseState.None) throw new OcxUsageError(`no lease #${leaseId} on this marketplace`);
  const work = await mkdtemp(path.join(tmpdir(), "ocx-retained-"));
  try {
    const archive = path.join(work, "retained.tar.gz");
    await downloadRetained(context, { leaseId, buyer: lease.buyer, provider: lease.provider }, archive, {
      stranger: "its buyer downloads the books; you, their payee, redeem a copy with --books <file>",
      nothing:
        lease.state === LeaseState.Active
          ? "while the lease runs, redeem from the live books: ocx inference redeem <url>"
          : "only a lease whose manifest retains the books keeps them (services.<name>.retain: [/books])",
    });
    const dir = path.join(work, "files");
    const { files } = await extractTarGzStream(archive, dir, { maxBytes: DEFAULT_MAX_RESULT_BYTES });
    const kept = files.map((file) => path.relative(dir, file)).sort();
    let chosen: string;
    if (inArchive !== undefined) {
      const wanted = path.posix.normalize(inArchive.replace(/^\/+/, ""));
      if (!kept.includes(wanted))
        throw new OcxUsageError(`lease #${leaseId} kept no file ${wanted}; it kept: ${kept.join(", ") || "nothing"}`);
      chosen = wanted;
    } else {
      const databases: string[] = [];
      for (const file of kept) if (await isSqlite(path.join(dir, file))) databases.push(file);
      if (databases.length !== 1)
        throw new OcxUsageError(
          databases.length === 0
            ? `lease #${leaseId} kept no SQLite books; it kept: ${kept.join(", ") || "nothing"}`
            : `lease #${leaseId} kept several SQLite databases (${databases.join(", ")}): say which holds the books`,
          { hint: `e.g. ocx inference redeem --lease ${leaseId} --books ${databases[0] ?? "books/payments.db"}` },
        );
      chosen = databases[0] as string;
    }
    return await booksFromFile(path.join(dir, chosen), books, `lease #${leaseId}'s ${chosen}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
