// The tiny CPU model's speed: tokens generated per second by the model alone, and through the model server with
// the openai client (a 64-token answer: latency p50/p99; a stream: time to its first chunk), one request at a time.
// Run: npm run bench:tinylm. Prints the figures and writes bench/results/tinylm.json.
import { mkdir, writeFile } from "node:fs/promises";
import { startModelServer } from "@ocx/model-server";
import { generateText, loadWeights, SHIPPED_WEIGHTS } from "@ocx/tinylm";
import OpenAI from "openai";

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

const loaded = await loadWeights(SHIPPED_WEIGHTS.pathname);
// The model alone: answers of up to 256 tokens (a paragraph end stops some earlier), 2 s of them.
let tokens = 0;
const started = performance.now();
for (let seed = 0; performance.now() - started < 2_000; seed++)
  tokens += generateText(loaded.model, "The provider\n\n", { seed, maxTokens: 256, stop: [] }).completionTokens;
const modelTokensPerSecond = tokens / ((performance.now() - started) / 1000);

const server = await startModelServer({ port: 0, weights: loaded });
try {
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const request = { model: loaded.name, messages: [{ role: "user" as const, content: "What does a provider do?" }] };
  for (let i = 0; i < 5; i++) await client.chat.completions.create({ ...request, max_tokens: 64, seed: i }); // warm-up
  const latencies: number[] = [];
  let served = 0;
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const answer = await client.chat.completions.create({ ...request, max_tokens: 64, seed: i });
    latencies.push(performance.now() - t);
    served += answer.usage?.completion_tokens ?? 0;
  }
  const firstChunk: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const stream = await client.chat.completions.create({ ...request, max_tokens: 64, seed: i, stream: true });
    let first = true;
    for await (const _chunk of stream) {
      if (first) firstChunk.push(performance.now() - t);
      first = false;
    }
  }
  const results = {
    at: new Date().toISOString(),
    machine: "2 shared cores (8 engineers), Node 20",
    model: {
      name: loaded.name,
      parameters: loaded.model.parameters.length,
      tokensPerSecond: Math.round(modelTokensPerSecond),
    },
    server: {
      requests: latencies.length,
      maxTokens: 64,
      meanCompletionTokens: round2(served / latencies.length),
      latencyMs: { p50: round2(quantile(latencies, 0.5)), p99: round2(quantile(latencies, 0.99)) },
      streamFirstChunkMs: { p50: round2(quantile(firstChunk, 0.5)), p99: round2(quantile(firstChunk, 0.99)) },
    },
  };
  console.log(
    `tinylm: ${results.model.tokensPerSecond} tokens/s on one core (${results.model.parameters} parameters)\n` +
      `model server via the openai client, 64-token answers (mean ${results.server.meanCompletionTokens} tokens): ` +
      `p50 ${results.server.latencyMs.p50} ms, p99 ${results.server.latencyMs.p99} ms; ` +
      `stream's first chunk p50 ${results.server.streamFirstChunkMs.p50} ms, p99 ${results.server.streamFirstChunkMs.p99} ms`,
  );
  await mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await writeFile(new URL("./results/tinylm.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await server.close();
}
