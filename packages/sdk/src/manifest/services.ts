// @internal The services, ports, health checks and volumes of a service manifest: the readers
// of their YAML and canonical forms, and the checks across services (ports, mounts, sizes, order).
import * as z from "zod";
import {
  envField,
  FieldProblem,
  integerIn,
  list,
  mapping,
  optional,
  readBoolean,
  readCommand,
  readImage,
  required,
  sizeIn,
  text,
  withDefault,
} from "./fields.js";
import { manifestDefaults, manifestLimits, serviceRestartPolicies } from "./limits.js";
import { formatSize, parseDuration } from "./quantities.js";
import type {
  ManifestResources,
  ServiceHealth,
  ServiceMount,
  ServicePort,
  ServiceRestartPolicy,
  ServiceSpec,
  VolumeSpec,
} from "./types.js";

/** A DNS label: what a service or volume may be called, so that `http://db:5432` works. */
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_RULE =
  "a DNS label: 1 to 63 characters from a-z, 0-9 and '-', starting with a letter and not ending with '-'";

export const readServiceName = text(DNS_LABEL, DNS_LABEL_RULE);
export const readVolumeName = text(DNS_LABEL, DNS_LABEL_RULE);

/** What a service's `chain` field may ask: `read` gives it the provider's chain for reads (OCX_CHAIN_RPC_URL). */
export const serviceChainAccess = ["read"] as const;

export function oneOf<const T extends string>(values: readonly T[]) {
  return (value: unknown): T => {
    if (!values.includes(value as T)) {
      throw new FieldProblem(`must be one of ${values.map((entry) => `"${entry}"`).join(", ")}`);
    }
    return value as T;
  };
}

export function readPort(value: unknown): number {
  const { min, max } = manifestLimits.port;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldProblem(`must be a port number from ${min} to ${max}`);
  }
  return value;
}

