// Each end-to-end test file works in a temporary folder of its own, removed when it is done: nothing shared between
// files that vitest runs in parallel.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Cleanup } from "@ocx/node-kit";

/**
 * Creates `$TMPDIR/ocx-e2e-<name>-XXXXXX`, open for traversal (mode 711: the sandbox's user must pass through to a
 * lease's folders below it), and registers its removal with `defer`. Register it first: it is removed last, after
 * the processes writing into it have stopped (the removal retries briefly for one still finishing a write).
 * @example
 * const dir = await makeTempDir("services", cleanup.defer);
 */
export async function makeTempDir(name: string, defer: Cleanup["defer"]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `ocx-e2e-${name}-`));
  defer(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  await chmod(dir, 0o711);
  return dir;
}
