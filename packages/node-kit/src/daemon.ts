// What every component of an OCX daemon (the provider node, the validator) is given (config, logger,
// metrics, shutdown), and how components are started: each is built by a factory that returns `{ status(), close() }`, started
// in order, closed in reverse; a failure while starting closes what had already started.
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Registry } from "./metrics.js";
import { createShutdown, type Shutdown } from "./shutdown.js";

/** A started part of a daemon. */
export interface Component {
  /** What it reports under /status. */
  status(): unknown;
  /** Stops it; called once, in reverse order of starting. */
  close(): Promise<void> | void;
}

/** A daemon's shared context, over its config type. */
export interface Common<Config = unknown> {
  config: Config;
  log: Logger;
  metrics: Registry;
  shutdown: Shutdown;
}

/**
 * Builds a daemon's shared context; its metrics are named with `metricsPrefix` (`ocx_provider_`).
 * @example
 * const common = createDaemonCommon(config, { metricsPrefix: "ocx_validator_", log });
 */
export function createDaemonCommon<Config>(
  config: Config,
  options: { metricsPrefix: string; log?: Logger; signals?: boolean },
): Common<Config> {
  const log = options.log ?? createLogger();
  return {
    config,
    log,
    metrics: createMetrics(options.metricsPrefix),
    shutdown: createShutdown({
      signals: options.signals ?? false,
      onError: (name, error) => log.error("stopping a component failed", { name, error: (error as Error).message }),
    }),
  };
}

/** Starts components in order; each one's `close` joins the shutdown as it starts. */
export interface Components {
  /** Builds and registers component `name`. */
  start<C extends Component>(name: string, factory: () => Promise<C> | C): Promise<C>;
  /** Every started component's status, by name. */
  status(): Promise<Record<string, unknown>>;
  /** The names of the started components, in order. */
  readonly started: readonly string[];
}

/**
 * A daemon's components over `common`. Use with `startAll`, which closes what started when a later
 * component fails.
 * @example
 * const components = createComponents(common);
 * const store = await components.start("store", () => createStoreComponent(common));
 */
export function createComponents(common: Common<unknown>): Components {
  const started: { name: string; component: Component }[] = [];
  return {
    async start(name, factory) {
      const component = await factory();
      started.push({ name, component });
      common.shutdown.add(name, async () => {
        await component.close();
        common.log.debug("stopped", { component: name });
      });
      common.log.debug("started", { component: name });
      return component;
    },
    async status() {
      const out: Record<string, unknown> = {};
      for (const { name, component } of started) out[name] = await component.status();
      return out;
    },
    get started() {
      return started.map((s) => s.name);
    },
  };
}

/**
 * Runs `wire`; when it throws, closes every component it had started (in reverse) and rethrows, so
 * a failed start-up leaves nothing running and the database closed.
 */
export async function startAll<T>(common: Common<unknown>, wire: () => Promise<T>): Promise<T> {
  try {
    return await wire();
  } catch (error) {
    common.log.debug("start-up failed; stopping what had started", { error: (error as Error).message });
    await common.shutdown.run("start-up failed");
    throw error;
  }
}
