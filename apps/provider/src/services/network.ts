// The private network of a service lease: one network namespace per lease, kept by the kernel as
// /run/netns/<name> (iproute2's convention), with only a loopback in it. Every service of the
// lease joins it (nsenter before bwrap), so they reach each other on 127.0.0.1 and by name through
// the sandbox's /etc/hosts; nothing else is in it, so no route leads to the host, the internet or
// another lease. A named namespace outlives the node process: services keep their network across a
// node restart, and `reap` deletes namespaces no live lease owns.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** Where iproute2 keeps named network namespaces. */
export const NETNS_DIR = "/run/netns";

/** The namespace name of a lease: `ocx-<workloadTag>-<leaseId>` (host-unique, like cgroup names). */
export const netnsName = (workloadName: string) => `ocx-${workloadName}`;

/** The file that holds the namespace, what `nsenter --net=` takes. */
export const netnsPath = (name: string) => path.join(NETNS_DIR, name);

const run = (file: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(file, args, { timeout: 15_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(" ")}: ${stderr.trim() || error.message}`)) : resolve(),
    ),
  );

/**
 * Creates the lease's namespace (kept if it exists: a node restart finds it again), brings its
 * loopback up, and lets the unprivileged sandbox user bind ports below 1024 in it (it is the only
 * user there). Needs root (CAP_SYS_ADMIN) and iproute2.
 */
export async function ensureNetns(name: string, tools = { ip: "/usr/sbin/ip", nsenter: "/usr/bin/nsenter" }) {
  if (!existsSync(netnsPath(name))) {
    for (const tool of Object.values(tools)) {
      if (!existsSync(tool))
        throw new Error(
          `${tool} not found: services need iproute2 and util-linux (apt-get install iproute2 util-linux)`,
        );
    }
    await run(tools.ip, ["netns", "add", name]);
  }
  const file = netnsPath(name);
  await run(tools.nsenter, [`--net=${file}`, tools.ip, "link", "set", "lo", "up"]);
  await run(tools.nsenter, [
    `--net=${file}`,
    "/bin/sh",
    "-c",
    "echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start",
  ]);
  return file;
}

/** Deletes a namespace; a missing one is fine. Processes still in it keep it alive until they end. */
export async function deleteNetns(name: string, ip = "/usr/sbin/ip"): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await run(ip, ["netns", "delete", name]);
}

/** Names of the namespaces under /run/netns that start with `prefix`. */
export function listNetns(prefix: string): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

/**
 * The sandbox's /etc/hosts: localhost, and every service of the lease on 127.0.0.1 (they share
 * the namespace's loopback), so `http://db:5432` works from every service.
 */
export function hostsFile(serviceNames: readonly string[]): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  for (const name of [...serviceNames].sort()) lines.push(`127.0.0.1\t${name}`);
  return `${lines.join("\n")}\n`;
}
