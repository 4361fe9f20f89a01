// @ocx/provider: the provider node, for embedding (tests, `ocx devnet`) and for the `ocx-provider` process.
export { ConfigError, configTemplate, loadConfig, type ProviderConfig, parseConfig } from "./config.js";
export { describeHardware, type Hardware } from "./hardware.js";
export { type Ingress, type IngressBackend, type IngressEndpoint, startIngress } from "./ingress/index.js";
export { LEASE_MACHINE, type LeasePhase, TransitionError } from "./leases/machine.js";
export { RESERVATION_MACHINE } from "./market/reservation.js";
export { type ProviderNode, startProvider, VERSION } from "./service.js";
export {
  createServiceRuntime,
  type ServiceEndpoint,
  type ServiceRuntime,
  type ServiceStatus,
  serviceEndpoints,
} from "./services/index.js";
export { createBwrapExecutor } from "./workload/bwrap.js";
export { createDockerExecutor } from "./workload/docker.js";
export { createProcessExecutor } from "./workload/process.js";
export type { Executor, RunningWorkload, WorkloadExit, WorkloadSpec } from "./workload/types.js";
