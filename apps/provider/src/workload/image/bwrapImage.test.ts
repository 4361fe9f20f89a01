// The bwrap executor runs an image workload in the image's own root: no container engine.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBwrapExecutor } from "../bwrap.js";
import { temporarySpec } from "../testSpec.js";
import { createImageStore, type ImageStore } from "./store.js";
import { buildTestImage, serveLayoutAsRegistry, TEST_IMAGE_MARKER, type TestRegistry } from "./testImage.js";

let work: string;
let images: ImageStore;
let registry: TestRegistry | undefined;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), "ocx-image-run-"));
  // The sandbox user (nobody) passes through to the image cache.
  chmodSync(work, 0o711);
  const image = buildTestImage(path.join(work, "built"));
  registry = await serveLayoutAsRegistry(image.layout);
  images = createImageStore({ dir: path.join(work, "cache"), layouts: [image.layout], pull: false });
});
afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  await registry?.close();
  rmSync(work, { recursive: true, force: true });
});

async function run(overrides: Parameters<typeof temporarySpec>[0], store: ImageStore = images) {
  const temporary = temporarySpec(overrides);
  cleanups.push(temporary.cleanup);
  const executor = createBwrapExecutor({ images: store });
  const running = await executor.start(temporary.spec);
  const exit = await running.wait();
  return { exit, stdout: temporary.stdout(), stderr: temporary.stderr() };
}

describe("bwrap executor with images", () => {
  it("runs busybox inside the image's root: its files are there, the host's are not", async () => {
    const script = [
      "busybox echo ran-in-image",
      `cat ${TEST_IMAGE_MARKER}`,
      "test -x /bin/busybox && echo has-busybox",
      "test -e /usr/share/doc && echo has-doc || echo no-doc",
      `test -e ${process.execPath} && echo host-node || echo no-host-node`,
      "test -e /usr/lib && echo host-libs || echo no-host-libs",
      'echo "greeting=$IMAGE_GREETING"',
      "pwd",
      "echo written > /job/out.txt && cat /job/out.txt",
      "touch /bin/x 2>/dev/null && echo root-writable || echo root-read-only",
    ].join("; ");
    const { exit, stdout, stderr } = await run({ image: "ocx/busybox", command: ["/bin/sh", "-c", script] });
    expect(stderr).toBe("");
    expect(exit.exitCode).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "ran-in-image",
      "OCX busybox test image",
      "has-busybox",
      "no-doc",
      "no-host-node",
      "no-host-libs",
      "greeting=hello from the image",
      "/job",
      "written",
      "root-read-only",
      "",
    ]);
  });

  it("gives the image workload its own /dev/shm, sized by the memory limit", async () => {
    const { exit, stdout } = await run({
      image: "ocx/busybox",
      command: [
        "/bin/sh",
        "-c",
        'cat /proc/self/mountinfo | while read -r line; do case "$line" in *\' /dev/shm \'*) echo "$line";; esac; done',
      ],
      limits: { memoryMiB: 96 },
    });
    expect(exit.exitCode).toBe(0);
    expect(stdout).toMatch(/ \/dev\/shm .* - tmpfs tmpfs .*size=98304k/);
  });

  it("runs the image's own command in its working folder when the job gives none", async () => {
    const { exit, stdout } = await run({ image: "ocx/busybox:latest", command: [] });
    expect(exit.exitCode).toBe(0);
    expect(stdout).toBe("image command in /usr\n");
  });

  it("pulls the image from a registry on first use", async () => {
    const pulling = createImageStore({ dir: path.join(work, "pulled") });
    const { exit, stdout } = await run(
      { image: `${registry?.host}/ocx/busybox:latest`, command: ["/bin/busybox", "cat", TEST_IMAGE_MARKER] },
      pulling,
    );
    expect(exit.exitCode).toBe(0);
    expect(stdout).toBe("OCX busybox test image\n");
  });

  it("refuses an image it cannot find, naming it", async () => {
    const temporary = temporarySpec({ image: "ocx/missing:1", command: ["true"] });
    cleanups.push(temporary.cleanup);
    await expect(createBwrapExecutor({ images }).start(temporary.spec)).rejects.toThrow(
      /image ocx\/missing:1 is in none of the provider's image layouts/,
    );
    await expect(createBwrapExecutor().start(temporary.spec)).rejects.toThrow(/has no image store/);
  });

  it("runs the command in the host root instead when the provider allows it, saying so", async () => {
    const temporary = temporarySpec({
      image: "ocx/missing:1",
      command: ["/bin/sh", "-c", "test -e /usr/lib && echo host-root"],
    });
    cleanups.push(temporary.cleanup);
    const running = await createBwrapExecutor({ images, imageFallbackToHostRoot: true }).start(temporary.spec);
    expect(running.warnings[0]).toMatch(
      /^image ocx\/missing:1 was not run \(image ocx\/missing:1 is in none .*\); the command runs in the provider's sandbox root instead/,
    );
    expect((await running.wait()).exitCode).toBe(0);
    expect(temporary.stdout()).toBe("host-root\n");
    expect(temporary.stderr()).toMatch(/^\[ocx\] image ocx\/missing:1 was not run .*sandbox root instead/);
  });
});
