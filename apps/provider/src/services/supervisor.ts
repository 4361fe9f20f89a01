// The supervisor of one service: starts it once the services it depends on are healthy, runs its
// health check, restarts it by its policy with exponential back-off, and stops it for good when it
// crash-loops (too many restarts in too short a time) or fills a volume. Every change of its state
// goes through the service machine's table, and is logged with its reason.
import { writeFileSync } from "node:fs";
import type { Logger } from "@ocx/node-kit";
import { defineMachine } from "../leases/machine.js";
import type { RunningWorkload, WorkloadExit } from "../workload/types.js";
import type { ServiceExit, ServiceSpec, ServiceState, ServiceStatus } from "./types.js";

/**
 * The service machine. `crash-looping` and `stopped` are final for the run of the lease: a
 * service in them does not come back by itself.
 */
export const SERVICE_MACHINE = defineMachine<ServiceState>("service", {
  starting: {
    healthy: "its health check passed (or it has none)",
    unhealthy: "its health check failed too often in a row",
    restarting: "it ended; restarting by its policy after a back-off",
    "crash-looping": "it restarted too often in too short a time",
    stopped: "it ended and its policy does not restart it, or the lease ended",
  },
  healthy: {
    unhealthy: "its health check failed too often in a row",
    restarting: "it ended; restarting by its policy after a back-off",
    "crash-looping": "it restarted too often in too short a time",
    stopped: "it ended and its policy does not restart it, or the lease ended",
  },
  unhealthy: {
    healthy: "its health check passes again",
    restarting: "restarted for failing its health check, or it ended",
    "crash-looping": "it restarted too often in too short a time",
    stopped: "it ended and its policy does not restart it, or the lease ended",
  },
  restarting: {
    starting: "started again after its back-off",
    stopped: "the lease ended during the back-off",
  },
  "crash-looping": {},
  stopped: {},
});

/** Restart and crash-loop tuning; the defaults suit real services, tests shorten them. */
export interface RestartTuning {
  /** First back-off in ms; doubled after each consecutive failed run. Default 500. */
  backoffMs: number;
  /** Longest back-off in ms. Default 30 000. */
  maxBackoffMs: number;
  /** This many restarts within `crashLoopWindowMs` make a crash loop. Default 5. */
  crashLoopRestarts: number;
  /** Default 60 000; a run that lasted this long also resets the back-off. */
  crashLoopWindowMs: number;
}

export const DEFAULT_RESTART_TUNING: RestartTuning = {
  backoffMs: 500,
  maxBackoffMs: 30_000,
  crashLoopRestarts: 5,
  crashLoopWindowMs: 60_000,
};

/** What a supervisor needs from the lease's runtime. */
export interface SupervisorDeps {
  spec: ServiceSpec;
  log: Logger;
  tuning: RestartTuning;
  /** Starts one run of the service. */
  launch(): Promise<RunningWorkload>;
  /** Runs its health probe once. */
  probe(): Promise<{ ok: boolean; detail: string }>;
  /** Resolves when service `name` is healthy; never when it will not be. */
  healthyDep(name: string): Promise<void>;
  /** Where the supervisor records its run (pid, restarts, state), for a node restart. */
  recordFile: string;
  /** Called on every change of state. */
  changed(): void;
}

