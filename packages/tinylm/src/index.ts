// @ocx/tinylm: a tiny character-level language model that trains and runs on one CPU core.
export { type FinishReason, type GenerateOptions, type Generation, generate, generateText } from "./generate.js";
export {
  createActivations,
  DEFAULT_CONFIG,
  forward,
  initModel,
  type Model,
  type ModelConfig,
  modelFromParameters,
  parameterCount,
} from "./model.js";
export { type Random, seededRandom } from "./random.js";
export { countTokens, decode, encode, NEWLINE, UNKNOWN, VOCAB_SIZE } from "./tokenizer.js";
export { evaluate, type TrainOptions, type TrainResult, train } from "./train.js";
export {
  type LoadedModel,
  loadWeights,
  parseWeights,
  SHIPPED_WEIGHTS,
  saveWeights,
  sha256Hex,
  WEIGHTS_FORMAT,
  type WeightsFile,
} from "./weights.js";
