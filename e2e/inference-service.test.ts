// The tiny model trained in an OCX job and served on an OCX service lease, end to end: a real anvil with the
// contracts, a real provider node (bubblewrap sandbox, the lease's network namespace, its ingress) and the real `ocx`
// CLI. `ocx run` trains the model on the provider and brings its weights back; `ocx deploy` runs
// examples/inference-service/model-server.yaml with them; the official openai client (only its base URL set) lists
// the model, gets a completion and streams one through the public URL; `ocx inference register` lists the endpoint
// with its lease; `ocx job close` ends it and the URL goes away.
import { access, copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCleanup } from "@ocx/node-kit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOXED } from "./harness/daemons.js";
import { deployService, type ServicesNetwork, startServicesNetwork } from "./harness/services.js";

const MANIFEST = path.resolve("examples/inference-service/model-server.yaml");
const BUNDLE = path.resolve("apps/model-server/dist/bundle/model-server.mjs");
const TRAINER = path.resolve("apps/model-server/dist/bundle/tinylm-train.mjs");
const CORPUS = path.resolve("packages/tinylm/corpus/ocx-docs.txt");
/** The name the job gives its model: what /v1/models then lists, so the served weights are the job's. */
const MODEL = "ocx-tinylm-job";
const BUYER = 2;

const cleanup = createCleanup();
let network: ServicesNetwork;
let dir: string;
let leaseId: bigint | undefined;
let url: string;
let trainedWeights: string;

const providerLog = () => network.provider.log().slice(-4000);
/** Runs `ocx <args>` as `account` (anvil's test accounts); a command that hangs is killed after `limitMs`. */
const ocx = (args: string[], account = BUYER, limitMs = 45_000) => network.ocx(account, limitMs)(args);

describe.skipIf(!SANDBOXED)("inference service: the tiny model on a service lease, through the ingress", () => {
  beforeAll(async () => {
    await access(BUNDLE).catch(() => {
      throw new Error(`${BUNDLE} is missing: run \`npm run build\` (it bundles the model server) first`);
    });
    network = await startServicesNetwork({ name: "inference", tcpPorts: "32200-32299", defer: cleanup.defer });
    dir = network.dir;
  }, 120_000);
  afterAll(() => cleanup.run(), 60_000);

  it("ocx run trains the model in a job on the provider and brings back its weights", async () => {
    await copyFile(TRAINER, path.join(dir, "tinylm-train.mjs"));
    await copyFile(CORPUS, path.join(dir, "ocx-docs.txt"));
    const started = performance.now();
    const trained = await ocx(
      [
        "run",
        "--input",
        "tinylm-train.mjs",
        "--input",
        "ocx-docs.txt",
        "--output",
        "weights.json",
        "--results",
        "trained",
        "--memory",
        "512Mi",
        "--duration",
        "10m",
        "--",
        "node",
        "/job/tinylm-train.mjs",
        "--corpus",
        "/job/ocx-docs.txt",
        "--out",
        "/job/weights.json",
        "--steps",
        "800",
        "--name",
        MODEL,
      ],
      BUYER,
      240_000,
    );
    expect(trained.code, `${trained.stderr}\n${trained.stdout}\n${providerLog()}`).toBe(0);
    // ocx run unpacks the outputs in <results>/lease-<id>/.
    const [leaseFolder] = (await readdir(path.join(dir, "trained"))).filter((f) => f.startsWith("lease-"));
    trainedWeights = path.join(dir, "trained", leaseFolder ?? "missing", "weights.json");
    const weights = JSON.parse(await readFile(trainedWeights, "utf8")) as {
      name: string;
      training: { steps: number; validationLoss: number; initialValidationLoss: number };
    };
    expect(weights.name).toBe(MODEL);
    expect(weights.training.steps).toBe(800);
    expect(weights.training.validationLoss).toBeLessThan(weights.training.initialValidationLoss - 1.5);
    console.log(
      `trained in a job: validation loss ${weights.training.validationLoss} nats/char (untrained ${weights.training.initialValidationLoss}), ${((performance.now() - started) / 1000).toFixed(1)} s from ocx run to the weights`,
    );
  }, 300_000);

  it("ocx deploy runs the model server with the trained weights and prints its public URL", async () => {
    // The example manifest, with its inputs from here: the bundle, and the weights the job trained.
    const manifest = (await readFile(MANIFEST, "utf8"))
      .replace("../../apps/model-server/dist/bundle/model-server.mjs", BUNDLE)
      .replace("../../packages/tinylm/weights/ocx-docs.json", trainedWeights);
    expect(manifest).toContain(trainedWeights);
    await writeFile(path.join(dir, "model-server.yaml"), manifest);
    const result = await deployService(network.ocx(BUYER, 45_000), "model-server.yaml", providerLog);
    leaseId = BigInt(result.leaseId);
    expect(result.healthy).toBe(true);
    url = result.urls.find((u) => u.service === "model" && u.port === 8080)?.url as string;
    expect(url).toMatch(new RegExp(`/l/${leaseId}/8080/$`));
  }, 180_000);

  it("the openai client lists the model, gets an answer and streams one from the lease", async () => {
    const client = new OpenAI({ baseURL: `${url}v1`, apiKey: "unused", maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "What is a service lease?" }],
      max_tokens: 40,
      seed: 4,
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.usage?.prompt_tokens).toBe("What is a service lease?\n\n".length);
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "What is a service lease?" }],
      max_tokens: 40,
      seed: 4,
      stream: true,
    });
    let text = "";
    let chunks = 0;
    let firstMs = 0;
    for await (const chunk of stream) {
      if (chunks++ === 0) firstMs = performance.now() - started;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    // The same seed through the stream: the same answer, in many chunks.
    expect(text).toBe(completion.choices[0]?.message.content);
    expect(chunks).toBeGreaterThan(3);
    console.log(
      `through the ingress: ${chunks} chunks, the first after ${firstMs.toFixed(1)} ms, all after ${(performance.now() - started).toFixed(1)} ms`,
    );
  }, 60_000);

  it("ocx inference register lists the endpoint with its lease; only its registrant deregisters it", async () => {
    const registered = await ocx(
      [
        "--json",
        "inference",
        "register",
        "--model",
        MODEL,
        "--url",
        url,
        "--per-1k-output",
        "0.002",
        "--capacity",
        "4",
        "--region",
        "local",
        "--lease",
        String(leaseId),
      ],
      BUYER,
    );
    expect(registered.code, registered.stderr).toBe(0);
    const endpointId = JSON.parse(registered.stdout).endpointId as string;
    const listed = await ocx(["--json", "inference", "list", "--model", MODEL]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { endpointId, url, leaseId: String(leaseId), capacity: 4, pricing: { per1kOutputTokens: "2000000000000000" } },
    ]);
    const stranger = await ocx(["--json", "inference", "deregister", endpointId], 3);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stdout + stranger.stderr).toMatch(/InferenceNotRegistrant/);
    const removed = await ocx(["--json", "inference", "deregister", endpointId], BUYER);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse((await ocx(["--json", "inference", "list"])).stdout)).toEqual([]);
  }, 120_000);

  it("ocx job close ends the lease and the URL goes away", async () => {
    const closed = await ocx(["job", "close", String(leaseId)]);
    expect(closed.code, closed.stderr).toBe(0);
    await expect
      .poll(
        () =>
          fetch(`${url}health`, { signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 30_000, interval: 250 },
      )
      .toBe(404);
  }, 60_000);
});
