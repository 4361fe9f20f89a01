import { realpathSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createProcessExecutor } from "./process.js";
import { temporarySpec } from "./testSpec.js";
import type { WorkloadSpec } from "./types.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
const job = (overrides: Partial<WorkloadSpec>) => {
  const made = temporarySpec(overrides);
  cleanups.push(made.cleanup);
  return made;
};
const executor = createProcessExecutor();

describe("process executor (no sandbox)", () => {
  it("runs in the job folder with only the job's environment, and says it has no sandbox", async () => {
    process.env.OCX_NODE_SECRET = "node-private-key";
    const { spec, stdout } = job({
      command: ["sh", "-c", 'pwd; echo "$HOME|$MODEL|$OCX_NODE_SECRET|$LD_PRELOAD|$NVIDIA_VISIBLE_DEVICES"; exit 5'],
      env: { MODEL: "llama", LD_PRELOAD: "/job/evil.so" },
    });
    const running = await executor.start(spec);
    delete process.env.OCX_NODE_SECRET;
    expect(await running.wait()).toEqual({
      exitCode: 5,
      oomKilled: false,
      reason: "exited",
      endedAt: expect.any(Number),
    });
    const jobDir = realpathSync(spec.jobDir);
    expect(stdout()).toBe(`${jobDir}\n${spec.jobDir}|llama|||void\n`);
    expect(running.warnings).toContain(
      "environment variable LD_PRELOAD dropped: the process executor does not pass loader variables",
    );
    expect(running.warnings).toContain("no sandbox: the job can read and write whatever the node's user can");
  });

  it("survives the node and is found again by attach()", async () => {
    const { spec, stdout } = job({ command: ["sh", "-c", "sleep 1; echo done; exit 3"] });
    const started = await executor.start(spec);
    const record = { pid: started.pid, ...(started.cgroup ? { cgroup: started.cgroup } : {}), spec };
    const attached = await createProcessExecutor().attach(record);
    expect(await attached?.wait()).toEqual({
      exitCode: 3,
      oomKilled: false,
      reason: "exited",
      endedAt: expect.any(Number),
    });
    expect(stdout()).toBe("done\n");
  });

  it("stop() ends the whole process tree", async () => {
    const { spec } = job({ command: ["sh", "-c", "sleep 60 & sleep 60; wait"] });
    const running = await executor.start(spec);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exit = await running.stop(1000);
    expect(exit).toMatchObject({ reason: "stopped", oomKilled: false });
  });
});
