// The indexer client against a real local HTTP server: query strings, error answers, an unreachable indexer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toLabel } from "../units.js";
import { createIndexerClient, IndexerError, toOfferTerms } from "./client.js";
import type { IndexedOffer } from "./types.js";

const seen: string[] = [];
let server: http.Server;
let url = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    if (req.url?.startsWith("/offers?gpuModel=bad")) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "gpuModel must be a label" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ block: null, total: 0, offers: [] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("createIndexerClient", () => {
  it("sends the filters as a query string, booleans as 1/0 and bigints as decimals", async () => {
    await createIndexerClient(url).offers({ gpuModel: "h100", verified: true, maxPrice: 10n ** 20n, sort: "price" });
    expect(seen.at(-1)).toBe("/offers?gpuModel=h100&verified=1&maxPrice=100000000000000000000&sort=price");
  });
  it("names the route and the indexer's reason on a 4xx, not retryable", async () => {
    const error = await createIndexerClient(url)
      .offers({ gpuModel: "bad" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(IndexerError);
    expect(error.shortMessage).toMatch(/refused \/offers\?gpuModel=bad \(HTTP 400\): gpuModel must be a label/);
    expect(error.retryable).toBe(false);
  });
  it("says an unreachable indexer is retryable", async () => {
    const error = await createIndexerClient("http://127.0.0.1:1", { timeoutMs: 2000 })
      .offers()
      .catch((e) => e);
    expect(error).toBeInstanceOf(IndexerError);
    expect(error.retryable).toBe(true);
  });
  it("refuses a URL that is not one", () => {
    expect(() => createIndexerClient("not a url")).toThrow(IndexerError);
  });
});

describe("toOfferTerms", () => {
  it("turns an indexed offer into the matcher's terms", () => {
    const offer: IndexedOffer = {
      offerId: "7",
      provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      state: 1,
      stateName: "active",
      gpuModel: "h100",
      gpuModelLabel: toLabel("h100"),
      region: "eu-west",
      regionLabel: toLabel("eu-west"),
      gpuCount: 2,
      gpuVramMiB: 81920,
      cpuMillicores: 16000,
      memoryMiB: 131072,
      diskMiB: 512000,
      pricePerSecond: "1000000000000000",
      pricePerGpuHour: "1800000000000000000",
      maxLeases: 1,
      activeLeases: 0,
      minDuration: 60,
      maxDuration: 86400,
      verified: true,
      reputation: 0.75,
      postedAt: 1,
      postedBlock: 1,
    };
    expect(toOfferTerms(offer)).toMatchObject({
      offerId: 7n,
      pricePerSecond: 10n ** 15n,
      resources: { gpuModel: toLabel("h100"), gpuCount: 2 },
      verified: true,
      reputation: 0.75,
    });
  });
});
