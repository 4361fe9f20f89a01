// A stand-in inference endpoint for the gateway's own tests, run as a child process so a test can kill it
// mid-stream: OpenAI-shaped /v1/chat/completions (stream and not) that answers the last user message's words
// back one per chunk, every `--delay-ms`, and charges by its price flags the way a paid endpoint reports it
// (X-PAYMENT-RESPONSE, or an `ocx-payment` event before [DONE]). The real model server's tests are e2e's.
// Prints `listening <url>` on stdout.
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "delay-ms": { type: "string", default: "0" },
    name: { type: "string", default: "fixture" },
    "per-request": { type: "string", default: "0" },
    "per-1k-out": { type: "string", default: "0" },
    /** Answer every chat request with this status instead (e.g. 500). */
    fail: { type: "string" },
  },
});
const delayMs = Number(values["delay-ms"]);
const perRequest = BigInt(values["per-request"] as string);
const per1kOut = BigInt(values["per-1k-out"] as string);
let owed = 0n;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = createServer(async (req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    return;
  }
  if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
    res.writeHead(404).end();
    return;
  }
  let text = "";
  for await (const chunk of req) text += chunk;
  if (values.fail) {
    res.writeHead(Number(values.fail), { "content-type": "application/json" }).end('{"error":{"message":"failing"}}');
    return;
  }
  const body = JSON.parse(text) as {
    model: string;
    stream?: boolean;
    max_tokens?: number;
    messages: { role: string; content: string }[];
  };
  const prompt = body.messages.at(-1)?.content ?? "";
  const words = prompt
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, body.max_tokens ?? 256);
  const promptTokens = body.messages.reduce((n, m) => n + m.content.split(/\s+/).filter(Boolean).length, 0);
  const cost = perRequest + (BigInt(words.length) * per1kOut + 999n) / 1000n;
  const id = `chatcmpl-${values.name}-${Date.now()}`;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: words.length,
    total_tokens: promptTokens + words.length,
  };
  if (!body.stream) {
    if (delayMs) await sleep(delayMs);
    owed += cost;
    res.writeHead(200, {
      "content-type": "application/json",
      "x-payment-response": Buffer.from(JSON.stringify({ charged: `${cost}`, owed: `${owed}` })).toString("base64"),
    });
    res.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: words.join(" ") }, finish_reason: "stop" }],
        usage,
        served_by: values.name,
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], served_by: values.name })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }, null));
  for (const [i, word] of words.entries()) {
    if (delayMs) await sleep(delayMs);
    res.write(chunk({ content: i === 0 ? word : ` ${word}` }, null));
  }
  res.write(chunk({}, "stop"));
  res.write(
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: body.model, choices: [], usage })}\n\n`,
  );
  owed += cost;
  res.write(`event: ocx-payment\ndata: ${JSON.stringify({ charged: `${cost}`, owed: `${owed}` })}\n\n`);
  res.end("data: [DONE]\n\n");
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  const address = server.address();
  if (typeof address === "object" && address) process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
