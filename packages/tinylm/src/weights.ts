// The weights file: a JSON document with the model's shape, how it was trained, and its parameters as
// little-endian float32 in base64. One file, readable by any JSON parser, a third larger than raw bytes.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { type Model, type ModelConfig, modelFromParameters } from "./model.js";

/** Identifies the file format. */
export const WEIGHTS_FORMAT = "ocx-tinylm/1";

/** The JSON of a weights file. */
export interface WeightsFile {
  format: typeof WEIGHTS_FORMAT;
  /** The model's name as servers list it (`/v1/models`). */
  name: string;
  config: ModelConfig;
  /** What it was trained on and how, with what was measured. */
  training: {
    corpus: string;
    corpusSha256: string;
    characters: number;
    steps: number;
    batch: number;
    seed: number;
    trainLoss: number;
    validationLoss: number;
    initialValidationLoss: number;
    seconds: number;
  };
  /** base64 of the parameters as little-endian float32. */
  parameters: string;
}

/** A loaded model with its name and training record. */
export interface LoadedModel {
  name: string;
  model: Model;
  training: WeightsFile["training"];
}

/** SHA-256 of a text, hex: names the corpus a model was trained on. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Serialises a model and its training record.
 *
 * @example
 * await saveWeights("weights/ocx-docs.json", { name: "ocx-tinylm-docs", model, training });
 */
export async function saveWeights(file: string, loaded: LoadedModel): Promise<void> {
  const bytes = Buffer.alloc(loaded.model.parameters.length * 4);
  loaded.model.parameters.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  const json: WeightsFile = {
    format: WEIGHTS_FORMAT,
    name: loaded.name,
    config: loaded.model.config,
    training: loaded.training,
    parameters: bytes.toString("base64"),
  };
  await writeFile(file, `${JSON.stringify(json, null, 1)}\n`);
}

/**
 * Parses a weights file's JSON into a model, with a clear error when it is not one.
 *
 * @example
 * const { model } = parseWeights(JSON.parse(readFileSync("weights/ocx-docs.json", "utf8")));
 */
export function parseWeights(json: unknown, source = "the weights"): LoadedModel {
  const file = json as Partial<WeightsFile> | null;
  if (file?.format !== WEIGHTS_FORMAT || typeof file.parameters !== "string" || !file.config || !file.training)
    throw new Error(
      `${source} is not an ${WEIGHTS_FORMAT} weights file: train one with \`npm run train -w @ocx/tinylm\``,
    );
  const bytes = Buffer.from(file.parameters, "base64");
  const parameters = new Float32Array(bytes.length / 4);
  for (let i = 0; i < parameters.length; i++) parameters[i] = bytes.readFloatLE(i * 4);
  return { name: file.name ?? "tinylm", model: modelFromParameters(file.config, parameters), training: file.training };
}

/** Reads and parses a weights file. */
export async function loadWeights(file: string): Promise<LoadedModel> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the weights file ${file}: ${error.code ?? error.message}`);
  });
  return parseWeights(JSON.parse(text), file);
}

/** The path of the weights shipped with this package (trained on OCX's docs). */
export const SHIPPED_WEIGHTS = new URL("../weights/ocx-docs.json", import.meta.url);