/** Whole seconds, written as a number or a duration ("5s", "1m"), within limits. */
function secondsIn({ min, max }: { min: number; max: number }) {
  return (value: unknown): number => {
    const seconds = parseDuration(value);
    if (seconds < min || seconds > max) throw new FieldProblem(`must be from ${min} to ${max} seconds`);
    return seconds;
  };
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function readHost(value: unknown): string {
  const host = typeof value === "string" ? value.toLowerCase().replace(/\.$/, "") : undefined;
  if (host === undefined || host.length > 253 || !HOST.test(host)) {
    throw new FieldProblem('must be a host name like "api.example.com" (or "*.example.com")');
  }
  return host;
}

// Mounts may not hide what the sandbox itself provides.
const RESERVED_MOUNT_ROOTS = ["/proc", "/sys", "/dev", "/job", "/tmp", "/etc/hosts", "/etc/resolv.conf"];

export function readMountPath(value: unknown): string {
  const rule = 'must be an absolute path inside the sandbox like "/data" (no "..", at most 1024 characters)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse here.
  if (typeof value !== "string" || !value.startsWith("/") || value.length > 1024 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new FieldProblem(rule);
  }
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new FieldProblem(rule);
  const path = `/${parts.join("/")}`;
  if (path === "/") throw new FieldProblem(`${rule}; "/" is the image's root and cannot be a volume`);
  const reserved = RESERVED_MOUNT_ROOTS.find((root) => path === root || path.startsWith(`${root}/`));
  if (reserved !== undefined) {
    throw new FieldProblem(
      `${rule}; ${reserved} is provided by the sandbox (the job folder is /job, shared memory is set by shm): pick another path`,
    );
  }
  return path;
}

/**
 * A path a service keeps after its lease ends (`retain`): absolute in the sandbox, normalized, with no "..". Whether
 * it lies on a persistent volume the service mounts is checked across the lease ({@link checkServiceLease}).
 */
export function readRetainPath(value: unknown): string {
  const rule =
    'must be an absolute path on a volume the service mounts, like "/data/books.db" (no "..", at most 1024 characters)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse here.
  if (typeof value !== "string" || !value.startsWith("/") || value.length > 1024 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new FieldProblem(rule);
  }
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new FieldProblem(rule);
  return `/${parts.join("/")}`;
}

/**
 * The persistent volume that holds a path of a service's sandbox, and the path inside it: the deepest of the
 * service's mounts that contains it. Undefined when no mount does.
 * @example
 * volumePathOf("/books/payments.db", [{ volume: "books", path: "/books", readOnly: false }]);
 * // { mount: { volume: "books", path: "/books", … }, relative: "payments.db" }
 */
export function volumePathOf(
  path: string,
  mounts: readonly ServiceMount[],
): { mount: ServiceMount; relative: string } | undefined {
  const holding = mounts
    .filter((mount) => path === mount.path || path.startsWith(`${mount.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (holding === undefined) return undefined;
  return { mount: holding, relative: path.slice(holding.path.length + 1) };
}

function readProbe(keys: readonly string[], read: (probe: Record<string, unknown>) => object) {
  return (value: unknown) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new FieldProblem(`must be a mapping with ${keys.join(" and ")}`);
    }
    const unknown = Object.keys(value).filter((key) => !keys.includes(key));
    if (unknown.length > 0)
      throw new FieldProblem(`has unknown field ${unknown.join(", ")}; allowed: ${keys.join(", ")}`);
    return read(value as Record<string, unknown>);
  };
}

const readHttpProbe = readProbe(["port", "path"], (probe) => {
  const path = probe.path ?? "/";
  if (typeof path !== "string" || !/^\/[\x21-\x7e]{0,1023}$/.test(path)) {
    throw new FieldProblem('path must start with "/" and hold no spaces, like "/health"');
  }
  try {
    return { port: readPort(probe.port), path };
  } catch {
    throw new FieldProblem("port must be the port number to check, from 1 to 65535");
  }
});

const readTcpProbe = readProbe(["port"], (probe) => {
  try {
    return { port: readPort(probe.port) };
  } catch {
    throw new FieldProblem("port must be the port number to check, from 1 to 65535");
  }
});

const healthSchema = mapping({
  http: optional(readHttpProbe as (value: unknown) => { port: number; path: string }),
  tcp: optional(readTcpProbe as (value: unknown) => { port: number }),
  command: optional(readCommand),
  intervalSeconds: withDefault(
    secondsIn(manifestLimits.healthIntervalSeconds),
    manifestDefaults.healthIntervalSeconds as number,
  ),
  timeoutSeconds: withDefault(
    secondsIn(manifestLimits.healthTimeoutSeconds),
    manifestDefaults.healthTimeoutSeconds as number,
  ),
  failures: withDefault(integerIn(manifestLimits.healthFailures), manifestDefaults.healthFailures as number),
  startSeconds: withDefault(
    secondsIn(manifestLimits.healthStartSeconds),
    manifestDefaults.healthStartSeconds as number,
  ),
})
  .superRefine((health, ctx) => {
    const probes = [health.http, health.tcp, health.command].filter((probe) => probe !== undefined).length;
    if (probes !== 1) {
      const message = `needs exactly one of http, tcp or command (found ${probes}), e.g. { http: { port: 8080, path: /health } }`;
      ctx.addIssue({ code: "custom", message, params: { bare: true } });
    }
  })
  .transform((health): ServiceHealth => {
    const out: ServiceHealth = {
      intervalSeconds: health.intervalSeconds,
      timeoutSeconds: health.timeoutSeconds,
      failures: health.failures,
      startSeconds: health.startSeconds,
    };
    if (health.http !== undefined) out.http = health.http;
    if (health.tcp !== undefined) out.tcp = health.tcp;
    if (health.command !== undefined) out.command = health.command;
    return out;
  });

const httpOptionsSchema = mapping({
  maxBodyBytes: optional(integerIn({ min: 0, max: 2 ** 40 })),
  readTimeoutMs: optional(integerIn({ min: 1, max: 3_600_000 })),
  sendTimeoutMs: optional(integerIn({ min: 1, max: 3_600_000 })),
  nextTries: optional(integerIn({ min: 0, max: 16 })),
});

const portSchema = z.preprocess(
  // `ports: [8080]` is short for an internal tcp port.
  (value) => (typeof value === "number" ? { port: value } : value),
  mapping({
    port: required(readPort, "the port the service listens on"),
    protocol: withDefault(oneOf(["http", "tcp"] as const), "tcp"),
    expose: withDefault(oneOf(["public", "internal"] as const), "internal"),
    as: optional(readPort),
    hosts: list(required(readHost, "a host name"), (host) => host),
    http: z.preprocess((value) => value ?? undefined, httpOptionsSchema.optional()),
  })
    .superRefine((port, ctx) => {
      if (port.expose === "internal" && port.as !== undefined && port.as !== port.port) {
        const message = `an internal port is reached at its own number, ${port.port}: the lease's services share one network; remove as, or expose the port publicly`;
        ctx.addIssue({ code: "custom", message, path: ["as"] });
      }
      if (port.hosts.length > 0 && !(port.expose === "public" && port.protocol === "http")) {
        const message =
          "host names route public http ports only; set expose: public and protocol: http, or remove hosts";
        ctx.addIssue({ code: "custom", message, path: ["hosts"] });
      }
      if (port.hosts.length > manifestLimits.hostsPerPort) {
        const message = `at most ${manifestLimits.hostsPerPort} host names per port`;
        ctx.addIssue({ code: "custom", message, path: ["hosts"], params: { bare: true } });
      }
      if (port.http !== undefined && !(port.expose === "public" && port.protocol === "http")) {
        const message =
          "http options apply to public http ports only; set expose: public and protocol: http, or remove http";
        ctx.addIssue({ code: "custom", message, path: ["http"], params: { bare: true } });
      }
    })
    .transform((port): ServicePort => {
      const out: ServicePort = { port: port.port, protocol: port.protocol, expose: port.expose, hosts: port.hosts };
      if (port.as !== undefined && port.as !== port.port) out.as = port.as;
      const http = Object.fromEntries(Object.entries(port.http ?? {}).filter(([, value]) => value !== undefined));
      if (Object.keys(http).length > 0) out.http = http;
      return out;
    }),
);

