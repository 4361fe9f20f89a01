// GPU model ids as providers publish them ("nvidia-a100-80gb"), from the names other systems use:
// Akash SDL's vendor/model/ram ("nvidia", "a100", "80Gi"). The provider derives its ids from
// nvidia-smi's product name and VRAM (apps/provider/src/gpu/detect.ts, gpuModelId); this table
// is the other side of that rule.

/**
 * The VRAM sizes (marketing GB) each chip is sold with, keyed by the chip as it appears in a
 * provider's model id (`nvidia-<chip>-<gb>gb`). A model named without its memory size matches
 * every size listed here.
 */
export const GPU_VRAM_GB: Readonly<Record<string, readonly number[]>> = {
  "nvidia-a10": [24],
  "nvidia-a100": [40, 80],
  "nvidia-a10g": [24],
  "nvidia-a16": [16],
  "nvidia-a2": [16],
  "nvidia-a30": [24],
  "nvidia-a40": [48],
  "nvidia-b200": [180, 192],
  "nvidia-gh200": [96, 144],
  "nvidia-h100": [80],
  "nvidia-h100-nvl": [94],
  "nvidia-h200": [141],
  "nvidia-h800": [80],
  "nvidia-l4": [24],
  "nvidia-l40": [48],
  "nvidia-l40s": [48],
  "nvidia-p100": [12, 16],
  "nvidia-p40": [24],
  "nvidia-rtx-3060": [12],
  "nvidia-rtx-3060-ti": [8],
  "nvidia-rtx-3070": [8],
  "nvidia-rtx-3080": [10, 12],
  "nvidia-rtx-3090": [24],
  "nvidia-rtx-3090-ti": [24],
  "nvidia-rtx-4070": [12],
  "nvidia-rtx-4080": [16],
  "nvidia-rtx-4090": [24],
  "nvidia-rtx-5090": [32],
  "nvidia-rtx-6000-ada": [48],
  "nvidia-rtx-a4000": [16],
  "nvidia-rtx-a5000": [24],
  "nvidia-rtx-a6000": [48],
  "nvidia-t4": [16],
  "nvidia-v100": [16, 32],
};

/** Akash model names whose chip is spelled otherwise in nvidia-smi's product name. */
const AKASH_ALIASES: Readonly<Record<string, string>> = {
  a4000: "rtx-a4000",
  a5000: "rtx-a5000",
  a6000: "rtx-a6000",
  rtx6000ada: "rtx-6000-ada",
  "6000ada": "rtx-6000-ada",
  h100nvl: "h100-nvl",
};

/**
 * The chip part of a model id from a model name as people write it: lowercase, the product
 * line split from the number the way nvidia-smi writes it ("rtx4090" → "rtx-4090",
 * "RTX 3090 Ti" → "rtx-3090-ti", "rtxa6000" → "rtx-a6000").
 * @example
 * gpuChipName("rtx4090"); // "rtx-4090"
 * gpuChipName("A100"); // "a100"
 */
export function gpuChipName(model: string): string {
  const words = model
    .toLowerCase()
    .split(/[\s_\-/]+/)
    .filter((word) => word !== "");
  const joined = words.join("");
  const alias = AKASH_ALIASES[joined];
  if (alias !== undefined) return alias;
  return words
    .flatMap((word) => {
      const line = /^(rtx|gtx|quadro)([a-z]?\d{3,4})(ti|super|ada)?$/.exec(word);
      if (!line) return [word];
      return [line[1] as string, line[2] as string, ...(line[3] ? [line[3]] : [])];
    })
    .join("-");
}

/** The result of {@link gpuModelIds}: the ids, and whether the chip is one OCX knows. */
export interface GpuModelIds {
  ids: string[];
  /** False when the chip is not in {@link GPU_VRAM_GB}: the id is built by the rule alone. */
  known: boolean;
}

/**
 * The provider model ids that a vendor, model and (optional) VRAM in GB stand for. Without
 * VRAM, every size the chip is sold with; for a chip OCX does not know, the id the provider's
 * rule would give (`<vendor>-<chip>-<gb>gb`), or no id when the VRAM is unknown too.
 * @example
 * gpuModelIds("nvidia", "a100", 80).ids; // ["nvidia-a100-80gb"]
 * gpuModelIds("nvidia", "a100").ids; // ["nvidia-a100-40gb", "nvidia-a100-80gb"]
 * gpuModelIds("nvidia", "rtx4090").ids; // ["nvidia-rtx-4090-24gb"]
 */
export function gpuModelIds(vendor: string, model: string, vramGb?: number): GpuModelIds {
  const chip = `${vendor.toLowerCase()}-${gpuChipName(model)}`;
  const sizes = GPU_VRAM_GB[chip];
  if (vramGb !== undefined) return { ids: [`${chip}-${vramGb}gb`], known: sizes !== undefined };
  if (sizes === undefined) return { ids: [], known: false };
  return { ids: sizes.map((gb) => `${chip}-${gb}gb`), known: true };
}
