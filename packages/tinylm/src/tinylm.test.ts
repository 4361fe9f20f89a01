// The tiny model: tokenizer round trips, training lowers the loss on held-out text, sampling is seeded and obeys
// its limits, and the shipped weights load and generate.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  countTokens,
  DEFAULT_CONFIG,
  decode,
  encode,
  generate,
  generateText,
  parameterCount,
  parseWeights,
  SHIPPED_WEIGHTS,
  train,
  UNKNOWN,
} from "./index.js";

const corpus = readFileSync(new URL("../corpus/ocx-docs.txt", import.meta.url), "utf8");
const shipped = parseWeights(JSON.parse(readFileSync(SHIPPED_WEIGHTS, "utf8")));

describe("tokenizer", () => {
  it("is one token per character; printable ASCII and newlines round trip", () => {
    const text = "A lease runs `ocx deploy` ~ {x: 1}\nnext line";
    expect(encode(text).length).toBe(text.length);
    expect(decode(encode(text))).toBe(text);
    expect(countTokens(text)).toBe(text.length);
  });

  it("counts a character outside ASCII (even a surrogate pair) as one unknown token; drops \\r", () => {
    expect([...encode("é😀\r\n")]).toEqual([UNKNOWN, UNKNOWN, 0]);
    expect(countTokens("é😀\r\n")).toBe(3);
    expect(decode(encode("é"))).toBe("?");
  });
});

describe("training", () => {
  it("lowers the held-out loss well below the untrained model's", () => {
    const result = train(corpus.slice(0, 40_000), { steps: 150, seed: 5, reportEvery: 50 });
    expect(result.validationLoss).toBeLessThan(result.initialValidationLoss - 1);
  }, 60_000);
});

describe("sampling", () => {
  it("gives the same text for the same seed, and honours max tokens", () => {
    const a = generateText(shipped.model, "The provider ", { seed: 11, maxTokens: 30, stop: [] });
    const b = generateText(shipped.model, "The provider ", { seed: 11, maxTokens: 30, stop: [] });
    expect(a).toEqual(b);
    expect(a.completionTokens).toBeLessThanOrEqual(30);
    if (a.finishReason === "length") expect(a.text.length).toBe(30);
  });

  it("greedy decoding (temperature 0) needs no seed", () => {
    const a = generateText(shipped.model, "Services ", { temperature: 0, maxTokens: 20 });
    const b = generateText(shipped.model, "Services ", { temperature: 0, maxTokens: 20, seed: 99 });
    expect(a.text).toBe(b.text);
  });

  it("stops before a stop string, and streams pieces that add up to the answer", () => {
    const full = generateText(shipped.model, "The ", { seed: 2, maxTokens: 60 });
    const stop = full.text.trim().slice(3, 5);
    const pieces: string[] = [];
    const run = generate(shipped.model, "The ", { seed: 2, maxTokens: 60, stop: [stop] });
    let r = run.next();
    for (; !r.done; r = run.next()) pieces.push(r.value);
    expect(r.value.finishReason).toBe("stop");
    expect(r.value.text).not.toContain(stop);
    expect(pieces.join("")).toBe(r.value.text);
    expect(full.text.startsWith(r.value.text)).toBe(true);
  });
});

describe("shipped weights", () => {
  it("are the default shape, trained on the shipped corpus, and predict it far better than chance", () => {
    expect(shipped.model.config).toEqual(DEFAULT_CONFIG);
    expect(shipped.model.parameters.length).toBe(parameterCount(DEFAULT_CONFIG));
    expect(shipped.training.characters).toBe(corpus.length);
    // Chance is ln(97) = 4.57 nats per character.
    expect(shipped.training.validationLoss).toBeLessThan(2.5);
  });
});