const mountSchema = mapping({
  volume: required(readVolumeName, "the name of a volume declared under volumes"),
  path: required(readMountPath, 'where it appears in the sandbox, like "/data"'),
  readOnly: withDefault(readBoolean, false),
}).transform((mount): ServiceMount => ({ volume: mount.volume, path: mount.path, readOnly: mount.readOnly }));

/** The fields every service has, in YAML and canonical form alike. */
const serviceFields = {
  image: optional(readImage),
  env: envField,
  ports: z
    .preprocess((value) => value ?? [], z.array(portSchema, { error: "must be a list" }))
    .superRefine((ports, ctx) => {
      if (ports.length > manifestLimits.portsPerService) {
        const message = `at most ${manifestLimits.portsPerService} ports per service`;
        ctx.addIssue({ code: "custom", message, params: { bare: true } });
      }
      const seen = new Map<number, number>();
      ports.forEach((port, index) => {
        const first = seen.get(port.port);
        if (first === undefined) seen.set(port.port, index);
        else {
          const message = `repeats port ${port.port} from entry ${first}; a port is declared once`;
          ctx.addIssue({ code: "custom", message, path: [index, "port"] });
        }
      });
    }),
  health: z.preprocess((value) => value ?? undefined, healthSchema.optional()),
  restart: withDefault(oneOf(serviceRestartPolicies), manifestDefaults.serviceRestartPolicy as ServiceRestartPolicy),
  mounts: list(mountSchema, (mount) => mount.path),
  dependsOn: list(required(readServiceName, "the name of another service"), (name) => name),
  chain: optional(oneOf(serviceChainAccess)),
  retain: list(required(readRetainPath, "a path on a volume the service mounts"), (path) => path).superRefine(
    (paths, ctx) => {
      if (paths.length > manifestLimits.retainPerService) {
        const message = `keeps at most ${manifestLimits.retainPerService} paths per service (found ${paths.length}); retain a folder that holds them instead`;
        ctx.addIssue({ code: "custom", message, params: { bare: true } });
      }
    },
  ),
};

