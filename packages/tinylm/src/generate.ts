// Sampling text from a model: temperature, top-k, a seed, stop strings and a token limit. The answer ends at a
// blank line (the end of a paragraph in the training text), at a stop string, or at the limit.
import { createActivations, forward, type Model } from "./model.js";
import { type Random, seededRandom } from "./random.js";
import { encode, tokenText } from "./tokenizer.js";

/** How to sample. */
export interface GenerateOptions {
  /** Most tokens to generate. Default 128. */
  maxTokens?: number;
  /** 0 picks the likeliest token every time; higher is more varied. Default 0.8. */
  temperature?: number;
  /** Sample among the k likeliest tokens only (0: all). Default 20. */
  topK?: number;
  /** Seeds the sampler: the same prompt, options and seed give the same text. Default: random. */
  seed?: number;
  /** Strings that end the answer; the answer stops before the first one generated. */
  stop?: string[];
}

/** Why an answer ended: a stop string or a blank line ("stop"), or the token limit ("length"). */
export type FinishReason = "stop" | "length";

/** A finished generation. */
export interface Generation {
  text: string;
  finishReason: FinishReason;
  /** Tokens sampled (a stop string's own tokens included: the model computed them). */
  completionTokens: number;
}

/** The end of a paragraph: the model's natural end of an answer. */
const PARAGRAPH_END = "\n\n";

/**
 * Generates a continuation of `prompt`, yielding each piece of text as soon as no stop string can still start in
 * it, and returning how it ended.
 *
 * @example
 * const pieces = generate(model, "The provider", { maxTokens: 40, seed: 7 });
 * for (let r = pieces.next(); !r.done; r = pieces.next()) process.stdout.write(r.value);
 */
export function* generate(model: Model, prompt: string, options: GenerateOptions = {}): Generator<string, Generation> {
  const maxTokens = options.maxTokens ?? 128;
  const temperature = options.temperature ?? 0.8;
  const topK = options.topK ?? 20;
  const random: Random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const stops = [...(options.stop ?? []).filter((s) => s.length > 0), PARAGRAPH_END];
  const promptTokens = encode(prompt);
  const context = model.config.context;
  const history = new Uint8Array(context + maxTokens);
  // Only the last `context` tokens of the prompt matter to the network.
  const kept = promptTokens.subarray(Math.max(0, promptTokens.length - context));
  const offset = context - kept.length;
  history.set(kept, offset);
  // Positions before the prompt read as newlines (the start of a document), as in training.
  const act = createActivations(model.config);
  let text = "";
  let emitted = 0;
  let generated = 0;
  while (generated < maxTokens) {
    const end = context + generated;
    forward(model, history, end, act);
    const token = pick(act.logits, temperature, topK, random);
    history[end] = token;
    generated++;
    text += tokenText(token);
    const stopAt = firstStop(text, stops, emitted);
    if (stopAt >= 0) {
      const answer = text.slice(0, stopAt);
      if (answer.length > emitted) yield answer.slice(emitted);
      return { text: answer, finishReason: "stop", completionTokens: generated };
    }
    const safe = text.length - heldBack(text, stops);
    if (safe > emitted) {
      yield text.slice(emitted, safe);
      emitted = safe;
    }
  }
  if (text.length > emitted) yield text.slice(emitted);
  return { text, finishReason: "length", completionTokens: generated };
}

/**
 * Generates a whole answer at once.
 *
 * @example
 * generateText(model, "Services run", { seed: 1 }).text;
 */
export function generateText(model: Model, prompt: string, options: GenerateOptions = {}): Generation {
  const pieces = generate(model, prompt, options);
  for (;;) {
    const r = pieces.next();
    if (r.done) return r.value;
  }
}

/** Where the first stop string starts in `text` (a paragraph end counts only after some text), or -1. */
function firstStop(text: string, stops: string[], from: number): number {
  let best = -1;
  for (const stop of stops) {
    let start = Math.max(0, from - stop.length + 1);
    if (stop === PARAGRAPH_END) {
      const firstText = text.search(/\S/);
      if (firstText < 0) continue;
      start = Math.max(start, firstText);
    }
    const at = text.indexOf(stop, start);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** How many characters at the end of `text` could be the start of a stop string (held back until it is known). */
function heldBack(text: string, stops: string[]): number {
  let held = 0;
  for (const stop of stops)
    for (let n = Math.min(stop.length - 1, text.length); n > held; n--)
      if (stop.startsWith(text.slice(text.length - n))) {
        held = n;
        break;
      }
  return held;
}

/** Draws a token from logits with a temperature and a top-k cut. */
function pick(logits: Float32Array, temperature: number, topK: number, random: Random): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  if (temperature <= 0) return best;
  const order = Array.from(logits.keys());
  const k = topK > 0 ? Math.min(topK, logits.length) : logits.length;
  if (k < logits.length) order.sort((a, b) => (logits[b] as number) - (logits[a] as number));
  const max = logits[best] as number;
  const weights = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    const w = Math.exp(((logits[order[i] as number] as number) - max) / temperature);
    weights[i] = w;
    total += w;
  }
  let r = random() * total;
  for (let i = 0; i < k; i++) {
    r -= weights[i] as number;
    if (r <= 0) return order[i] as number;
  }
  return order[k - 1] as number;
}
