// The OpenAI chat-completions request as this server reads it: validated field by field, with errors that name
// the field, and turned into the text the model continues (the prompt) and its token count.
import { countTokens } from "@ocx/tinylm";

/** A chat request, checked. */
export interface ChatRequest {
  model: string;
  /** The text the model continues: every message's text, a blank line after each. */
  prompt: string;
  promptTokens: number;
  maxTokens: number;
  temperature: number;
  topK: number;
  seed: number | undefined;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

/** A request the server refuses before any work, with the OpenAI error fields. */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
    readonly status = 400,
  ) {
    super(message);
    this.name = "ChatRequestError";
  }
}

/** Limits a request is checked against. */
export interface ChatLimits {
  /** The largest `max_tokens` accepted, and the default when a request gives none. */
  maxTokens: number;
  defaultMaxTokens: number;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

/**
 * Checks a parsed JSON body and builds the model's prompt from it.
 *
 * @example
 * parseChatRequest({ model: "m", messages: [{ role: "user", content: "Hi" }] }, { maxTokens: 512, defaultMaxTokens: 64 });
 */
export function parseChatRequest(body: unknown, limits: ChatLimits): ChatRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ChatRequestError("the body must be a JSON object with `model` and `messages`", null);
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "")
    throw new ChatRequestError("`model` must be a model name from GET /v1/models", "model");
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    throw new ChatRequestError("`messages` must be a non-empty array of { role, content }", "messages");
  const texts = b.messages.map((message, i) => messageText(message, i));
  const prompt = texts.map((t) => `${t}\n\n`).join("");
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? limits.defaultMaxTokens;
  const maxTokensParam = b.max_completion_tokens === undefined ? "max_tokens" : "max_completion_tokens";
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > limits.maxTokens)
    throw new ChatRequestError(
      `\`${maxTokensParam}\` must be a whole number from 1 to ${limits.maxTokens}, got ${JSON.stringify(maxTokens)}`,
      maxTokensParam,
    );
  const temperature = b.temperature ?? 0.8;
  if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 2))
    throw new ChatRequestError(
      `\`temperature\` must be from 0 to 2, got ${JSON.stringify(temperature)}`,
      "temperature",
    );
  const topK = b.top_k ?? 20;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0)
    throw new ChatRequestError(
      `\`top_k\` must be a whole number ≥ 0 (0: all tokens), got ${JSON.stringify(topK)}`,
      "top_k",
    );
  const seed = b.seed ?? undefined;
  if (seed !== undefined && (typeof seed !== "number" || !Number.isInteger(seed)))
    throw new ChatRequestError(`\`seed\` must be a whole number, got ${JSON.stringify(seed)}`, "seed");
  const stop = b.stop === undefined || b.stop === null ? [] : typeof b.stop === "string" ? [b.stop] : b.stop;
  if (!Array.isArray(stop) || stop.length > 4 || stop.some((s) => typeof s !== "string"))
    throw new ChatRequestError("`stop` must be a string or an array of up to 4 strings", "stop");
  if (b.n !== undefined && b.n !== null && b.n !== 1)
    throw new ChatRequestError(`\`n\` must be 1 (one answer per request), got ${JSON.stringify(b.n)}`, "n");
  const streamOptions = b.stream_options as { include_usage?: unknown } | undefined | null;
  return {
    model: b.model,
    prompt,
    promptTokens: countTokens(prompt),
    maxTokens,
    temperature,
    topK,
    seed: seed as number | undefined,
    stop: stop as string[],
    stream: b.stream === true,
    includeUsage: streamOptions?.include_usage === true,
  };
}

/** A message's text: its `content` string, or its text parts joined. */
function messageText(message: unknown, i: number): string {
  const m = message as { role?: unknown; content?: unknown } | null;
  if (typeof m !== "object" || m === null || typeof m.role !== "string" || !ROLES.has(m.role))
    throw new ChatRequestError(
      `\`messages[${i}].role\` must be one of ${[...ROLES].join(", ")}, got ${JSON.stringify(m?.role)}`,
      `messages[${i}].role`,
    );
  if (typeof m.content === "string") return m.content;
  if (m.content === null && m.role === "assistant") return "";
  if (Array.isArray(m.content))
    return m.content
      .map((part: { type?: unknown; text?: unknown }, j) => {
        if (part?.type !== "text" || typeof part.text !== "string")
          throw new ChatRequestError(
            `\`messages[${i}].content[${j}]\` must be a text part ({ type: "text", text }): this model reads text only`,
            `messages[${i}].content`,
          );
        return part.text;
      })
      .join("");
  throw new ChatRequestError(
    `\`messages[${i}].content\` must be a string or an array of text parts`,
    `messages[${i}].content`,
  );
}