type ParsedService = Omit<ServiceSpec, "name">;

function toService(
  name: string,
  service: Omit<ParsedService, "dependsOn" | "retain"> & { dependsOn: string[]; retain?: string[] },
): ServiceSpec {
  const out: ServiceSpec = {
    name,
    env: service.env,
    ports: service.ports,
    restart: service.restart,
    mounts: service.mounts,
    shmMiB: service.shmMiB,
    dependsOn: [...service.dependsOn].sort(),
  };
  if (service.image !== undefined) out.image = service.image;
  if (service.command !== undefined) out.command = service.command;
  if (service.health !== undefined) out.health = service.health;
  if (service.chain !== undefined) out.chain = service.chain;
  // Left out when empty, so the canonical form (and hash) of a manifest without it is what it was.
  if (service.retain !== undefined && service.retain.length > 0) out.retain = [...service.retain].sort();
  return out;
}

function requireImageOrCommandOf(service: { image?: string; command?: string[] }, ctx: z.RefinementCtx) {
  if (service.image === undefined && service.command === undefined) {
    const message =
      "a service needs an image, a command, or both (without an image the command runs in the provider's sandbox root)";
    ctx.addIssue({ code: "custom", message, path: ["command"], params: { bare: true } });
  }
}

const serviceSchema = mapping({
  ...serviceFields,
  command: optional(readCommand),
  shm: withDefault(sizeIn(manifestLimits.shmMiB), manifestDefaults.shmMiB as number),
})
  .superRefine(requireImageOrCommandOf)
  .transform(({ shm, ...service }) => ({ ...service, shmMiB: shm }));

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A mapping of names to entries, turned into a list sorted by name. */
function namedEntries<Item extends z.ZodType, Out extends { name: string }>(
  item: Item,
  readName: (value: unknown) => string,
  what: string,
  max: number,
  build: (name: string, value: z.output<Item>) => Out,
) {
  return z
    .preprocess(
      (value) => value ?? {},
      z.record(z.string(), item, { error: `must be a mapping of ${what} names to ${what}s` }),
    )
    .superRefine((entries, ctx) => {
      const names = Object.keys(entries);
      if (names.length > max) {
        ctx.addIssue({ code: "custom", message: `at most ${max} ${what}s per lease`, params: { bare: true } });
      }
      for (const name of names) {
        try {
          readName(name);
        } catch (error) {
          const message = `is not a valid ${what} name: ${(error as Error).message}`;
          ctx.addIssue({ code: "custom", message, path: [name], params: { bare: true } });
        }
      }
    })
    .transform((entries) =>
      Object.entries(entries)
        .map(([name, value]) => build(name, value as z.output<Item>))
        .sort(byName),
    );
}

/** The `services` field of a YAML manifest: name → service, normalized into a list sorted by name. */
export const servicesField = namedEntries(
  serviceSchema,
  readServiceName,
  "service",
  manifestLimits.services.max,
  (name, service) => toService(name, service),
);

const volumeSchema = mapping({
  size: required(sizeIn(manifestLimits.volumeMiB), 'a size like "10Gi"'),
  class: withDefault(oneOf(["persistent", "ram"] as const), "persistent"),
});

/** The `volumes` field of a YAML manifest: name → { size, class }, normalized into a sorted list. */
export const volumesField = namedEntries(
  volumeSchema,
  readVolumeName,
  "volume",
  manifestLimits.volumes,
  (name, volume): VolumeSpec => ({ name, sizeMiB: volume.size, class: volume.class }),
);

/** The canonical form of services: a list of normalized services. */
export const canonicalServicesField = list(
  mapping({
    name: required(readServiceName, "the service's name"),
    ...serviceFields,
    command: optional((value: unknown) => {
      if (!Array.isArray(value)) throw new FieldProblem("must be a non-empty list of strings (argv)");
      return readCommand(value);
    }),
    shmMiB: required(integerIn(manifestLimits.shmMiB), "MiB"),
  })
    .superRefine(requireImageOrCommandOf)
    .transform(({ name, ...service }) => toService(name, service)),
  (service) => service.name,
);

