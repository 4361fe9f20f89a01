// The supervisor without processes: fake runs whose ends the test decides, to check the order of
// starts (dependsOn), the back-off, the crash-loop stop, the policies and the table's refusals.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@ocx/node-kit";
import { describe, expect, it } from "vitest";
import { TransitionError } from "../leases/machine.js";
import type { RunningWorkload, WorkloadExit } from "../workload/types.js";
import { createSupervisor, SERVICE_MACHINE, type Supervisor } from "./supervisor.js";
import type { ServiceSpec } from "./types.js";

const log = createLogger({ level: "error" });
const dir = mkdtempSync(path.join(tmpdir(), "ocx-supervisor-"));
const tuning = { backoffMs: 20, maxBackoffMs: 80, crashLoopRestarts: 3, crashLoopWindowMs: 10_000 };

/** A run that ends when the test says (or when stopped). */
function fakeRun(pid: number) {
  let end!: (exit: WorkloadExit) => void;
  const ended = new Promise<WorkloadExit>((resolve) => {
    end = resolve;
  });
  const exit = (exitCode: number, reason: WorkloadExit["reason"] = "exited") =>
    end({ exitCode, oomKilled: false, reason, endedAt: Math.floor(Date.now() / 1000) });
  const run: RunningWorkload = {
    pid,
    warnings: [],
    wait: () => ended,
    stop: async () => {
      exit(143, "stopped");
      return ended;
    },
  };
  return { run, exit };
}

const spec = (s: Partial<ServiceSpec> & { name: string }): ServiceSpec => ({
  env: {},
  ports: [],
  restart: "always",
  mounts: [],
  shmMiB: 64,
  dependsOn: [],
  command: ["true"],
  ...s,
});

function supervised(s: ServiceSpec, others: Map<string, Supervisor> = new Map(), healthy = () => true) {
  const runs: ReturnType<typeof fakeRun>[] = [];
  const supervisor = createSupervisor({
    spec: s,
    log,
    tuning,
    recordFile: path.join(dir, `${s.name}-${Math.random()}.json`),
    launch: async () => {
      const r = fakeRun(1000 + runs.length);
      runs.push(r);
      return r.run;
    },
    probe: async () => (healthy() ? { ok: true, detail: "ok" } : { ok: false, detail: "refused" }),
    healthyDep: (name) => others.get(name)?.healthy() ?? new Promise(() => {}),
    changed: () => {},
  });
  others.set(s.name, supervisor);
  return { supervisor, runs };
}

const until = async (what: string, probe: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("service supervisor", () => {
  it("starts a service only once the services it depends on are healthy", async () => {
    const all = new Map<string, Supervisor>();
    let dbUp = false;
    const db = supervised(
      spec({
        name: "db",
        health: { tcp: { port: 1 }, intervalSeconds: 1, timeoutSeconds: 1, failures: 3, startSeconds: 5 },
      }),
      all,
      () => dbUp,
    );
    const web = supervised(spec({ name: "web", dependsOn: ["db"] }), all);
    void web.supervisor.start();
    void db.supervisor.start();
    await until("db launched", () => db.runs.length === 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(web.runs.length).toBe(0);
    expect(web.supervisor.status().reason).toBe("waiting for db to be healthy");
    dbUp = true;
    await until("web launched", () => web.runs.length === 1, 3000);
    expect(db.supervisor.status().state).toBe("healthy");
    await db.supervisor.halt("over");
    await web.supervisor.halt("over");
  });

  it("restarts with back-off, then stops a crash loop with the reason", async () => {
    const { supervisor, runs } = supervised(spec({ name: "crash" }));
    void supervisor.start();
    for (let i = 0; i < 4; i++) {
      await until(`run ${i + 1}`, () => runs.length === i + 1);
      runs[i]?.exit(1);
    }
    await until("crash-looping", () => supervisor.status().state === "crash-looping");
    expect(supervisor.status()).toMatchObject({
      restarts: 3,
      lastExit: { exitCode: 1, reason: "exited" },
    });
    expect(supervisor.status().reason).toMatch(/^crash-looping: 3 restarts within 10 s, last exited with code 1/);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.length).toBe(4); // nothing starts after the stop
  });

  it("keeps a clean exit stopped under on-failure, and any exit under never", async () => {
    const onFailure = supervised(spec({ name: "job", restart: "on-failure" }));
    void onFailure.supervisor.start();
    await until("run", () => onFailure.runs.length === 1);
    onFailure.runs[0]?.exit(0);
    await until("stopped", () => onFailure.supervisor.status().state === "stopped");
    expect(onFailure.supervisor.status().reason).toBe("exited with code 0; restart: on-failure, so it stays stopped");
    const never = supervised(spec({ name: "once", restart: "never" }));
    void never.supervisor.start();
    await until("run", () => never.runs.length === 1);
    never.runs[0]?.exit(3);
    await until("stopped", () => never.supervisor.status().state === "stopped");
    expect(never.runs.length).toBe(1);
  });

  it("halts a running service with the reason given, and the table refuses leaving a final state", async () => {
    const { supervisor, runs } = supervised(spec({ name: "web" }));
    void supervisor.start();
    await until("healthy", () => supervisor.status().state === "healthy");
    await supervisor.halt('stopped: its volume "data" is full');
    expect(supervisor.status()).toMatchObject({ state: "stopped", reason: 'stopped: its volume "data" is full' });
    expect(runs.length).toBe(1);
    expect(() => SERVICE_MACHINE.check("service web", "stopped", "starting")).toThrow(TransitionError);
    expect(() => SERVICE_MACHINE.check("service web", "crash-looping", "restarting")).toThrow(TransitionError);
  });
});
