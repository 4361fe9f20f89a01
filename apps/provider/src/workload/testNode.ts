// Test support: a stand-in for a node process that starts one workload and then waits to be
// killed, so a test can kill -9 "the node" as well as the wrapper. Run with tsx; argv[2] is the
// executor (bwrap, bwrap-without-cgroups, process), argv[3] the WorkloadSpec as JSON; prints {"pid","cgroup"} once it runs.
import { createBwrapExecutor } from "./bwrap.js";
import { createProcessExecutor } from "./process.js";
import type { WorkloadSpec } from "./types.js";

const kind = process.argv[2];
const executor =
  kind === "process"
    ? createProcessExecutor()
    : createBwrapExecutor(kind === "bwrap-without-cgroups" ? { cgroupBase: "/nonexistent-cgroup-root" } : {});
const running = await executor.start(JSON.parse(process.argv[3] as string) as WorkloadSpec);
process.stdout.write(`${JSON.stringify({ pid: running.pid, cgroup: running.cgroup ?? null })}\n`);
setInterval(() => {}, 1 << 30);