/** The canonical form of volumes: a list of `{ name, sizeMiB, class }`. */
export const canonicalVolumesField = list(
  mapping({
    name: required(readVolumeName, "the volume's name"),
    sizeMiB: required(integerIn(manifestLimits.volumeMiB), "MiB"),
    class: required(oneOf(["persistent", "ram"] as const), '"persistent" or "ram"'),
  }).transform((volume): VolumeSpec => ({ name: volume.name, sizeMiB: volume.sizeMiB, class: volume.class })),
  (volume) => volume.name,
);

/** Where a service is in the document: by name in YAML (`services.web`), by index in canonical JSON. */
export type ServicePath = (service: ServiceSpec, index: number) => PropertyKey[];

/**
 * @internal The checks across a service lease: one listener per port in the shared network,
 * one public port per `as`, mounts of declared volumes, dependsOn without cycles, and volume
 * sizes within the lease's disk (persistent) and memory (ram).
 */
export function checkServiceLease(
  lease: { services: ServiceSpec[]; volumes: VolumeSpec[]; resources: ManifestResources },
  ctx: z.RefinementCtx,
  servicePath: ServicePath,
) {
  // zod still runs this check when a field failed; it checks only a lease whose parts are all valid.
  if (!isWellFormed(lease)) return;
  const issue = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: "custom", message, path, params: { bare: true } });
  const { services, volumes, resources } = lease;
  const listeners = new Map<number, string>();
  const publicPorts = new Map<number, string>();
  const names = new Set(services.map((service) => service.name));
  const volumeNames = volumes.map((volume) => volume.name);
  services.forEach((service, index) => {
    const at = servicePath(service, index);
    service.ports.forEach((port, portIndex) => {
      const owner = listeners.get(port.port);
      if (owner !== undefined) {
        issue(
          [...at, "ports", portIndex, "port"],
          `port ${port.port} is already used by service "${owner}": a lease's services share one network namespace, so each port can have one listener; pick another port for one of them`,
        );
      } else listeners.set(port.port, service.name);
      if (port.expose !== "public") return;
      const outside = port.as ?? port.port;
      const publicOwner = publicPorts.get(outside);
      if (publicOwner !== undefined) {
        issue(
          [...at, "ports", portIndex, port.as === undefined ? "port" : "as"],
          `public port ${outside} is already published by service "${publicOwner}"; give one of them another as`,
        );
      } else publicPorts.set(outside, service.name);
    });
    service.mounts.forEach((mount, mountIndex) => {
      if (!volumeNames.includes(mount.volume)) {
        const declared = volumeNames.length > 0 ? `declared: ${volumeNames.join(", ")}` : "none is declared";
        issue(
          [...at, "mounts", mountIndex, "volume"],
          `names no volume of this lease (${declared}); declare "${mount.volume}" under volumes with its size`,
        );
      }
    });
    service.retain?.forEach((path, retainIndex) => {
      const where = [...at, "retain", retainIndex];
      const held = volumePathOf(path, service.mounts);
      if (held === undefined) {
        const mounts = service.mounts.map((mount) => `${mount.path} (volume ${mount.volume})`).join(", ");
        issue(
          where,
          `"${path}" is on no volume of this service (${mounts === "" ? "it mounts none" : `its mounts: ${mounts}`}): only files of a persistent volume outlive the lease; name a path under one of its mounts, or mount a volume there`,
        );
        return;
      }
      const volume = volumes.find((entry) => entry.name === held.mount.volume);
      if (volume?.class === "ram") {
        issue(
          where,
          `"${path}" is on the ram volume "${volume.name}", which is memory and gone when the service stops; keep it on a persistent volume`,
        );
      }
    });
    if (service.shmMiB > resources.memoryMiB) {
      issue(
        [...at, "shm"],
        `shared memory of ${formatSize(service.shmMiB)} exceeds resources.memory (${formatSize(resources.memoryMiB)}); raise resources.memory or lower shm`,
      );
    }
    for (const dependency of service.dependsOn) {
      if (dependency === service.name) issue([...at, "dependsOn"], "a service cannot depend on itself");
      else if (!names.has(dependency)) {
        issue(
          [...at, "dependsOn"],
          `names "${dependency}", which is not a service of this manifest (services: ${[...names].join(", ")})`,
        );
      }
    }
  });
  const cycle = findCycle(services);
  if (cycle !== undefined) {
    const first = services.findIndex((service) => service.name === cycle[0]);
    issue(
      [...servicePath(services[first] as ServiceSpec, first), "dependsOn"],
      `dependsOn forms a cycle (${cycle.join(" → ")}); services start in dependsOn order, so remove one of these dependencies`,
    );
  }
  const total = (kind: VolumeSpec["class"]) =>
    volumes.filter((volume) => volume.class === kind).reduce((sum, volume) => sum + volume.sizeMiB, 0);
  const persistent = total("persistent");
  if (persistent > resources.diskMiB) {
    issue(
      ["volumes"],
      `persistent volumes add up to ${formatSize(persistent)}, more than resources.disk (${formatSize(resources.diskMiB)}); raise resources.disk or shrink the volumes`,
    );
  }
  const ram = total("ram");
  if (ram > resources.memoryMiB) {
    issue(
      ["volumes"],
      `ram volumes add up to ${formatSize(ram)}, more than resources.memory (${formatSize(resources.memoryMiB)}); raise resources.memory or shrink the volumes`,
    );
  }
}

