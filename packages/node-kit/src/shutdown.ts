// Orderly shutdown: services register a closer as they start; closers run in reverse order once.

export interface Shutdown {
  /** Registers `close`, run on shutdown after every closer registered later. */
  add(name: string, close: () => Promise<void> | void): void;
  /** Runs every closer (in reverse order of registration) once; later calls return the same promise. */
  run(reason: string): Promise<void>;
  /** Resolves when shutdown has finished. */
  readonly done: Promise<void>;
  /** True once shutdown has begun. */
  readonly closing: boolean;
}

/**
 * Creates a shutdown sequence, optionally bound to SIGINT and SIGTERM.
 * @example
 * const shutdown = createShutdown({ signals: true, onError: (name, e) => log.error("close failed", { name, e }) });
 * shutdown.add("http", () => server.close());
 */
export function createShutdown(
  options: { signals?: boolean; onError?: (name: string, error: unknown) => void } = {},
): Shutdown {
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const shutdown: Shutdown = {
    add(name, close) {
      closers.push({ name, close });
    },
    run(_reason) {
      running ??= (async () => {
        for (const { name, close } of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            options.onError?.(name, error);
          }
        }
        finish();
      })();
      return running;
    },
    done,
    get closing() {
      return running !== undefined;
    },
  };
  if (options.signals) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void shutdown.run(signal));
  }
  return shutdown;
}
