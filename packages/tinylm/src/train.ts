// Training: minibatch Adam on next-character prediction over a text, with a held-out tail to measure how well the
// model predicts text it has not seen. Deterministic for a seed (one thread, seeded initialisation and batches).
import {
  backward,
  createActivations,
  createBackwardScratch,
  DEFAULT_CONFIG,
  forward,
  initModel,
  type Model,
  type ModelConfig,
  modelFromParameters,
} from "./model.js";
import { seededRandom } from "./random.js";
import { encode } from "./tokenizer.js";

/** Settings of a training run. */
export interface TrainOptions {
  /** The model's shape. Default {@link DEFAULT_CONFIG}. */
  config?: ModelConfig;
  /** Minibatches to train on. Default 6,000. */
  steps?: number;
  /** Examples (positions of the text) per minibatch. Default 32. */
  batch?: number;
  /** Adam's learning rate at the start; it decays linearly to a tenth by the last step. Default 0.01. */
  learningRate?: number;
  /** Seeds the initial weights and the order of the examples. Default 1. */
  seed?: number;
  /** Share of the text (its tail) kept out of training to measure the validation loss. Default 0.05. */
  validationShare?: number;
  /** Called every `reportEvery` steps with the mean training loss since the last call. */
  onProgress?: (step: number, loss: number) => void;
  /** Default 500. */
  reportEvery?: number;
}

/** What a training run produced and measured. */
export interface TrainResult {
  model: Model;
  steps: number;
  batch: number;
  seed: number;
  /** Mean cross-entropy (nats per character) over the last report interval. */
  trainLoss: number;
  /** Mean cross-entropy on the held-out tail, at most 20,000 positions of it. */
  validationLoss: number;
  /** The validation loss of the untrained model, for comparison. */
  initialValidationLoss: number;
  seconds: number;
}

/**
 * Trains a new model on a text.
 *
 * @example
 * const { model, validationLoss } = train(readFileSync("corpus/ocx-docs.txt", "utf8"), { steps: 200 });
 */
export function train(text: string, options: TrainOptions = {}): TrainResult {
  const started = performance.now();
  const config = options.config ?? DEFAULT_CONFIG;
  const steps = options.steps ?? 6_000;
  const batch = options.batch ?? 32;
  const baseRate = options.learningRate ?? 0.01;
  const seed = options.seed ?? 1;
  const reportEvery = options.reportEvery ?? 500;
  const tokens = encode(text);
  const validationStart = Math.floor(tokens.length * (1 - (options.validationShare ?? 0.05)));
  if (validationStart < 2 || tokens.length - validationStart < 2)
    throw new Error(`the training text is too short (${tokens.length} characters): give it at least a few hundred`);
  const random = seededRandom(seed);
  const model = initModel(config, random);
  const gradient = modelFromParameters(config, new Float32Array(model.parameters.length));
  const m = new Float32Array(model.parameters.length);
  const v = new Float32Array(model.parameters.length);
  const act = createActivations(config);
  const scratch = createBackwardScratch(config);
  const initialValidationLoss = evaluate(model, tokens, validationStart, tokens.length);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let lossSum = 0;
  let lossCount = 0;
  let trainLoss = Number.NaN;
  const p = model.parameters;
  const g = gradient.parameters;
  for (let step = 1; step <= steps; step++) {
    g.fill(0);
    for (let b = 0; b < batch; b++) {
      const end = 1 + Math.floor(random() * (validationStart - 1));
      forward(model, tokens, end, act);
      lossSum += backward(model, tokens, end, act, gradient, scratch);
      lossCount++;
    }
    const rate = baseRate * (1 - (0.9 * (step - 1)) / steps);
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    for (let i = 0; i < p.length; i++) {
      const gi = (g[i] as number) / batch;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = (p[i] as number) - (rate * (mi / correction1)) / (Math.sqrt(vi / correction2) + 1e-8);
    }
    if (step % reportEvery === 0 || step === steps) {
      trainLoss = lossSum / lossCount;
      options.onProgress?.(step, trainLoss);
      lossSum = 0;
      lossCount = 0;
    }
  }
  return {
    model,
    steps,
    batch,
    seed,
    trainLoss,
    validationLoss: evaluate(model, tokens, validationStart, tokens.length),
    initialValidationLoss,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Mean cross-entropy (nats per character) of predicting tokens[from..to) (at most 20,000 of them). */
export function evaluate(model: Model, tokens: Uint8Array, from: number, to: number): number {
  const act = createActivations(model.config);
  const last = Math.min(to, from + 20_000);
  let sum = 0;
  for (let end = from; end < last; end++) {
    forward(model, tokens, end, act);
    const { logits } = act;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += Math.exp((logits[i] as number) - max);
    sum += Math.log(total) + max - (logits[tokens[end] as number] as number);
  }
  return sum / (last - from);
}
