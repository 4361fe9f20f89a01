// toOcxError against real failures: a closed port, a silent server, a wallet without ETH, a lease id above 2^256
// and a contract's custom-error revert on a real anvil. Each must come out as one line with the right class,
// retry decision and exit code.
import net from "node:net";
import {
  createPublicClient,
  createWalletClient,
  http,
  InsufficientFundsError,
  IntegerOutOfRangeError,
  TransactionExecutionError,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acknowledgeLease } from "./actions/marketplace/acknowledgeLease.js";
import { getLease } from "./actions/marketplace/getLease.js";
import { startTestnet, type Testnet } from "./actions/testnet.test-fixture.js";
import { approve } from "./actions/token/approve.js";
import {
  EXIT,
  OcxChainError,
  OcxContractError,
  OcxError,
  OcxInsufficientGasFundsError,
  OcxNoMatchError,
  OcxProviderError,
  OcxUsageError,
  toOcxError,
} from "./errors.js";

const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const oneLine = (error: OcxError) => {
  expect(error.shortMessage).not.toContain("\n");
  expect(error.shortMessage.length).toBeGreaterThan(10);
};

describe("OcxError", () => {
  it("puts the short message first and details and hint on the following lines", () => {
    const cause = new Error("root");
    const error = new OcxError("what went wrong", { details: "the value was 7", hint: "do this", cause });
    expect(error.message).toBe("what went wrong\nthe value was 7\ndo this");
    expect(error.retryable).toBe(false);
    expect(error.exitCode).toBe(EXIT.failure);
    expect(error.walk()).toBe(cause);
    expect(error.walk((e) => e === cause)).toBe(cause);
    expect(error.walk((e) => e instanceof OcxUsageError)).toBeNull();
  });

  it("gives each subclass its name and exit code", () => {
    const cases: [OcxError, string, number][] = [
      [new OcxUsageError("bad flag"), "OcxUsageError", EXIT.usage],
      [new OcxChainError("no chain"), "OcxChainError", EXIT.chain],
      [new OcxInsufficientGasFundsError(), "OcxInsufficientGasFundsError", EXIT.chain],
      [new OcxContractError("MarketplaceOfferFull", [], "takeOffer"), "OcxContractError", EXIT.rejected],
      [new OcxProviderError("refused", { url: "http://p", status: 403 }), "OcxProviderError", EXIT.provider],
      [new OcxNoMatchError("no offer"), "OcxNoMatchError", EXIT.noMatch],
    ];
    for (const [error, name, exitCode] of cases) {
      expect(error).toBeInstanceOf(OcxError);
      expect(error.name).toBe(name);
      expect(error.exitCode).toBe(exitCode);
    }
  });

  it("makes a provider error retryable only when the provider was unreachable or failed (5xx)", () => {
    expect(new OcxProviderError("x", { url: "http://p" }).retryable).toBe(true);
    expect(new OcxProviderError("x", { url: "http://p", status: 503 }).retryable).toBe(true);
    expect(new OcxProviderError("x", { url: "http://p", status: 401 }).retryable).toBe(false);
  });

  it("keeps the hint table on contract errors", () => {
    const error = new OcxContractError("MarketplacePriceAboveLimit", [2000n, 1000n], "takeOffer");
    expect(error.shortMessage).toBe(
      "takeOffer: MarketplacePriceAboveLimit(2000, 1000) — the price is above your limit: raise --max-price or pick another offer",
    );
  });
});

