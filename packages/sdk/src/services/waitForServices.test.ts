// waitForServices' decisions over a sequence of provider answers: healthy, crash-looping, an ended lease, a
// provider that is briefly away, and the timeout. (The whole path against a real provider is e2e/services.test.ts.)
import { describe, expect, it } from "vitest";
import { OcxError, OcxProviderError } from "../errors.js";
import { ProviderApiError, type ProviderLeaseStatus } from "../provider/client.js";
import { getServiceStatus } from "./getServiceStatus.js";
import { waitForServices } from "./waitForServices.js";

const status = (
  services: { name: string; state: string; reason?: string }[],
  extra: Partial<ProviderLeaseStatus> & { urls?: unknown[] } = {},
) =>
  ({
    id: "7",
    phase: "running",
    message: "running 2 service(s)",
    services: services.map((s) => ({ restarts: 0, reason: "", ...s })),
    ...extra,
  }) as unknown as ProviderLeaseStatus;

/** A provider whose answers (or failures) come from a list, the last one repeated. */
const provider = (answers: (ProviderLeaseStatus | Error)[]) => {
  let i = 0;
  return {
    status: async () => {
      const answer = answers[Math.min(i++, answers.length - 1)] as ProviderLeaseStatus | Error;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
};

const URL_ENTRY = { service: "web", port: 8080, protocol: "http", url: "http://p:8444/l/7/8080/", also: [] };

describe("waitForServices", () => {
  it("reports each change and returns once every service is healthy, with the URLs", async () => {
    const seen: string[] = [];
    const ready = await waitForServices(
      provider([
        new OcxProviderError("the provider at http://p cannot be reached (ECONNREFUSED)", { url: "http://p" }),
        new ProviderApiError(404, { error: "no lease 7" }, "GET /leases/7"),
        status([
          { name: "db", state: "starting" },
          { name: "web", state: "starting" },
        ]),
        status([
          { name: "db", state: "healthy" },
          { name: "web", state: "starting" },
        ]),
        status(
          [
            { name: "db", state: "healthy" },
            { name: "web", state: "healthy" },
          ],
          { urls: [URL_ENTRY] },
        ),
      ]),
      {
        leaseId: 7n,
        url: "http://p",
        pollMs: 1,
        onEvent: (e) => seen.push(e.status.services.map((s) => `${s.name}:${s.state}`).join(",")),
      },
    );
    expect(seen).toEqual(["db:starting,web:starting", "db:healthy,web:starting", "db:healthy,web:healthy"]);
    expect(ready.healthy).toBe(true);
    expect(ready.urls).toEqual([URL_ENTRY]);
  });

  it("gives up on a crash-looping service, naming it, its reason and what to do", async () => {
    const waiting = waitForServices(
      provider([status([{ name: "web", state: "crash-looping", reason: "exited 5 times in 60 s (exit code 1)" }])]),
      { leaseId: 7n, url: "http://p", pollMs: 1 },
    );
    await expect(waiting).rejects.toThrow(
      /service web of lease #7 is crash-looping: exited 5 times in 60 s \(exit code 1\)/,
    );
    await expect(waiting).rejects.toThrow(/ocx job logs 7 --service web/);
  });

  it("gives up when the lease has ended", async () => {
    await expect(
      waitForServices(provider([status([], { phase: "exhausted", message: "the escrow ran out" })]), {
        leaseId: 7n,
        url: "http://p",
        pollMs: 1,
      }),
    ).rejects.toThrow(/lease #7 ended before its services were healthy: exhausted \(the escrow ran out\)/);
  });

  it("stops at a refusal of the provider that a retry cannot fix", async () => {
    await expect(
      waitForServices(provider([new ProviderApiError(403, { error: "not your lease" }, "GET /leases/7")]), {
        leaseId: 7n,
        url: "http://p",
        pollMs: 1,
      }),
    ).rejects.toThrow(/403: not your lease/);
  });

  it("times out with each service's state, saying the lease keeps running", async () => {
    const waiting = waitForServices(
      provider([status([{ name: "web", state: "unhealthy", reason: "GET /health → 500" }])]),
      {
        leaseId: 7n,
        url: "http://p",
        pollMs: 5,
        timeoutMs: 50,
      },
    );
    await expect(waiting).rejects.toBeInstanceOf(OcxError);
    await expect(waiting).rejects.toThrow(/not all healthy after 0 s: web unhealthy \(GET \/health → 500\)/);
    await expect(waiting).rejects.toThrow(/the lease keeps running/);
  });
});

describe("getServiceStatus", () => {
  it("reads services, URLs and the escrow from the provider's answer; a batch lease has neither", async () => {
    const answer = await getServiceStatus(
      provider([
        status([{ name: "web", state: "healthy" }], { urls: [URL_ENTRY], escrowLeft: "1000", fundedSeconds: 10 }),
      ]),
      { leaseId: 7n },
    );
    expect(answer).toMatchObject({
      phase: "running",
      healthy: true,
      escrowLeft: 1000n,
      fundedSeconds: 10,
      urls: [URL_ENTRY],
    });
    const batch = await getServiceStatus(
      provider([{ ...status([]), services: undefined } as unknown as ProviderLeaseStatus]),
      { leaseId: 7n },
    );
    expect(batch).toMatchObject({ services: [], urls: [], healthy: false });
  });
});
