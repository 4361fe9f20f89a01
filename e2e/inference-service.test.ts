// The tiny model trained in an OCX job and served on an OCX service lease, end to end: a real anvil with the
// contracts, a real provider node (bubblewrap sandbox, the lease's network namespace, its ingress) and the real `ocx`
// CLI. `ocx run` trains the model on the provider and brings its weights back; `ocx deploy` runs
// examples/inference-service/model-server.yaml with them; the official openai client (only its base URL set) lists
// the model, gets a completion and streams one through the public URL; `ocx inference register` lists the endpoint
// with its lease; `ocx job close` ends it and the URL goes away.
import { type ChildProcess, spawn } from "node:child_process";
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, type Localnet, startLocalnet } from "@ocx/node-kit";
import { writeDeployment } from "@ocx/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = path.resolve("apps/cli/bin/ocx.js");
const PROVIDER_BIN = path.resolve("apps/provider/bin/ocx-provider.js");
const MANIFEST = path.resolve("examples/inference-service/model-server.yaml");
const BUNDLE = path.resolve("apps/model-server/dist/bundle/model-server.mjs");
const TRAINER = path.resolve("apps/model-server/dist/bundle/tinylm-train.mjs");
const CORPUS = path.resolve("packages/tinylm/corpus/ocx-docs.txt");
/** The name the job gives its model: what /v1/models then lists, so the served weights are the job's. */
const MODEL = "ocx-tinylm-job";
const PROVIDER = 1;
const BUYER = 2;

let dir: string;
let localnet: Localnet | undefined;
let provider: ChildProcess | undefined;
let providerLog = "";
let configFile: string;
let deploymentsDir: string;
let apiUrl: string;
let leaseId: bigint | undefined;
let url: string;
let trainedWeights: string;

/** Runs `ocx <args>` as `account` (anvil's test accounts); a command that hangs is killed after `limitMs`. */
function ocx(args: string[], account = BUYER, limitMs = 45_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--rpc-url",
        localnet?.anvil.rpcUrl ?? "",
        "--deployments",
        deploymentsDir,
        "--dev-account",
        String(account),
        ...args,
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n[test] ocx ${args.join(" ")} still running after ${limitMs / 1000} s: killed`;
      child.kill("SIGKILL");
    }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function startProviderNode(): Promise<void> {
  const child = spawn(process.execPath, [PROVIDER_BIN, "--config", configFile], {
    env: { ...process.env, OCX_PROVIDER_KEY: localnet?.key(PROVIDER) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  provider = child;
  child.stderr?.on("data", (d: Buffer) => {
    providerLog += d;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the provider exited with ${child.exitCode}:\n${providerLog}`);
    const ready = await fetch(`${apiUrl}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the provider was not ready within 60 s:\n${providerLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProviderNode(): Promise<void> {
  const child = provider;
  provider = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

async function cleanUp() {
  await stopProviderNode().catch(() => {});
  // The node leaves workloads running by design (a restart re-attaches them): end them with the node's reap.
  if (configFile && localnet) {
    await new Promise((resolve) => {
      const reap = spawn(process.execPath, [PROVIDER_BIN, "reap", "--config", configFile], {
        env: { ...process.env, OCX_PROVIDER_KEY: localnet?.key(PROVIDER) },
        stdio: "ignore",
      });
      reap.once("exit", resolve);
      reap.once("error", resolve);
    });
  }
  await localnet?.stop().catch(() => {});
  localnet = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
}

const sandboxed = process.platform === "linux" && process.getuid?.() === 0;

describe.skipIf(!sandboxed)("inference service: the tiny model on a service lease, through the ingress", () => {
  beforeAll(async () => {
    await access(BUNDLE).catch(() => {
      throw new Error(`${BUNDLE} is missing: run \`npm run build\` (it bundles the model server) first`);
    });
    dir = await mkdtemp(path.join(tmpdir(), "ocx-e2e-inference-"));
    await chmod(dir, 0o711);
    try {
      localnet = await startLocalnet({ port: await freePort() });
      deploymentsDir = path.join(dir, "deployments");
      const deploymentFile = await writeDeployment(localnet.deployment, deploymentsDir);
      const stateDir = path.join(dir, "provider");
      await mkdir(stateDir, { recursive: true });
      const apiPort = await freePort();
      const ingressPort = await freePort();
      apiUrl = `http://127.0.0.1:${apiPort}`;
      configFile = path.join(stateDir, "provider.yaml");
      await writeFile(
        configFile,
        `chain: { rpcUrl: "${localnet.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${apiPort}" }
ingress: { listen: "127.0.0.1:${ingressPort}", tcpPorts: "32200-32299" }
region: local
stake: "1000"
stateDir: .
executor: bwrap
disk: { reserveMiB: 0 }
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 1024, diskMiB: 2048, maxLeases: 2, minDuration: 10 }
`,
      );
      await startProviderNode();
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }, 120_000);
  afterAll(cleanUp, 60_000);

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
    expect(trained.code, `${trained.stderr}\n${trained.stdout}\n${providerLog.slice(-4000)}`).toBe(0);
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
    const deployed = await ocx(["--json", "deploy", "model-server.yaml", "--hours", "1"]);
    expect(deployed.code, `${deployed.stderr}\n${deployed.stdout}\n${providerLog.slice(-4000)}`).toBe(0);
    const result = JSON.parse(deployed.stdout) as {
      leaseId: string;
      healthy: boolean;
      urls: { service: string; port: number; url: string }[];
    };
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
