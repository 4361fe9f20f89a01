// A paid model's earnings outlive its service lease, end to end: a real anvil with the contracts, a real provider node
// (bubblewrap, the lease's network and volume, its ingress) and the real `ocx` CLI. The registrant deploys
// examples/inference-service/model-server-paid.yaml (its books on the volume, `retain: [/books]`), a buyer pays two
// requests with vouchers, and the registrant closes the lease WITHOUT redeeming: the provider stops the model server,
// packs its books into the lease's results and deletes the volume. `ocx inference redeem --lease <id>` then downloads
// them as the lease's buyer and redeems: the registrant's balance grows by exactly what was charged; a second run, and
// a run on a copy of the books (`--books`), pay 0. A stranger is refused the lease's books.
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCleanup, type Localnet } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  chargeFor,
  connectProvider,
  createPaymentFetch,
  extractTarGzStream,
  getChannel,
  getTokenBalance,
  type PaymentPrice,
} from "@ocx/sdk";
import Database from "better-sqlite3";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf } from "./harness/cli.js";
import { SANDBOXED } from "./harness/daemons.js";
import { deployService, type ServicesNetwork, startServicesNetwork } from "./harness/services.js";
import { waitFor } from "./harness/wait.js";

const MANIFEST = path.resolve("examples/inference-service/model-server-paid.yaml");
const BUNDLE_DIR = path.resolve("apps/model-server/dist/bundle");
const WEIGHTS = path.resolve("packages/tinylm/weights/ocx-docs.json");
/** The manifest's prices (payment token's smallest units). */
const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
const REGISTRANT = 2;
const BUYER = 3;

/** What `ocx --json inference redeem` prints. */
interface Redeemed {
  payee: string;
  redeemed: string;
  redemptions: { payer: string; owed: string; amount: string; cumulative: string; note?: string }[];
}

