// Where a lease's files live on the provider: the job folder the workload sees (under jobs/), and,
// apart from it where no job can touch them, its logs, exit status and packed results (under leases/).
import path from "node:path";

export interface LeaseFiles {
  /** The lease's folder. */
  root: string;
  /** The job folder: inputs go in, the workload writes here, outputs are collected from here. */
  jobDir: string;
  stdout: string;
  stderr: string;
  exit: string;
  results: string;
}

/** The files of lease `id`: its job folder under `jobsDir`, the rest under the node's state folder. */
export function leaseFiles(dirs: { stateDir: string; jobsDir: string }, id: bigint): LeaseFiles {
  const root = path.join(dirs.stateDir, "leases", id.toString());
  return {
    root,
    jobDir: path.join(dirs.jobsDir, id.toString()),
    stdout: path.join(root, "stdout.log"),
    stderr: path.join(root, "stderr.log"),
    exit: path.join(root, "exit.json"),
    results: path.join(root, "results.tar.gz"),
  };
}

/** Resolves a manifest input path inside the job folder, refusing anything that would escape it. */
export function jobPath(jobDir: string, relative: string): string {
  const resolved = path.resolve(jobDir, relative);
  if (resolved !== jobDir && !resolved.startsWith(`${jobDir}${path.sep}`)) {
    throw new Error(`path "${relative}" leaves the job folder`);
  }
  return resolved;
}