/** What a supervisor persists. */
export interface ServiceRecord {
  pid: number | null;
  restarts: number;
  state: ServiceState;
  reason: string;
  lastExit: ServiceExit | null;
  startedAt: number | null;
  /** Times (ms since the epoch) of the restarts inside the crash-loop window: a node restart does not reset the count. */
  recentRestarts?: number[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Why a run ended, in words. */
export function describeExit(exit: WorkloadExit): string {
  if (exit.message) return exit.message;
  if (exit.oomKilled) return "killed for exceeding the lease's memory limit";
  if (exit.signal) return `ended by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}

/** Builds the supervisor of one service. Call `start()` (or `adopt()` after a node restart). */
export function createSupervisor(deps: SupervisorDeps) {
  const { spec, log, tuning } = deps;
  let state: ServiceState = "starting";
  let reason = spec.dependsOn.length > 0 ? `waiting for ${spec.dependsOn.join(", ")} to be healthy` : "starting";
  let restarts = 0;
  let lastExit: ServiceExit | null = null;
  let startedAt: number | null = null;
  let workload: RunningWorkload | undefined;
  let halted = false;
  /** Why the node ended the current run itself (unhealthy, volume full): the exit is not the service's doing. */
  let endedByUs: { reason: string; final: boolean; state?: ServiceState } | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let backoffTimer: NodeJS.Timeout | undefined;
  let failuresInARow = 0;
  let consecutiveFailedRuns = 0;
  const restartTimes: number[] = [];
  const waiters: (() => void)[] = [];

  const persist = (pid: number | null) => {
    const record: ServiceRecord = { pid, restarts, state, reason, lastExit, startedAt, recentRestarts: restartTimes };
    try {
      writeFileSync(deps.recordFile, `${JSON.stringify(record)}\n`);
    } catch (error) {
      log.warn("could not record the service's state", { error: (error as Error).message });
    }
  };

  const move = (to: ServiceState, why: string) => {
    if (to !== state) SERVICE_MACHINE.check(`service ${spec.name}`, state, to);
    const from = state;
    state = to;
    reason = why;
    persist(workload?.pid ?? null);
    if (from !== to) log.info(`service ${spec.name}: ${why}`, { service: spec.name, from, to });
    if (to === "healthy") for (const wake of waiters.splice(0)) wake();
    deps.changed();
  };

  const clearTimers = () => {
    if (healthTimer) clearTimeout(healthTimer);
    if (backoffTimer) clearTimeout(backoffTimer);
    healthTimer = undefined;
    backoffTimer = undefined;
  };

  const scheduleHealth = (runStartMs: number) => {
    const health = spec.health;
    if (!health) return;
    const tick = async () => {
      if (halted || !workload) return;
      const result = await deps.probe();
      if (halted || !workload) return;
      const inGrace = Date.now() - runStartMs < health.startSeconds * 1000;
      if (result.ok) {
        failuresInARow = 0;
        if (state === "starting" || state === "unhealthy") move("healthy", `healthy: ${result.detail}`);
      } else if (!inGrace || state !== "starting") {
        failuresInARow++;
        if (failuresInARow >= health.failures && state !== "unhealthy") {
          if (spec.restart === "never") {
            move(
              "unhealthy",
              `unhealthy: ${result.detail} (${failuresInARow} checks in a row); restart: never keeps it running`,
            );
          } else {
            move(
              "unhealthy",
              `unhealthy: ${result.detail} (${failuresInARow} checks in a row); restarting it (restart: ${spec.restart})`,
            );
            endedByUs = { reason: `restarted for failing its health check: ${result.detail}`, final: false };
            void workload.stop(5000);
            return;
          }
        }
      }
      healthTimer = setTimeout(tick, health.intervalSeconds * 1000);
    };
    // The first check comes soon after the start: a service up in 200 ms is healthy in 200 ms.
    healthTimer = setTimeout(tick, Math.min(250, health.intervalSeconds * 1000));
  };

  const watch = (running: RunningWorkload, runStartMs: number) => {
    workload = running;
    for (const warning of running.warnings) log.warn(`service ${spec.name}: ${warning}`);
    scheduleHealth(runStartMs);
    void running.wait().then(
      (exit) => ended(exit, runStartMs),
      (error: Error) => log.error(`service ${spec.name}: lost track of its process`, { error: error.message }),
    );
  };

  const run = async () => {
    if (halted) return;
    const runStartMs = Date.now();
    let running: RunningWorkload;
    try {
      running = await deps.launch();
    } catch (error) {
      // Could not even start (a bad command, the sandbox refused): counts as a failed run.
      ended(
        {
          exitCode: -1,
          oomKilled: false,
          reason: "exited",
          message: `could not start: ${(error as Error).message}`,
          endedAt: nowSeconds(),
        },
        runStartMs,
      );
      return;
    }
    if (halted) {
      await running.stop(2000);
      return;
    }
    startedAt = nowSeconds();
    failuresInARow = 0;
    persist(running.pid);
    if (!spec.health) {
      workload = running;
      move("healthy", "running (it has no health check)");
    } else if (state !== "starting")
      move("starting", `started again (restart ${restarts}); waiting for its health check`);
    else {
      reason = "started; waiting for its health check";
      persist(running.pid);
      deps.changed();
    }
    watch(running, runStartMs);
  };

  const ended = (exit: WorkloadExit, runStartMs: number) => {
    clearTimers();
    workload = undefined;
    startedAt = null;
    const byUs = endedByUs;
    endedByUs = undefined;
    const words = byUs?.reason ?? describeExit(exit);
    lastExit = { exitCode: exit.exitCode, reason: byUs ? "node" : exit.reason, at: exit.endedAt };
    if (halted) return;
    if (byUs?.final) {
      move(byUs.state ?? "stopped", words);
      return;
    }
    const failed = byUs !== undefined || exit.exitCode !== 0;
    if (spec.restart === "never" || (spec.restart === "on-failure" && !failed)) {
      move("stopped", `${words}; restart: ${spec.restart}, so it stays stopped`);
      return;
    }
    const now = Date.now();
    consecutiveFailedRuns = now - runStartMs >= tuning.crashLoopWindowMs ? 1 : consecutiveFailedRuns + 1;
    restartTimes.push(now);
    while (restartTimes.length > 0 && (restartTimes[0] as number) < now - tuning.crashLoopWindowMs)
      restartTimes.shift();
    if (restartTimes.length > tuning.crashLoopRestarts) {
      move(
        "crash-looping",
        `crash-looping: ${restartTimes.length - 1} restarts within ${tuning.crashLoopWindowMs / 1000} s, last ${words}; stopped — fix the service and deploy it again`,
      );
      return;
    }
    const delay = Math.min(tuning.maxBackoffMs, tuning.backoffMs * 2 ** (consecutiveFailedRuns - 1));
    restarts++;
    move(
      "restarting",
      `${words}; restarting in ${(delay / 1000).toFixed(1)} s (restart ${restarts}, policy ${spec.restart})`,
    );
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined;
      if (halted) return;
      move("starting", `starting again (restart ${restarts})`);
      void run();
    }, delay);
  };

  return {
    name: spec.name,
    /** Starts the service once its dependencies are healthy. */
    async start() {
      persist(null);
      for (const dep of spec.dependsOn) await deps.healthyDep(dep);
      if (halted) return;
      reason = "starting";
      await run();
    },
    /** Takes over a run that survived a node restart (or restores a final state it had reached). */
    adopt(record: ServiceRecord, running: RunningWorkload | null) {
      restarts = record.restarts;
      lastExit = record.lastExit;
      restartTimes.push(...(record.recentRestarts ?? []));
      consecutiveFailedRuns = restartTimes.length;
      if (record.state === "crash-looping" || record.state === "stopped") {
        state = record.state;
        reason = record.reason;
        persist(null);
        return;
      }
      if (!running) {
        reason = "its process did not survive the node's restart; starting it again";
        void run();
        return;
      }
      startedAt = record.startedAt;
      reason = "re-attached after the node's restart; checking its health";
      persist(running.pid);
      if (!spec.health) {
        workload = running;
        move("healthy", "re-attached after the node's restart (it has no health check)");
      }
      watch(running, Date.now() - (spec.health?.startSeconds ?? 0) * 1000);
    },
    /** Resolves once the service is healthy. */
    healthy(): Promise<void> {
      if (state === "healthy") return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    /** Stops the service for good with `why` (the lease's end, a full volume), in state `to`. */
    async halt(why: string, to: ServiceState = "stopped", graceMs = 5000) {
      const running = workload;
      if (state === "stopped" || state === "crash-looping") {
        halted = true;
        clearTimers();
        return;
      }
      if (running) {
        endedByUs = { reason: why, final: true, state: to };
        clearTimers();
        const exit = await running.stop(graceMs);
        halted = true;
        if ((state as ServiceState) !== "stopped" && (state as ServiceState) !== "crash-looping") {
          lastExit = { exitCode: exit.exitCode, reason: "node", at: exit.endedAt };
          move(to, why);
        }
        return;
      }
      halted = true;
      clearTimers();
      move(to, why);
    },
    /** Stops watching without stopping the process (the node is closing; the next one re-attaches). */
    detach() {
      halted = true;
      clearTimers();
    },
    get running() {
      return workload !== undefined;
    },
    status(): ServiceStatus {
      return {
        name: spec.name,
        state,
        restarts,
        lastExit,
        reason,
        startedAt,
        ports: spec.ports.map((p) => ({ port: p.port, protocol: p.protocol, expose: p.expose })),
      };
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
