// The network: a character-level MLP language model (Bengio et al. 2003). The last `context` tokens are looked
// up in an embedding table, concatenated, passed through one tanh layer, and projected to logits over the
// vocabulary. All parameters live in one Float32Array so a model is saved, loaded and updated as one block.
import { gaussian, type Random } from "./random.js";
import { NEWLINE, VOCAB_SIZE } from "./tokenizer.js";

/** The shape of a model. */
export interface ModelConfig {
  /** Tokens of history the model sees. */
  context: number;
  /** Size of a token's embedding. */
  embedding: number;
  /** Units of the hidden layer. */
  hidden: number;
  /** Number of tokens (the tokenizer's {@link VOCAB_SIZE}). */
  vocab: number;
}

/** The shape of the shipped model: 12 characters of context, 32,237 parameters (129 KB as float32). */
export const DEFAULT_CONFIG: ModelConfig = { context: 12, embedding: 12, hidden: 128, vocab: VOCAB_SIZE };

/** A model: its shape and its parameters, with views of each tensor into the one array. */
export interface Model {
  config: ModelConfig;
  /** Every parameter, in the order embeddings, w1, b1, w2, b2. */
  parameters: Float32Array;
  /** vocab × embedding. */
  embeddings: Float32Array;
  /** hidden × (context · embedding), row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** vocab × hidden, row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/** How many parameters a model of this shape has. */
export function parameterCount(c: ModelConfig): number {
  return c.vocab * c.embedding + c.hidden * c.context * c.embedding + c.hidden + c.vocab * c.hidden + c.vocab;
}

/**
 * Wraps a parameter array (for instance loaded from a weights file) as a model of this shape.
 *
 * @example
 * const model = modelFromParameters(DEFAULT_CONFIG, new Float32Array(parameterCount(DEFAULT_CONFIG)));
 */
export function modelFromParameters(config: ModelConfig, parameters: Float32Array): Model {
  if (parameters.length !== parameterCount(config))
    throw new Error(
      `the weights hold ${parameters.length} parameters, but a model of shape ${JSON.stringify(config)} has ${parameterCount(config)}: they were trained for another shape`,
    );
  let offset = 0;
  const take = (n: number) => {
    const view = parameters.subarray(offset, offset + n);
    offset += n;
    return view;
  };
  const input = config.context * config.embedding;
  return {
    config,
    parameters,
    embeddings: take(config.vocab * config.embedding),
    w1: take(config.hidden * input),
    b1: take(config.hidden),
    w2: take(config.vocab * config.hidden),
    b2: take(config.vocab),
  };
}

/**
 * A new model with small random weights (scaled by each layer's fan-in), the same for the same seed.
 *
 * @example
 * const model = initModel(DEFAULT_CONFIG, seededRandom(1));
 */
export function initModel(config: ModelConfig, random: Random): Model {
  const model = modelFromParameters(config, new Float32Array(parameterCount(config)));
  const fill = (tensor: Float32Array, scale: number) => {
    for (let i = 0; i < tensor.length; i++) tensor[i] = gaussian(random) * scale;
  };
  fill(model.embeddings, 1);
  fill(model.w1, 1 / Math.sqrt(config.context * config.embedding));
  fill(model.w2, 1 / Math.sqrt(config.hidden));
  return model;
}

/** Scratch buffers for one forward pass, reused across calls so inference allocates nothing per token. */
export interface Activations {
  input: Float32Array;
  hidden: Float32Array;
  logits: Float32Array;
}

/** Allocates the buffers a forward pass of this model writes into. */
export function createActivations(config: ModelConfig): Activations {
  return {
    input: new Float32Array(config.context * config.embedding),
    hidden: new Float32Array(config.hidden),
    logits: new Float32Array(config.vocab),
  };
}

/**
 * Runs the network on the `context` tokens of `history` that end just before `end` (positions before the start
 * read as newlines, as at the start of a document) and leaves the next token's logits in `out.logits`.
 */
export function forward(model: Model, history: ArrayLike<number>, end: number, out: Activations): void {
  const { context, embedding, hidden, vocab } = model.config;
  const { input, logits } = out;
  const h = out.hidden;
  for (let j = 0; j < context; j++) {
    const position = end - context + j;
    const token = position >= 0 ? (history[position] as number) : NEWLINE;
    input.set(model.embeddings.subarray(token * embedding, (token + 1) * embedding), j * embedding);
  }
  const inputSize = context * embedding;
  const { w1, b1, w2, b2 } = model;
  for (let u = 0; u < hidden; u++) {
    let sum = b1[u] as number;
    const row = u * inputSize;
    for (let i = 0; i < inputSize; i++) sum += (w1[row + i] as number) * (input[i] as number);
    h[u] = Math.tanh(sum);
  }
  for (let v = 0; v < vocab; v++) {
    let sum = b2[v] as number;
    const row = v * hidden;
    for (let u = 0; u < hidden; u++) sum += (w2[row + u] as number) * (h[u] as number);
    logits[v] = sum;
  }
}

/** Scratch buffers of {@link backward}: the gradients of the hidden layer and of the input. */
export interface BackwardScratch {
  dHidden: Float32Array;
  dInput: Float32Array;
}

/** Allocates the scratch buffers {@link backward} needs for this model. */
export function createBackwardScratch(config: ModelConfig): BackwardScratch {
  return { dHidden: new Float32Array(config.hidden), dInput: new Float32Array(config.context * config.embedding) };
}

/**
 * Adds to `gradient` (shaped like `model.parameters`) the gradient of the cross-entropy of predicting
 * `history[end]`, after a {@link forward} pass at `end` left its activations in `act`; returns that loss (nats).
 */
export function backward(
  model: Model,
  history: ArrayLike<number>,
  end: number,
  act: Activations,
  gradient: Model,
  scratch: BackwardScratch,
): number {
  const { context, embedding, hidden, vocab } = model.config;
  const { input, logits } = act;
  const h = act.hidden;
  const target = history[end] as number;
  // Softmax in place, shifted by the largest logit for stability.
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[v] as number);
  let total = 0;
  for (let v = 0; v < vocab; v++) {
    const e = Math.exp((logits[v] as number) - max);
    logits[v] = e;
    total += e;
  }
  const loss = -Math.log(Math.max((logits[target] as number) / total, 1e-30));
  const { dHidden, dInput } = scratch;
  dHidden.fill(0);
  dInput.fill(0);
  const { w1, w2 } = model;
  for (let v = 0; v < vocab; v++) {
    const dLogit = (logits[v] as number) / total - (v === target ? 1 : 0);
    gradient.b2[v] = (gradient.b2[v] as number) + dLogit;
    const row = v * hidden;
    for (let u = 0; u < hidden; u++) {
      gradient.w2[row + u] = (gradient.w2[row + u] as number) + dLogit * (h[u] as number);
      dHidden[u] = (dHidden[u] as number) + dLogit * (w2[row + u] as number);
    }
  }
  const inputSize = context * embedding;
  for (let u = 0; u < hidden; u++) {
    const hu = h[u] as number;
    const dPre = (dHidden[u] as number) * (1 - hu * hu);
    if (dPre === 0) continue;
    gradient.b1[u] = (gradient.b1[u] as number) + dPre;
    const row = u * inputSize;
    for (let i = 0; i < inputSize; i++) {
      gradient.w1[row + i] = (gradient.w1[row + i] as number) + dPre * (input[i] as number);
      dInput[i] = (dInput[i] as number) + dPre * (w1[row + i] as number);
    }
  }
  for (let j = 0; j < context; j++) {
    const position = end - context + j;
    const token = position >= 0 ? (history[position] as number) : NEWLINE;
    const base = token * embedding;
    for (let k = 0; k < embedding; k++)
      gradient.embeddings[base + k] = (gradient.embeddings[base + k] as number) + (dInput[j * embedding + k] as number);
  }
  return loss;
}
