// Inference endpoints on a real anvil: deployOcx deploys the registry; register, update and deregister through the
// actions; listInferenceEndpoints folds the events into the current list; a stranger's change is refused with the
// decoded error and nothing is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OcxContractError } from "../../errors.js";
import { startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { inferenceRegistryAddress } from "./address.js";
import { deregisterInferenceEndpointSync } from "./deregisterInferenceEndpoint.js";
import { getInferenceEndpoint } from "./getInferenceEndpoint.js";
import { listInferenceEndpoints } from "./listInferenceEndpoints.js";
import { registerInferenceEndpointSync } from "./registerInferenceEndpoint.js";
import { updateInferenceEndpoint, updateInferenceEndpointSync } from "./updateInferenceEndpoint.js";

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet();
}, 120_000);
afterAll(async () => {
  await net?.stop();
});

const pricing = { perRequest: 1n, per1kInputTokens: 1_000n, per1kOutputTokens: 3_000n };

describe("inference endpoints", () => {
  it("a deployment without the registry says how to get one", () => {
    expect(() => inferenceRegistryAddress({})).toThrow(/no inference registry .*redeploy/);
  });

  it("register, update, deregister; the list follows the events", async () => {
    const { deployment, publicClient } = net;
    const provider = net.wallet(1);
    const other = net.wallet(2);
    const first = await registerInferenceEndpointSync(provider, {
      deployment,
      model: "ocx-tinylm-docs",
      url: "http://127.0.0.1:9000/l/1/8080/",
      pricing,
      capacity: 4,
      region: "local",
      leaseId: 1n,
    });
    expect(first.event.endpointId).toBe(1n);
    await registerInferenceEndpointSync(other, {
      deployment,
      model: "other-model",
      url: "https://other.example",
      pricing,
      capacity: 1,
      region: "eu",
      leaseId: 0n,
    });
    await updateInferenceEndpointSync(provider, {
      deployment,
      endpointId: 1n,
      model: "ocx-tinylm-docs",
      url: "http://127.0.0.1:9000/l/1/8080/",
      pricing: { ...pricing, per1kOutputTokens: 2_000n },
      capacity: 8,
      region: "local",
      leaseId: 1n,
    });
    const listed = await listInferenceEndpoints(publicClient, { deployment, model: "ocx-tinylm-docs" });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      endpointId: 1n,
      registrant: provider.account.address,
      capacity: 8,
      pricing: { perRequest: 1n, per1kInputTokens: 1_000n, per1kOutputTokens: 2_000n },
    });
    expect((await getInferenceEndpoint(publicClient, { deployment, endpointId: 1n })).capacity).toBe(8);

    // Another account cannot change it: refused in simulation with the registrant named.
    const refused = await updateInferenceEndpoint(other, {
      deployment,
      endpointId: 1n,
      model: "ocx-tinylm-docs",
      url: "https://evil.example",
      pricing,
      capacity: 1,
      region: "",
      leaseId: 0n,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OcxContractError);
    expect((refused as OcxContractError).errorName).toBe("InferenceNotRegistrant");

    await deregisterInferenceEndpointSync(provider, { deployment, endpointId: 1n });
    expect(await listInferenceEndpoints(publicClient, { deployment, model: "ocx-tinylm-docs" })).toEqual([]);
    expect((await listInferenceEndpoints(publicClient, { deployment })).map((e) => e.model)).toEqual(["other-model"]);
  });
});
