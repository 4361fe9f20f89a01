// Measures the image path on this machine (not shipped; a script):
//   node --import tsx apps/provider/src/workload/image/bench.ts
// building the busybox test image, importing it cold, resolving it warm, pulling it over HTTP,
// and the start-to-exit time of `/bin/true` in the host root and in the image root (median of 10).
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBwrapExecutor } from "../bwrap.js";
import { temporarySpec } from "../testSpec.js";
import { createImageStore } from "./store.js";
import { buildTestImage, serveLayoutAsRegistry } from "./testImage.js";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const timed = async <T>(work: () => Promise<T> | T): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

const work = mkdtempSync(path.join(os.tmpdir(), "ocx-image-bench-"));
try {
  chmodSync(work, 0o711);
  let image: ReturnType<typeof buildTestImage> | undefined;
  const buildMs = await timed(() => {
    image = buildTestImage(path.join(work, "built"));
  });
  if (!image) throw new Error("no image");
  const images = createImageStore({ dir: path.join(work, "cache"), layouts: [image.layout], pull: false });
  const importColdMs = await timed(() => images.resolve("ocx/busybox"));
  const resolveWarmMs = await timed(() => images.resolve("ocx/busybox"));
  const registry = await serveLayoutAsRegistry(image.layout);
  const pullMs = await timed(() =>
    createImageStore({ dir: path.join(work, "pulled") }).resolve(`${registry.host}/ocx/busybox:latest`),
  );
  await registry.close();
  const executor = createBwrapExecutor({ images });
  const runs = { hostRoot: [] as number[], imageRoot: [] as number[] };
  for (let round = 0; round < 10; round++) {
    for (const kind of ["hostRoot", "imageRoot"] as const) {
      const temporary = temporarySpec(
        kind === "imageRoot" ? { image: "ocx/busybox", command: ["/bin/true"] } : { command: ["/bin/true"] },
      );
      try {
        runs[kind].push(await timed(async () => (await executor.start(temporary.spec)).wait()));
      } finally {
        temporary.cleanup();
      }
    }
  }
  console.log(
    JSON.stringify({
      buildMs: Math.round(buildMs),
      importColdMs: Math.round(importColdMs),
      resolveWarmMs: Number(resolveWarmMs.toFixed(2)),
      pullOverHttpMs: Math.round(pullMs),
      startToExitMedianMs: {
        hostRoot: Math.round(median(runs.hostRoot)),
        imageRoot: Math.round(median(runs.imageRoot)),
      },
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
