// Where `ocx` keeps wallets: encrypted keystore files under ~/.ocx/wallets (or $OCX_HOME/wallets).
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { decryptKeystore, OcxUsageError } from "@ocx/sdk";

/** The folder holding keystore files. */
export function walletDir(): string {
  return path.join(process.env.OCX_HOME ?? path.join(os.homedir(), ".ocx"), "wallets");
}

/** The keystore file of wallet `name`. */
export function walletFile(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new OcxUsageError(`wallet name "${name}" may only use letters, digits, ".", "_" and "-"`);
  }
  return path.join(walletDir(), `${name}.json`);
}

/**
 * Decrypts wallet `name` with the password from OCX_PASSWORD, or asks for it on a terminal.
 */
export async function loadWalletKey(name: string): Promise<string> {
  const file = walletFile(name);
  let json: string;
  try {
    json = await readFile(file, "utf8");
  } catch {
    throw new OcxUsageError(
      `no wallet "${name}" (${file}); create one with \`ocx wallet new\`, import one with \`ocx wallet import\`, or use --dev-account on a local chain`,
    );
  }
  const password = process.env.OCX_PASSWORD ?? (await askPassword(`password for wallet "${name}": `));
  try {
    return await decryptKeystore(json, password);
  } catch (error) {
    throw new OcxUsageError(`cannot open wallet "${name}": ${(error as Error).message}`);
  }
}

/** Reads a password from the terminal without echoing it. */
export async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new OcxUsageError("a password is needed: set OCX_PASSWORD or run in a terminal");
  }
  process.stderr.write(prompt);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    let value = "";
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off("data", onData);
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (char === "\u0003") process.exit(130);
        if (char === "\u007f") value = value.slice(0, -1);
        else value += char;
      }
    };
    process.stdin.on("data", onData);
  });
}

/** The address a keystore file records, read without its password. */
export async function walletAddress(name: string): Promise<`0x${string}`> {
  const file = walletFile(name);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new OcxUsageError(
      `no wallet "${name}" (${file}); create one with \`ocx wallet new\`, import one with \`ocx wallet import\`, or use --dev-account on a local chain`,
    );
  }
  const address = (() => {
    try {
      return (JSON.parse(text) as { address?: unknown }).address;
    } catch {
      return undefined;
    }
  })();
  if (typeof address !== "string" || !/^(0x)?[0-9a-fA-F]{40}$/.test(address)) {
    throw new OcxUsageError(`${file} is not a keystore with an address field`);
  }
  return `0x${address.replace(/^0x/i, "").toLowerCase()}`;
}

/** Writes a keystore as wallet `name`, readable by its owner only; refuses to replace one. */
export async function saveWallet(name: string, keystoreJson: string): Promise<string> {
  const file = walletFile(name);
  await mkdir(walletDir(), { recursive: true, mode: 0o700 });
  try {
    // "wx": fail rather than overwrite a key that may hold funds.
    await writeFile(file, `${keystoreJson}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new OcxUsageError(`wallet "${name}" already exists (${file}); pick another --name`);
    }
    throw error;
  }
  await chmod(file, 0o600);
  return file;
}

/** The names of the wallets in the wallet folder. */
export async function listWalletNames(): Promise<string[]> {
  const entries = await readdir(walletDir()).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.endsWith(".json"))
    .map((entry) => entry.slice(0, -".json".length))
    .sort();
}

/** Asks for a new password twice (or takes OCX_PASSWORD), refusing an empty one. */
export async function newPassword(): Promise<string> {
  const fromEnv = process.env.OCX_PASSWORD;
  if (fromEnv !== undefined) {
    if (fromEnv === "") throw new OcxUsageError("OCX_PASSWORD is empty; a wallet needs a password");
    return fromEnv;
  }
  const first = await askPassword("new password: ");
  if (first === "") throw new OcxUsageError("the password is empty; a wallet needs a password");
  const second = await askPassword("repeat it: ");
  if (first !== second) throw new OcxUsageError("the two passwords differ; nothing was written");
  return first;
}
