// A stand-in daemon on runDaemonCli for daemonCli.test.ts: its API answers /health until it is stopped.
import { Hono } from "hono";
import { listenApi } from "./daemonApi.js";
import { runDaemonCli } from "./daemonCli.js";
import { createShutdown } from "./shutdown.js";

await runDaemonCli({
  name: "ocx-fixture",
  description: "a stand-in daemon for the tests",
  configDefault: "fixture.yaml",
  template: (flags) => `rpcUrl: ${flags.rpcUrl ?? "none"}\n`,
  initHint: (file) => `wrote ${file}; next: start it`,
  async start({ configFile, overrides, log }) {
    const shutdown = createShutdown();
    const api = await listenApi(
      new Hono().get("/health", (c) => c.json({ ok: true })),
      { listen: "127.0.0.1:0" },
    );
    shutdown.add("api", () => api.close());
    log.info("fixture is up", { url: api.url, config: configFile, overrides });
    return { done: shutdown.done, close: () => shutdown.run("signal") };
  },
  stoppedMessage: "fixture stopped",
});
