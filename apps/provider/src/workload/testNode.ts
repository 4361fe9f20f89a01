// Test support: a stand-in for a node process that starts one workload and then waits to be
// killed, so a test can kill -9 "the node" as well as the wrapper. Run with tsx; argv[2] is the
// executor name, argv[3] the WorkloadSpec as JSON; prints {"pid","cgroup"} once it runs.
import { createBwrapExecutor } from "./bwrap.js";
import { createProcessExecutor } from "./process.js";
import type { WorkloadSpec } from "./types.js";

const executor = process.argv[2] === "process" ? createProcessExecutor() : createBwrapExecutor();
const running = await executor.start(JSON.parse(process.argv[3] as string) as WorkloadSpec);
process.stdout.write(`${JSON.stringify({ pid: running.pid, cgroup: running.cgroup ?? null })}\n`);
setInterval(() => {}, 1 << 30);