describe("toOcxError without a chain", () => {
  it("returns an OcxError as it is", () => {
    const error = new OcxNoMatchError("none");
    expect(toOcxError(error)).toBe(error);
  });

  it("classifies an RPC on a closed port as a retryable chain error naming the URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
    const thrown = await client.getBlockNumber().catch((e: unknown) => e);
    const error = toOcxError(thrown);
    expect(error).toBeInstanceOf(OcxChainError);
    expect(error.retryable).toBe(true);
    expect(error.exitCode).toBe(EXIT.chain);
    expect(error.shortMessage).toContain(url);
    expect(error.shortMessage).toContain("is the node running?");
    oneLine(error);
  });

  it("classifies an RPC that never answers as a retryable timeout", async () => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const client = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 200 }) });
      const error = toOcxError(await client.getBlockNumber().catch((e: unknown) => e));
      expect(error).toBeInstanceOf(OcxChainError);
      expect(error.retryable).toBe(true);
      expect(error.shortMessage).toContain("did not answer in time");
      expect(error.shortMessage).toContain(url);
      oneLine(error);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("classifies a bare fetch failure (ECONNREFUSED) as a retryable chain error", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const thrown = await fetch(url).catch((e: unknown) => e);
    const error = toOcxError(thrown, { rpcUrl: url });
    expect(error).toBeInstanceOf(OcxChainError);
    expect(error.retryable).toBe(true);
    expect(error.shortMessage).toContain("ECONNREFUSED");
    expect(error.shortMessage).toContain(url);
  });

  it("classifies an integer above 2^256 as a usage error with the value", () => {
    const error = toOcxError(
      new IntegerOutOfRangeError({
        max: String(2n ** 256n - 1n),
        min: "0",
        signed: false,
        size: 32,
        value: String(2n ** 256n),
      }),
    );
    expect(error).toBeInstanceOf(OcxUsageError);
    expect(error.shortMessage).toContain((2n ** 256n).toString());
  });

  it("classifies viem's insufficient-funds error by its class, with the sender from the request", () => {
    const address = privateKeyToAccount(generatePrivateKey()).address;
    const cause = new InsufficientFundsError({});
    const thrown = new TransactionExecutionError(cause, { account: { address, type: "json-rpc" }, to: address });
    const error = toOcxError(thrown);
    expect(error).toBeInstanceOf(OcxInsufficientGasFundsError);
    expect(error.shortMessage).toContain(address);
  });

  it("keeps the first line of anything else and the rest as details", () => {
    const error = toOcxError(new Error("first line\nsecond line\nthird"));
    expect(error.constructor).toBe(OcxError);
    expect(error.shortMessage).toBe("first line");
    expect(error.details).toBe("second line\nthird");
    expect(error.retryable).toBe(false);
    expect(toOcxError("just a string").shortMessage).toBe("just a string");
    expect(toOcxError({ code: 7n }).shortMessage).toBe('{"code":"7"}');
  });
});

describe("toOcxError on a real anvil with the OCX contracts", () => {
  let testnet: Testnet;
  beforeAll(async () => {
    testnet = await startTestnet();
  });
  afterAll(async () => {
    await testnet?.stop();
  });

  it("names the address of a wallet without ETH and says how to fund it", async () => {
    const { deployment, publicClient } = testnet;
    const account = privateKeyToAccount(generatePrivateKey());
    const chain = publicClient.chain;
    if (!chain) throw new Error("the testnet's client has no chain");
    const poor = createWalletClient({ account, chain, transport: http(chain.rpcUrls.default.http[0]) });
    const thrown = await approve(poor, { deployment, spender: deployment.marketplace, value: 1n }).catch(
      (e: unknown) => e,
    );
    const error = toOcxError(thrown);
    expect(error).toBeInstanceOf(OcxInsufficientGasFundsError);
    expect(error.shortMessage).toContain(account.address);
    expect(error.shortMessage).toContain("ocx faucet");
    expect(error.exitCode).toBe(EXIT.chain);
    expect(error.retryable).toBe(false);
    oneLine(error);
  });

  it("turns a lease id above 2^256 into a usage error with the value, not a viem dump", async () => {
    const { deployment, publicClient } = testnet;
    const leaseId = 2n ** 256n;
    const thrown = await getLease(publicClient, { deployment, leaseId }).catch((e: unknown) => e);
    expect((thrown as Error).message.split("\n").length).toBeGreaterThan(1); // what a person saw before
    const error = toOcxError(thrown);
    expect(error).toBeInstanceOf(OcxUsageError);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.shortMessage).toContain(leaseId.toString());
    oneLine(error);
  });

  it("decodes a custom-error revert into a contract error with its name and function", async () => {
    const { deployment } = testnet;
    const thrown = await acknowledgeLease(testnet.wallet(1), { deployment, leaseId: 999n }).catch((e: unknown) => e);
    const error = toOcxError(thrown);
    expect(error).toBeInstanceOf(OcxContractError);
    expect((error as OcxContractError).errorName).toMatch(/^Marketplace/);
    expect((error as OcxContractError).functionName).toBe("acknowledge");
    expect(error.exitCode).toBe(EXIT.rejected);
    expect(error.retryable).toBe(false);
    oneLine(error);
  });
});
