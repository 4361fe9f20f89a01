// The model server through the official `openai` client (unmodified, only its base URL set): models, a completion
// and a stream from the real model, usage, limits and errors; and the order of refusals, through the app itself.

import { readFileSync } from "node:fs";
import { parseWeights, SHIPPED_WEIGHTS } from "@ocx/tinylm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelServerApp } from "./app.js";
import { type ModelServer, startModelServer } from "./server.js";

const model = parseWeights(JSON.parse(readFileSync(SHIPPED_WEIGHTS, "utf8")));
let server: ModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startModelServer({ port: 0, weights: model, maxBodyBytes: 4096, maxTokens: 256 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => server?.close());

describe("through the openai client", () => {
  it("lists the model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["ocx-tinylm-docs"]);
  });

  it("answers a chat completion from the model, with usage and max_tokens honoured", async () => {
    const messages = [{ role: "user" as const, content: "How does a provider run a service?" }];
    const completion = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages,
      max_tokens: 40,
      seed: 7,
      stop: [],
    });
    const choice = completion.choices[0];
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(choice?.finish_reason);
    // One token per character: the prompt is the message and a blank line.
    expect(completion.usage?.prompt_tokens).toBe((messages[0]?.content.length ?? 0) + 2);
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(40);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    // The same seed gives the same answer: it comes from the model's sampler, not a fixture.
    const again = await client.chat.completions.create({ model: "ocx-tinylm-docs", messages, max_tokens: 40, seed: 7 });
    expect(again.choices[0]?.message.content).toBe(choice?.message.content);
    const other = await client.chat.completions.create({ model: "ocx-tinylm-docs", messages, max_tokens: 40, seed: 8 });
    expect(other.choices[0]?.message.content).not.toBe(choice?.message.content);
  });

  it("streams the answer chunk by chunk and ends with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages: [{ role: "user", content: "Leases" }],
      max_tokens: 60,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(["stop", "length"]).toContain(finish);
    expect(usage?.prompt_tokens).toBe("Leases\n\n".length);
    expect(usage?.completion_tokens).toBeLessThanOrEqual(60);
    // The stream and a plain answer with the same seed agree.
    const plain = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages: [{ role: "user", content: "Leases" }],
      max_tokens: 60,
      seed: 3,
    });
    expect(text).toBe(plain.choices[0]?.message.content);
  });

  it("honours a stop string", async () => {
    const base = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages: [{ role: "user", content: "The node" }],
      max_tokens: 80,
      seed: 5,
    });
    const text = base.choices[0]?.message.content ?? "";
    const at = text.search(/\S\S/);
    expect(at).toBeGreaterThanOrEqual(0);
    const stop = text.slice(at, at + 2);
    const stopped = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages: [{ role: "user", content: "The node" }],
      max_tokens: 80,
      seed: 5,
      stop,
    });
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(text.startsWith(stopped.choices[0]?.message.content ?? "x")).toBe(true);
    expect(stopped.choices[0]?.message.content).not.toContain(stop);
  });

  it("refuses bad requests with errors naming the field", async () => {
    await expect(
      client.chat.completions.create({
        model: "ocx-tinylm-docs",
        messages: [{ role: "user", content: "x" }],
        max_tokens: 9999,
      }),
    ).rejects.toMatchObject({
      status: 400,
      param: "max_tokens",
      message: expect.stringMatching(/from 1 to 256, got 9999/),
    });
    await expect(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/serves "ocx-tinylm-docs", not "gpt-4o"/) });
    await expect(
      client.chat.completions.create({
        model: "ocx-tinylm-docs",
        messages: [{ role: "user", content: "x".repeat(5000) }],
      }),
    ).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/over 4096 bytes/) });
  });
});

describe("the app's order of decisions", () => {
  it("refuses at capacity before reading the body, and frees the slot when a stream is cancelled", async () => {
    const { app, stats } = createModelServerApp({ model, capacity: 1 });
    const body = JSON.stringify({ model: "ocx-tinylm-docs", messages: [{ role: "user", content: "a" }], stream: true });
    const first = await app.request("/v1/chat/completions", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(first.status).toBe(200);
    const busy = await app.request("/v1/chat/completions", { method: "POST", body: "not even json" });
    expect(busy.status).toBe(503);
    expect(stats.refused.at_capacity).toBe(1);
    await first.body?.cancel();
    expect(stats.active).toBe(0);
    const bad = await app.request("/v1/chat/completions", { method: "POST", body: "not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { message: "the body is not valid JSON" } });
  });

  it("answers /health and names the routes on a 404", async () => {
    const { app } = createModelServerApp({ model });
    expect(await (await app.request("/health")).json()).toMatchObject({
      status: "ok",
      model: "ocx-tinylm-docs",
      paid: false,
    });
    const missing = await app.request("/v1/completions", { method: "POST" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /POST \/v1\/chat\/completions/,
    );
  });
});