function isWellFormed(lease: { services: unknown; volumes: unknown; resources: unknown }): boolean {
  const { services, volumes, resources } = lease;
  if (!Array.isArray(services) || !Array.isArray(volumes)) return false;
  if (typeof resources !== "object" || resources === null) return false;
  const { memoryMiB, diskMiB } = resources as Record<string, unknown>;
  if (typeof memoryMiB !== "number" || typeof diskMiB !== "number") return false;
  const isService = (service: unknown) => {
    if (typeof service !== "object" || service === null) return false;
    const { name, ports, mounts, dependsOn, shmMiB, retain } = service as Record<string, unknown>;
    return (
      typeof name === "string" &&
      (retain === undefined || Array.isArray(retain)) &&
      typeof shmMiB === "number" &&
      Array.isArray(ports) &&
      Array.isArray(mounts) &&
      Array.isArray(dependsOn)
    );
  };
  return services.every(isService) && volumes.every((volume) => typeof volume?.sizeMiB === "number");
}

/** The first dependency cycle found, as names with the first repeated at the end. */
function findCycle(services: ServiceSpec[]): string[] | undefined {
  const dependsOn = new Map(services.map((service) => [service.name, service.dependsOn]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const next of dependsOn.get(name) ?? []) {
      if (next === name || !dependsOn.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const service of services) {
    const cycle = visit(service.name);
    if (cycle) return cycle;
  }
  return undefined;
}

const ATTRIBUTE_KEY = /^[a-z0-9][a-z0-9._/-]{0,63}$/;

/** `placement.attributes`: provider attributes as a mapping of key to string value. */
export function readAttributes(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldProblem("must be a mapping of attribute: value, like { tier: datacenter }");
  }
  const entries = Object.entries(value);
  if (entries.length > manifestLimits.placementAttributes) {
    throw new FieldProblem(`must have at most ${manifestLimits.placementAttributes} attributes`);
  }
  const attributes: Record<string, string> = {};
  for (const [key, setting] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!ATTRIBUTE_KEY.test(key)) {
      throw new FieldProblem(
        `has the key ${JSON.stringify(key)}; keys are 1 to 64 characters from a-z, 0-9, '.', '_', '-' and '/'`,
      );
    }
    if (key === "region") throw new FieldProblem("names region; write regions under placement.regions instead");
    const text = typeof setting === "number" || typeof setting === "boolean" ? String(setting) : setting;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse here.
    if (typeof text !== "string" || text.length > manifestLimits.attributeLength || /[\x00-\x1f\x7f]/.test(text)) {
      throw new FieldProblem(`has a bad value for ${key}: values are strings of at most 64 characters`);
    }
    attributes[key] = text;
  }
  return attributes;
}
