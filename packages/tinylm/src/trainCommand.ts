#!/usr/bin/env node
// Trains a model on a text file and writes its weights: `node dist/trainCommand.js --corpus FILE --out FILE
// [--steps N] [--seed N] [--name NAME]`. Also what a training job runs.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { train } from "./train.js";
import { saveWeights, sha256Hex } from "./weights.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    out: { type: "string" },
    steps: { type: "string", default: "6000" },
    seed: { type: "string", default: "1" },
    name: { type: "string", default: "ocx-tinylm-docs" },
  },
});
if (!values.corpus || !values.out) {
  console.error("usage: trainCommand --corpus FILE --out FILE [--steps N] [--seed N] [--name NAME]");
  process.exit(2);
}
const steps = Number(values.steps);
const seed = Number(values.seed);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`--steps ${values.steps} is not a positive whole number`);
  process.exit(2);
}
const text = await readFile(values.corpus, "utf8");
console.error(`training on ${values.corpus} (${text.length} characters), ${steps} steps, seed ${seed}`);
const result = train(text, {
  steps,
  seed,
  onProgress: (step, loss) => console.error(`step ${step}: training loss ${loss.toFixed(3)} nats/char`),
});
await saveWeights(values.out, {
  name: values.name,
  model: result.model,
  training: {
    corpus: path.basename(values.corpus),
    corpusSha256: sha256Hex(text),
    characters: text.length,
    steps: result.steps,
    batch: result.batch,
    seed: result.seed,
    trainLoss: Number(result.trainLoss.toFixed(4)),
    validationLoss: Number(result.validationLoss.toFixed(4)),
    initialValidationLoss: Number(result.initialValidationLoss.toFixed(4)),
    seconds: Number(result.seconds.toFixed(1)),
  },
});
console.error(
  `validation loss ${result.validationLoss.toFixed(3)} nats/char (untrained ${result.initialValidationLoss.toFixed(3)}), ${result.seconds.toFixed(1)} s; wrote ${values.out}`,
);
