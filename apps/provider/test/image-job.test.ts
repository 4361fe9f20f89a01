// A job whose manifest names an image runs in that image's root on a real node: the image is an
// OCI layout archive built from Debian's busybox-static, preloaded in the provider's config.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseManifest, resolveInputs, runJob } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestImage, TEST_IMAGE_MARKER } from "../src/workload/image/testImage.js";
import { BUYER, type Market, startMarket } from "./harness.js";

describe("image jobs on the bwrap executor", () => {
  let market: Market | undefined;
  let work: string | undefined;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "ocx-image-job-"));
    const image = buildTestImage(work);
    market = await startMarket(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }
images: { layouts: ["${image.archive}"], pull: false }
`);
  });
  afterAll(async () => {
    await market?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("runs `busybox echo` inside the image: the image's files are there, the host's are not", async () => {
    if (!market) throw new Error("the market did not start");
    const dir = await mkdtemp(path.join(tmpdir(), "ocx-image-job-buyer-"));
    try {
      const manifest = await resolveInputs(
        parseManifest(`version: 1
name: busybox
image: ocx/busybox
command: [/bin/busybox, sh, -c, "busybox echo hello from busybox; cat ${TEST_IMAGE_MARKER}; test -e /usr/bin/node || echo no-host-node; mkdir -p out; busybox echo done > out/r.txt"]
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 5m
maxPricePerGpuHour: "3.6"
`),
        dir,
      );
      const { net } = market;
      let logs = "";
      const result = await runJob({
        publicClient: net.publicClient,
        walletClient: net.wallet(BUYER),
        account: privateKeyToAccount(net.key(BUYER)),
        deployment: net.deployment,
        manifest,
        baseDir: dir,
        resultsDir: dir,
        pollMs: 50,
        onEvent: (event) => {
          if (event.type === "log") logs += new TextDecoder().decode(event.chunk);
        },
      });
      expect(logs).toBe("hello from busybox\nOCX busybox test image\nno-host-node\n");
      expect(result.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
