// The workload executors and what they share; see types.ts for the contract.
export * from "./bwrap.js";
export * from "./cgroup.js";
export * from "./docker.js";
export * from "./env.js";
export * from "./gpuDevices.js";
export * from "./image/index.js";
export * from "./outputs.js";
export * from "./process.js";
export * from "./reap.js";
export * from "./types.js";
export {
  diskUsage,
  type ExitRecord,
  readExitRecord,
  toWorkloadExit,
  WORKLOAD_MARKER,
  WRAPPER_SCRIPT,
} from "./wrapper.js";