describe.skipIf(!SANDBOXED)("a paid model's books after its service lease ends", () => {
  const cleanup = createCleanup();
  let network: ServicesNetwork;
  let net: Localnet;
  let deployment: ChannelsDeployment & Localnet["deployment"];
  let url: string;
  let leaseId: bigint;

  const ocx = (args: string[], account: number, limitMs = 90_000) => network.ocx(account, limitMs)(args);

  beforeAll(async () => {
    for (const f of ["model-server.mjs", "better_sqlite3.node"])
      await access(path.join(BUNDLE_DIR, f)).catch(() => {
        throw new Error(`${BUNDLE_DIR}/${f} is missing: run \`npm run build\` (it bundles the model server) first`);
      });
    network = await startServicesNetwork({ name: "inference-books", tcpPorts: "32400-32499", defer: cleanup.defer });
    ({ net } = network);
    deployment = net.deployment as typeof deployment;
    if (!deployment.paymentChannels) throw new Error("deployOcx did not deploy PaymentChannels");
    // The example manifest with its inputs from here and this chain's payee, channels and chain id.
    const manifest = (await readFile(MANIFEST, "utf8"))
      .replace("../../apps/model-server/dist/bundle/model-server.mjs", path.join(BUNDLE_DIR, "model-server.mjs"))
      .replace("../../apps/model-server/dist/bundle/better_sqlite3.node", path.join(BUNDLE_DIR, "better_sqlite3.node"))
      .replace("../../packages/tinylm/weights/ocx-docs.json", WEIGHTS)
      .replace("0xPAYEE_ADDRESS_HERE", net.wallet(REGISTRANT).account.address)
      .replace("0xPAYMENT_CHANNELS_HERE", deployment.paymentChannels as Address)
      .replace('"31337"', `"${net.deployment.chainId}"`);
    expect(manifest).toMatch(/retain: \[\/books\]/);
    await writeFile(path.join(network.dir, "model-server-paid.yaml"), manifest);
    const result = await deployService(network.ocx(REGISTRANT, 180_000), "model-server-paid.yaml", () =>
      network.provider.log().slice(-4000),
    );
    leaseId = BigInt(result.leaseId);
    url = result.urls.find((u) => u.service === "model" && u.port === 8080)?.url as string;
    if (!result.healthy || !url) throw new Error(`the model server is not healthy:\n${result.run.stdout}`);
  }, 300_000);
  afterAll(() => cleanup.run(), 90_000);

  it("the registrant closes the lease without redeeming, then redeems exactly what was charged from the kept books, once", async () => {
    const registrant = net.wallet(REGISTRANT).account.address;
    const buyer = net.wallet(BUYER).account.address;
    const payFetch = createPaymentFetch({
      walletClient: net.wallet(BUYER),
      publicClient: net.publicClient,
      deployment,
      capTotal: 10n ** 18n,
      autoDeposit: 10n ** 17n,
    });
    let total = 0n;
    for (const [content, maxTokens] of [
      ["The provider node", 16],
      ["Leases", 8],
    ] as const) {
      const response = await payFetch(`${url}v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "ocx-tinylm-docs",
          max_tokens: maxTokens,
          messages: [{ role: "user", content }],
        }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      const { usage } = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      total += chargeFor(price, { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens });
    }
    expect(total).toBeGreaterThan(0n);
    expect(payFetch.spent()).toBe(total);

    // Closed without a redemption: the provider stops the server, keeps its books and deletes the volume.
    const closed = await ocx(["--json", "job", "close", String(leaseId)], REGISTRANT);
    expect(closed.code, `${closed.stderr}\n${closed.stdout}`).toBe(0);
    const provider = connectProvider({
      publicClient: net.publicClient,
      deployment,
      account: privateKeyToAccount(net.key(REGISTRANT) as `0x${string}`),
      lease: { provider: net.wallet(1).account.address, endpoint: network.config.url },
    });
    const ended = await waitFor(
      "the provider to end the lease and keep its books",
      async () => {
        const status = await provider.status(leaseId);
        return status.phase === "closed" && status;
      },
      { timeoutMs: 60_000, context: () => network.provider.log().slice(-4000) },
    );
    expect(ended.message).toMatch(/; kept \d+ files? \(\d[\d,]* bytes\) in the lease's results;/);
    expect(ended.message).not.toMatch(/not found/);

    // Only the lease's buyer gets its books.
    const stranger = await ocx(["--json", "inference", "redeem", "--lease", String(leaseId)], BUYER);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/was bought by .*what it kept goes to its buyer alone/);
    const strangerResults = await ocx(["--json", "job", "results", String(leaseId)], BUYER);
    expect(strangerResults.code).toBe(2);
    expect(strangerResults.stderr).toMatch(/what it kept goes to its buyer alone/);

    // `ocx job results` hands the buyer what the lease kept, checked against the provider's signed sha256.
    const resultsDir = path.join(network.dir, "results");
    const results = await ocx(["--json", "job", "results", String(leaseId), "-o", resultsDir], REGISTRANT);
    expect(results.code, `${results.stderr}\n${results.stdout}`).toBe(0);
    const fetched = jsonOf<{ checkedAgainst: string; exitCode: null; sha256: string; files: string[] }>(results);
    expect(fetched).toMatchObject({ checkedAgainst: "provider", exitCode: null, sha256: ended.resultHash });
    expect(fetched.files.some((file) => file.endsWith("books/payments.db"))).toBe(true);
    await access(path.join(resultsDir, "books", "payments.db"));

    // A SQLite database that is not a payee's books is refused, saying so, and left as it was.
    const other = path.join(network.dir, "other.db");
    const db = new Database(other);
    db.exec("CREATE TABLE notes (text TEXT)");
    db.close();
    const notBooks = await ocx(["--json", "inference", "redeem", "--books", other], REGISTRANT);
    expect(notBooks.code).toBe(2);
    expect(notBooks.stderr).toContain(`--books ${other} is a SQLite database, but not a payee's books`);

    const token = net.deployment.paymentToken;
    const balance = () => getTokenBalance(net.publicClient, { deployment: net.deployment, token, account: registrant });
    const before = await balance();
    const redeemed = jsonOf<Redeemed>(
      await ocx(["--json", "inference", "redeem", "--lease", String(leaseId)], REGISTRANT),
    );
    expect(redeemed).toMatchObject({
      payee: registrant,
      redeemed: total.toString(),
      redemptions: [{ payer: buyer, owed: total.toString(), amount: total.toString(), cumulative: total.toString() }],
    });
    expect((await balance()) - before).toBe(total);
    expect((await getChannel(net.publicClient, { deployment, payer: buyer, payee: registrant })).redeemed).toBe(total);

    // Again, from the lease and from a copy of the books: nothing new, nothing paid twice.
    const again = jsonOf<Redeemed>(
      await ocx(["--json", "inference", "redeem", "--lease", String(leaseId)], REGISTRANT),
    );
    expect(again.redeemed).toBe("0");
    const copy = path.join(network.dir, "kept");
    await extractTarGzStream(path.join(network.dir, "provider", "leases", String(leaseId), "results.tar.gz"), copy, {
      maxBytes: 1 << 30,
    });
    const fromCopy = jsonOf<Redeemed>(
      await ocx(["--json", "inference", "redeem", "--books", path.join(copy, "books", "payments.db")], REGISTRANT),
    );
    expect(fromCopy).toMatchObject({
      redeemed: "0",
      redemptions: [{ payer: buyer, owed: total.toString(), amount: "0", note: "nothing new to redeem" }],
    });
    expect((await balance()) - before).toBe(total);
    console.log(`lease ${leaseId}: charged ${total}, closed unredeemed, redeemed exactly ${total} from its kept books`);
  }, 240_000);
});
