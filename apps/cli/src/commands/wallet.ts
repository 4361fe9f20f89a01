// `ocx wallet`: encrypted keystores under $OCX_HOME/wallets — create, import, show, list, export.
import { readFile } from "node:fs/promises";
import { encryptKeystore, formatOcx, getTokenBalance, OcxUsageError } from "@ocx/sdk";
import { Command } from "commander";
import { formatEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { actingAddress, parseAddress } from "../chain.js";
import { createContext, devAccountKey } from "../context.js";
import { formatUsd, renderTable, settlesInCredits } from "../format.js";
import { type GlobalOptions, jsonReplacer } from "../options.js";
import {
  askPassword,
  listWalletNames,
  loadWalletKey,
  newPassword,
  saveWallet,
  walletAddress,
  walletDir,
  walletFile,
} from "../wallets.js";

/** Prints for commands that need no chain (the context would insist on reaching one). */
function printer(command: Command) {
  const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
  return (text: string, data: unknown) =>
    process.stdout.write(json ? `${JSON.stringify(data, jsonReplacer)}\n` : `${text}\n`);
}

const globals = (command: Command) => command.optsWithGlobals() as GlobalOptions & { name?: string };

/** Reads all of stdin (or asks for it, hidden, on a terminal) as a private key. */
async function readPrivateKey(): Promise<Hex> {
  let text: string;
  if (process.stdin.isTTY) text = await askPassword("private key (0x…): ");
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  const key = text.trim();
  const normalized = (key.startsWith("0x") ? key : `0x${key}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(normalized)) {
    throw new OcxUsageError("stdin does not hold a private key: expected 64 hex digits, with or without 0x");
  }
  return normalized.toLowerCase() as Hex;
}

export function walletCommand(): Command {
  const wallet = new Command("wallet")
    .description("create, import and inspect encrypted wallets (keystore files)")
    .addHelpText(
      "after",
      `
Wallets are Web3 Secret Storage v3 keystores (the format of geth and \`cast wallet\`) in
$OCX_HOME/wallets (default ~/.ocx/wallets). The password comes from OCX_PASSWORD or a prompt.
Other commands act with --wallet <name> (default "default").

Examples:
  $ ocx wallet new
  $ ocx wallet balance --json
`,
    );

  wallet
    .command("new")
    .description("create a wallet with a fresh random key (the key is never printed)")
    .option("--name <name>", 'the wallet\'s name (default: --wallet, i.e. "default")')
    .addHelpText(
      "after",
      `
Examples:
  $ ocx wallet new                          # asks for the password twice
  $ OCX_PASSWORD=… ocx wallet new --name buyer --json
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const { name = globals(command).wallet } = globals(command);
      walletFile(name);
      const password = await newPassword();
      const key = generatePrivateKey();
      const file = await saveWallet(name, await encryptKeystore(key, password));
      const address = privateKeyToAddress(key);
      printer(command)(
        `created wallet "${name}"\n  address  ${address}\n  file     ${file}\nBack up the file and its password: without both the funds are lost.`,
        { name, address, file },
      );
    });

  wallet
    .command("import")
    .description("import a private key read from stdin (never from the command line)")
    .option("--name <name>", "the wallet's name (default: --wallet)")
    .option("--private-key-stdin", "read the key from stdin (the default; on a terminal it is asked for, hidden)")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx wallet import --name provider              # paste the key at the hidden prompt
  $ pass show ocx/key | ocx wallet import --private-key-stdin --name ci
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const { name = globals(command).wallet } = globals(command);
      walletFile(name);
      const key = await readPrivateKey();
      const password = await newPassword();
      const file = await saveWallet(name, await encryptKeystore(key, password));
      const address = privateKeyToAddress(key);
      printer(command)(`imported wallet "${name}"\n  address  ${address}\n  file     ${file}`, {
        name,
        address,
        file,
      });
    });

  wallet
    .command("address")
    .description("print the acting wallet's address (no password needed)")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx wallet address
  $ ocx --wallet provider wallet address --json
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const options = globals(command);
      let address: string;
      if (options.devAccount !== undefined) {
        address = privateKeyToAddress(devAccountKey(options.devAccount));
      } else address = await walletAddress(options.wallet);
      printer(command)(address, { name: options.wallet, address });
    });

  wallet
    .command("balance")
    .description("show the OCX and ETH balance of an address (default: the acting wallet)")
    .argument("[address]", "any address")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx wallet balance
  $ ocx wallet balance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --json
`,
    )
    .action(async (addressArg: string | undefined, _options: unknown, command: Command) => {
      const given = addressArg === undefined ? undefined : parseAddress(addressArg);
      const context = await createContext(command);
      const address = given ?? (await actingAddress(context));
      const { deployment } = context;
      // Credits ($1 each) are what the market settles in; OCX is for stake and votes.
      const inCredits = settlesInCredits(deployment);
      const [ocx, eth, credits] = await Promise.all([
        getTokenBalance(context.publicClient, { deployment, account: address }),
        context.publicClient.getBalance({ address }),
        inCredits
          ? getTokenBalance(context.publicClient, { deployment, token: deployment.paymentToken, account: address })
          : Promise.resolve(0n),
      ]);
      const creditsLine = inCredits ? `\n  $    ${formatUsd(credits)} of credits` : "";
      context.print(`${address}\n  OCX  ${formatOcx(ocx, { unit: false })}${creditsLine}\n  ETH  ${formatEther(eth)}`, {
        address,
        ocx: formatEther(ocx),
        ocxWei: ocx,
        ...(inCredits ? { credits: formatUsd(credits), creditsWei: credits } : {}),
        eth: formatEther(eth),
        ethWei: eth,
      });
    });

  wallet
    .command("list")
    .description("list the wallets in the wallet folder")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx wallet list
  $ OCX_HOME=/srv/ocx ocx wallet list --json
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const names = await listWalletNames();
      const wallets = await Promise.all(
        names.map(async (name) => ({
          name,
          address: await walletAddress(name).catch(() => "(unreadable)"),
          file: walletFile(name),
        })),
      );
      const text =
        wallets.length === 0
          ? `no wallets in ${walletDir()}; create one with \`ocx wallet new\``
          : renderTable(
              ["NAME", "ADDRESS"],
              wallets.map((w) => [w.name, w.address]),
            );
      printer(command)(text, { dir: walletDir(), wallets });
    });

  wallet
    .command("export")
    .description("print the wallet's private key in plain text (needs --insecure-plaintext)")
    .option("--insecure-plaintext", "yes, print the unencrypted private key")
    .addHelpText(
      "after",
      `
Anyone who sees the key controls the wallet's funds. Prefer copying the keystore file:
geth and \`cast wallet\` read it as it is.

Examples:
  $ ocx wallet export --insecure-plaintext
  $ cp ~/.ocx/wallets/default.json backup/
`,
    )
    .action(async (options: { insecurePlaintext?: boolean }, command: Command) => {
      const { wallet: name } = globals(command);
      if (!options.insecurePlaintext) {
        throw new OcxUsageError(
          `exporting prints the private key of "${name}" unencrypted; add --insecure-plaintext to do it, or copy the keystore ${walletFile(name)} instead`,
        );
      }
      // Fail on a missing file before asking for a password.
      await readFile(walletFile(name)).catch(() => walletAddress(name));
      const key = await loadWalletKey(name);
      printer(command)(key, { name, address: privateKeyToAddress(key as Hex), privateKey: key });
    });

  return wallet;
}
