// Imports an Akash SDL v2.0 deployment as an OCX manifest: a service manifest (every deployed
// service, its ports, volumes and shared memory) or, for one service that publishes nothing, a
// job. What OCX maps approximately is named in a warning; what it cannot honour is refused by
// SDL field, with the reason and what to do instead. Nothing is dropped silently.
import { formatEther, parseUnits } from "viem";
import { formatPath, ManifestError, type ManifestIssue, showValue } from "./errors.js";
import { gpuModelIds } from "./gpuModels.js";
import { type Locate, loadYaml, manifestFromDocument, valueAt } from "./parse.js";
import { parseCpu, QuantityError } from "./quantities.js";
import { DNS_LABEL } from "./services.js";
import type { Manifest, ManifestKind } from "./types.js";

/** One problem in an SDL file; `path` is the SDL field (`services.web.expose[0].to[0].ip`). */
export type SdlIssue = ManifestIssue;

/** Something the import dropped or mapped approximately; `path` is the SDL field. */
export interface SdlWarning {
  path: string;
  /** A full sentence that starts with the path and says what OCX did instead. */
  message: string;
  line?: number;
  column?: number;
}

/** Thrown when an SDL cannot be imported; `issues` names every SDL field at fault. */
export class SdlError extends Error {
  override name = "SdlError";
  readonly issues: SdlIssue[];

  constructor(issues: SdlIssue[], source = "SDL") {
    const lines = issues.map(
      (issue) => `  ${issue.line === undefined ? "" : `${source}:${issue.line}:${issue.column}: `}${issue.message}`,
    );
    super(`${source} cannot be imported as an OCX manifest:\n${lines.join("\n")}`);
    this.issues = issues;
  }
}

/** Options of `fromAkashSdl` and `importAkashSdl`. */
export interface FromAkashSdlOptions {
  /** Names the SDL in error messages, usually its file name. */
  source?: string;
  /**
   * A job's time limit (SDL has none; default "1h"); for a service, how long the first deposit
   * is sized for (default one hour).
   */
  maxDuration?: string | number;
  /**
   * The price limit in OCX per GPU-hour (`"2.5"`). It replaces the SDL's `pricing`, which is
   * needed when that is in a denomination OCX cannot convert (`uakt`, `usdc`, IBC tokens).
   */
  maxPricePerGpuHour?: string;
  /**
   * What to import as. Default: "service" when the SDL deploys several services, publishes a
   * port (`to: [{ global: true }]`) or has volumes; "job" otherwise.
   */
  kind?: ManifestKind;
  /** The manifest's name; default the service's name, or the deployed services' names joined by "-". */
  name?: string;
  /** Called with each warning (`importAkashSdl` returns them instead). */
  onWarning?: (warning: SdlWarning) => void;
}

/** What `importAkashSdl` returns. */
export interface AkashSdlImport {
  manifest: Manifest;
  /** Everything dropped or mapped approximately, in document order. */
  warnings: SdlWarning[];
}

/** The block time assumed to turn SDL per-block prices into per-hour prices, in seconds. */
export const AKASH_BLOCK_SECONDS = 6n;

/** The one SDL denomination OCX converts: micro-OCX (10^-6 OCX, so 10^12 wei) per block. */
export const SDL_OCX_DENOM = "uocx";

type Path = (string | number)[];
type SdlRecord = Record<string, unknown>;

const isRecord = (value: unknown): value is SdlRecord =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const SDL_SIZE_UNITS: Record<string, bigint> = {
  "": 1n,
  k: 10n ** 3n,
  kb: 10n ** 3n,
  ki: 1n << 10n,
  kib: 1n << 10n,
  m: 10n ** 6n,
  mb: 10n ** 6n,
  mi: 1n << 20n,
  mib: 1n << 20n,
  g: 10n ** 9n,
  gb: 10n ** 9n,
  gi: 1n << 30n,
  gib: 1n << 30n,
  t: 10n ** 12n,
  tb: 10n ** 12n,
  ti: 1n << 40n,
  tib: 1n << 40n,
  p: 10n ** 15n,
  pb: 10n ** 15n,
  pi: 1n << 50n,
  pib: 1n << 50n,
};

/**
 * Reads an SDL size as Akash's tools do: a number of bytes, or a decimal with a unit in any
 * case (`512Mi`, `512mi`, `512MI`, `1G`, `1gb`, `100k`), and returns MiB rounded up.
 * @example
 * sdlSizeMiB("1Gi"); // 1024
 * sdlSizeMiB("512mi"); // 512
 * sdlSizeMiB("1G"); // 954 (10^9 bytes, rounded up to whole MiB)
 */
export function sdlSizeMiB(value: unknown): number {
  const rule = 'must be a size like "512Mi", "4Gi", "1G" or "100k" (units in any case), or a number of bytes';
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : undefined;
  const match = text === undefined ? null : /^(\d+)(?:\.(\d+))?\s*([A-Za-z]*)$/.exec(text);
  const unit = match ? SDL_SIZE_UNITS[(match[3] as string).toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new QuantityError(rule);
  const fraction = match[2] ?? "";
  const digits = BigInt(`${match[1]}${fraction}`);
  const scale = 10n ** BigInt(fraction.length);
  const mib = (digits * unit + scale * (1n << 20n) - 1n) / (scale * (1n << 20n));
  if (mib > BigInt(Number.MAX_SAFE_INTEGER)) throw new QuantityError(`${rule}; this one is far too large`);
  return Number(mib);
}

/**
 * Imports an Akash SDL v2.0 file as an OCX manifest and lists what it dropped or mapped.
 *
 * - Every deployed service becomes a service (`image`, `command` + `args`, `env` with
 *   lower-case names or `env: null`, `dependencies` → `dependsOn`); a service deployed but
 *   not listed, or listed but not deployed, is refused or warned about.
 * - `expose`: `to: [{ global: true }]` → a public port (http when it is published as 80, as
 *   Akash's ingress does; tcp otherwise), other entries → internal ports; `accept` → hosts;
 *   `http_options` → http limits.
 * - Storage: the unnamed entry is the lease's disk; `persistent: true` → a persistent volume;
 *   `class: ram` → a ram volume, or the service's /dev/shm when mounted there; `params.storage`
 *   → mounts. Sizes are read in any case Akash accepts.
 * - The lease's resources are the sum of the services' profiles (ram storage counted in memory).
 * - GPUs: vendor/model/ram → provider model ids (`a100` + `80Gi` → `nvidia-a100-80gb`,
 *   `rtx4090` → `nvidia-rtx-4090-24gb`); `interface` is dropped with a warning.
 * - Placement: `region` → regions, other attributes → placement.attributes, `signedBy` →
 *   placement.verified (with a warning: OCX has validators, not auditors).
 * - Pricing in `uocx` per block converts at one block per 6 s; other denominations need
 *   `options.maxPricePerGpuHour`.
 *
 * Throws `SdlError` naming each SDL field OCX cannot honour.
 * @example
 * const { manifest, warnings } = importAkashSdl(await readFile("deploy.yaml", "utf8"));
 * manifest.kind; // "service"
 * manifest.services.map((service) => service.name); // ["db", "web"]
 * warnings.map((warning) => warning.message); // ["profiles.placement.dc.signedBy: …"]
 */
export function importAkashSdl(yamlText: string, options: FromAkashSdlOptions = {}): AkashSdlImport {
  const source = options.source ?? "SDL";
  const yaml = loadYaml(yamlText);
  if (yaml.issues.length > 0) throw new SdlError(yaml.issues, source);
  const importer = new SdlImporter(yaml.value, yaml.locate, options);
  const document = importer.run();
  if (importer.issues.length > 0 || document === undefined) throw new SdlError(importer.sorted(), source);
  try {
    return { manifest: manifestFromDocument(document, { source }), warnings: importer.sortedWarnings() };
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new SdlError(importer.translate(error.issues), source);
  }
}

/**
 * Imports an Akash SDL v2.0 file as an OCX manifest (see `importAkashSdl` for the mapping).
 * Warnings go to `options.onWarning`. Throws `SdlError` naming each SDL field OCX cannot honour.
 * @example
 * const manifest = fromAkashSdl(await readFile("deploy.yaml", "utf8"), { maxDuration: "2h", onWarning: console.warn });
 * manifest.resources.gpu.models; // ["nvidia-h100-80gb"]
 */
export function fromAkashSdl(yamlText: string, options: FromAkashSdlOptions = {}): Manifest {
  const { manifest, warnings } = importAkashSdl(yamlText, options);
  for (const warning of warnings) options.onWarning?.(warning);
  return manifest;
}

/** One deployed service: where it runs and with which compute profile. */
type Deployed = { name: string; placement: string; profile: string };

/** What one service's compute profile adds to the lease. */
type ProfileResources = {
  millicores: number;
  memoryMiB: number;
  diskMiB: number;
  gpus: number;
  models?: string[];
  /** Named storage entries: persistent or ram. */
  volumes: { name: string; sizeMiB: number; class: "persistent" | "ram"; path: Path }[];
  /** The SDL field of each lease resource, for a lease of this one profile. */
  origins: Map<string, Path>;
};

class SdlImporter {
  readonly issues: SdlIssue[] = [];
  readonly warnings: SdlWarning[] = [];
  /** Which SDL field each manifest field came from, to word the manifest's own errors. */
  private readonly origin = new Map<string, Path>();
  /** The names of the deployed services. */
  private deployed = new Set<string>();

  constructor(
    private readonly sdl: unknown,
    private readonly locate: Locate,
    private readonly options: FromAkashSdlOptions,
  ) {}

  refuse(path: Path, message: string, { withValue = true, atKey = false } = {}) {
    const value = valueAt(this.sdl, path);
    const got = withValue && value !== undefined ? `, got ${showValue(value)}` : "";
    this.issues.push({
      path: formatPath(path),
      message: `${formatPath(path)}: ${message}${got}`,
      value,
      ...this.locate(path, atKey),
    });
  }

  warn(path: Path, message: string) {
    this.warnings.push({
      path: formatPath(path),
      message: `${formatPath(path)}: ${message}`,
      ...this.locate(path, true),
    });
  }

  sorted(): SdlIssue[] {
    return [...this.issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }

  sortedWarnings(): SdlWarning[] {
    return [...this.warnings].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }

  /** Rewords manifest issues on the SDL field they came from. */
  translate(issues: ManifestIssue[]): SdlIssue[] {
    return issues.map((issue) => {
      const path = this.origin.get(issue.path);
      if (path === undefined) return { ...issue, message: `(imported manifest) ${issue.message}` };
      // Show the value as the SDL wrote it, not as it was converted ("2000" cores, not "2000000m").
      let text = issue.message.slice(issue.path.length + 2);
      const got = `, got ${showValue(issue.value)}`;
      if (issue.value !== undefined && text.endsWith(got)) text = text.slice(0, -got.length);
      const value = path[0] === "(options)" ? issue.value : valueAt(this.sdl, path);
      const shown = value === undefined ? "" : `, got ${showValue(value)}`;
      return {
        path: formatPath(path),
        message: `${formatPath(path)}: ${text}${shown} (as OCX field ${issue.path})`,
        value,
        ...this.locate(path, false),
      };
    });
  }

  /** Checks that a mapping has only the fields OCX understands; `refused` explains the others. */
  private fields(
    path: Path,
    value: unknown,
    known: string[],
    refused: Record<string, string> = {},
  ): value is SdlRecord {
    if (!isRecord(value)) {
      this.refuse(path, "must be a mapping");
      return false;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const reason = refused[key];
      if (reason !== undefined) this.refuse([...path, key], reason, { withValue: false, atKey: true });
      else
        this.refuse([...path, key], `unknown SDL field; OCX reads ${known.join(", ")} here`, {
          withValue: false,
          atKey: true,
        });
    }
    return true;
  }

  private quantity<T>(path: Path, read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
      this.refuse(path, error.message);
      return undefined;
    }
  }

  run(): SdlRecord | undefined {
    const sdl = this.sdl;
    const top = ["version", "services", "profiles", "deployment"];
    const refusedTop = {
      endpoints: "OCX leases no IP endpoints; publish the port instead (expose with to: [{ global: true }])",
    };
    if (!this.fields([], sdl, top, refusedTop)) return undefined;
    if (sdl.version === undefined) this.refuse(["version"], 'is required (version: "2.0")');
    else if (sdl.version !== "2.0" && sdl.version !== 2) this.refuse(["version"], 'OCX imports SDL version "2.0"');
    if (!isRecord(sdl.services) || Object.keys(sdl.services).length === 0) {
      this.refuse(["services"], "must name at least one service");
      return undefined;
    }
    const deployed = this.deployment(sdl.services);
    if (deployed.length === 0) return undefined;
    this.deployed = new Set(deployed.map((entry) => entry.name));
    const placement = deployed[0]?.placement as string;
    const kind = this.options.kind ?? this.guessKind(deployed);
    if (kind === "job" && deployed.length > 1) {
      const names = deployed.map((entry) => entry.name).join(", ");
      this.refuse(
        ["deployment"],
        `a job runs one service, this SDL deploys ${deployed.length} (${names}); import it as a service (kind: service)`,
        { withValue: false },
      );
      return undefined;
    }
    const profiles = isRecord(sdl.profiles) ? sdl.profiles : undefined;
    if (!this.fields(["profiles"], sdl.profiles, ["compute", "placement"])) return undefined;

    const lease = { millicores: 0, memoryMiB: 0, diskMiB: 0, gpus: 0, models: undefined as string[] | undefined };
    const services: SdlRecord = {};
    const volumes: SdlRecord = {};
    const volumeUsers = new Map<string, number>();
    const profileOf = new Map<string, ProfileResources>();
    for (const entry of deployed) {
      const resources = this.profile(entry, profiles);
      if (resources === undefined) continue;
      profileOf.set(entry.name, resources);
      for (const volume of resources.volumes) volumeUsers.set(volume.name, (volumeUsers.get(volume.name) ?? 0) + 1);
    }
    for (const entry of deployed) {
      const resources = profileOf.get(entry.name);
      const service = this.service(entry.name, (sdl.services as SdlRecord)[entry.name], kind);
      if (resources === undefined || service === undefined) continue;
      lease.millicores += resources.millicores;
      lease.memoryMiB += resources.memoryMiB;
      lease.diskMiB += resources.diskMiB;
      lease.gpus += resources.gpus;
      if (resources.models !== undefined) {
        if (lease.models === undefined) lease.models = resources.models;
        else {
          const common = lease.models.filter((model) => resources.models?.includes(model));
          if (common.length === 0) {
            this.refuse(
              ["profiles", "compute", entry.profile, "resources", "gpu"],
              "asks for other GPU models than another service; one lease runs on one provider's GPUs, so give the services models in common",
              { withValue: false },
            );
          }
          lease.models = common;
        }
      }
      this.storage(entry, resources, service, volumes, volumeUsers, lease);
      services[entry.name] = service;
    }
    if (deployed.length === 1) {
      for (const [key, from] of profileOf.get((deployed[0] as Deployed).name)?.origins ?? [])
        this.origin.set(key, from);
    }
    if (lease.gpus > 0 && deployed.length > 1) {
      this.warn(
        ["deployment"],
        `the lease's ${lease.gpus} GPU(s) are visible to all its services: OCX does not assign GPUs to one service`,
      );
    }
    const document: SdlRecord = { version: 1, network: true };
    const resources: SdlRecord = {
      cpu: `${lease.millicores}m`,
      memory: Math.max(lease.memoryMiB, 1),
      disk: Math.max(lease.diskMiB, 1),
      gpu: { count: lease.gpus, ...(lease.models !== undefined ? { models: lease.models } : {}) },
    };
    document.resources = resources;
    const names = deployed.map((entry) => entry.name);
    document.name = this.options.name ?? names.join("-").slice(0, 64);
    if (kind === "service") {
      document.kind = "service";
      document.services = services;
      if (Object.keys(volumes).length > 0) document.volumes = volumes;
      if (this.options.maxDuration !== undefined) {
        document.maxDuration = this.options.maxDuration;
        this.origin.set("maxDuration", ["(options)", "maxDuration"]);
      }
    } else {
      const [name] = names as [string];
      const service = services[name] as SdlRecord;
      const expose: Path = ["services", name, "expose"];
      if (service.ports !== undefined) {
        this.warn(expose, "is dropped: a job has no ports (import as a service, kind: service, to keep them)");
      }
      if (service.mounts !== undefined || service.shm !== undefined || Object.keys(volumes).length > 0) {
        this.refuse(
          ["services", name, "params", "storage"],
          "a job has no volumes or shared memory size; import as a service (kind: service), or drop the storage",
          { withValue: false },
        );
        return undefined;
      }
      for (const [key, value] of Object.entries(service)) {
        if (key === "ports" || key === "dependsOn") continue;
        document[key] = value;
        const from = this.origin.get(`services.${name}.${key}`);
        if (from) this.origin.set(key, from);
      }
      for (const [key, from] of this.origin) {
        if (key.startsWith(`services.${name}.env.`)) this.origin.set(key.slice(`services.${name}.`.length), from);
      }
      document.maxDuration = this.options.maxDuration ?? "1h";
      this.origin.set("maxDuration", ["(options)", "maxDuration"]);
    }
    this.placement(placement, deployed, profiles, document, lease.gpus);
    return this.issues.length > 0 ? undefined : document;
  }

  /** A service SDL is a job unless it needs what only a service lease has. */
  private guessKind(deployed: Deployed[]): ManifestKind {
    if (deployed.length > 1) return "service";
    const services = (this.sdl as SdlRecord).services as SdlRecord;
    const service = services[(deployed[0] as Deployed).name];
    if (!isRecord(service)) return "job";
    const expose = Array.isArray(service.expose) ? service.expose : [];
    const global = expose.some(
      (entry) =>
        isRecord(entry) && Array.isArray(entry.to) && entry.to.some((to) => isRecord(to) && to.global === true),
    );
    const storage = isRecord(service.params) && service.params.storage !== undefined;
    return global || storage ? "service" : "job";
  }

  /** The `deployment` section: one placement per service, count 1, every entry a known service. */
  private deployment(services: SdlRecord): Deployed[] {
    const sdl = this.sdl as SdlRecord;
    if (!isRecord(sdl.deployment) || Object.keys(sdl.deployment).length === 0) {
      this.refuse(["deployment"], "must deploy at least one service (deployment: { <service>: { <placement>: … } })");
      return [];
    }
    const deployed: Deployed[] = [];
    for (const [name, placements] of Object.entries(sdl.deployment)) {
      const at: Path = ["deployment", name];
      if (!Object.hasOwn(services, name)) {
        this.refuse(at, `deploys a service that is not in services (${Object.keys(services).join(", ")})`, {
          withValue: false,
          atKey: true,
        });
        continue;
      }
      if (!isRecord(placements) || Object.keys(placements).length === 0) {
        this.refuse(at, "must name one placement: { <placement>: { profile, count } }");
        continue;
      }
      const entries = Object.entries(placements);
      if (entries.length > 1) {
        this.refuse(
          at,
          `places the service in ${entries.length} placements (${entries.map(([key]) => key).join(", ")}); an OCX lease runs on one provider: keep one placement, and import the SDL once per placement`,
          { withValue: false },
        );
        continue;
      }
      const [placement, group] = entries[0] as [string, unknown];
      const path: Path = [...at, placement];
      if (!this.fields(path, group, ["profile", "count"])) continue;
      const count = group.count ?? 1;
      if (count !== 1) {
        this.refuse(
          [...path, "count"],
          "OCX runs one instance of each service per lease (instances would share the lease's ports); set count: 1 and create one lease per instance",
        );
      }
      if (typeof group.profile !== "string") {
        this.refuse([...path, "profile"], "must name a compute profile");
        continue;
      }
      deployed.push({ name, placement, profile: group.profile });
    }
    for (const name of Object.keys(services)) {
      if (!Object.hasOwn(sdl.deployment, name)) {
        this.warn(["services", name], "is not deployed (no deployment entry), so it is left out");
      }
    }
    const placements = [...new Set(deployed.map((entry) => entry.placement))];
    if (placements.length > 1) {
      this.refuse(
        ["deployment"],
        `uses ${placements.length} placements (${placements.join(", ")}); the services of one OCX lease run on one provider: use one placement for all, or import the services separately`,
        { withValue: false },
      );
      return [];
    }
    return deployed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private service(name: string, service: unknown, kind: ManifestKind): SdlRecord | undefined {
    const path: Path = ["services", name];
    if (!DNS_LABEL.test(name)) {
      this.refuse(path, "must be a DNS label (a-z, 0-9, '-', starting with a letter)", {
        withValue: false,
        atKey: true,
      });
      return undefined;
    }
    const refused = {
      credentials:
        "private registry credentials are not supported yet; use a public image, or ask the provider to preload it",
    };
    const known = ["image", "command", "args", "env", "expose", "params", "dependencies"];
    if (!this.fields(path, service, known, refused)) return undefined;
    const out: SdlRecord = {};
    if (service.image === undefined)
      this.refuse([...path, "image"], "is required (OCX imports services that run an image)");
    else {
      out.image = service.image;
      this.origin.set(`services.${name}.image`, [...path, "image"]);
    }
    const command = this.strings([...path, "command"], service.command);
    const args = this.strings([...path, "args"], service.args);
    if (args !== undefined && command === undefined) {
      this.refuse(
        [...path, "args"],
        "needs command: OCX cannot keep the image's entrypoint and replace only its arguments; write the entrypoint and the arguments in command",
        { withValue: false },
      );
    } else if (command !== undefined) {
      out.command = [...command, ...(args ?? [])];
      this.origin.set(`services.${name}.command`, [...path, "command"]);
    }
    if (service.env !== undefined && service.env !== null) out.env = this.env(name, [...path, "env"], service.env);
    if (service.expose !== undefined && service.expose !== null) {
      const ports = this.expose(name, [...path, "expose"], service.expose, kind);
      if (ports.length > 0) out.ports = ports;
    }
    if (service.dependencies !== undefined && service.dependencies !== null) {
      out.dependsOn = this.dependencies([...path, "dependencies"], service.dependencies);
      this.origin.set(`services.${name}.dependsOn`, [...path, "dependencies"]);
      for (const dependency of out.dependsOn as string[]) {
        if (!this.deployed.has(dependency)) {
          this.refuse(
            [...path, "dependencies"],
            `names ${dependency}, which is not a deployed service (${[...this.deployed].join(", ")}); deploy it or remove the dependency`,
            { withValue: false },
          );
        }
      }
    }
    if (service.params !== undefined && service.params !== null) {
      const paramsRefused = { permissions: "OCX services get no access to the provider's API; remove permissions" };
      if (this.fields([...path, "params"], service.params, ["storage"], paramsRefused)) {
        const storage = service.params.storage;
        if (storage !== undefined && storage !== null && !isRecord(storage)) {
          this.refuse([...path, "params", "storage"], "must map storage names to { mount, readOnly }");
        }
      }
    }
    return out;
  }

  private strings(path: Path, value: unknown): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
    this.refuse(path, "must be a list of strings");
    return undefined;
  }

  private env(service: string, path: Path, value: unknown): Record<string, string> | undefined {
    if (!Array.isArray(value)) {
      this.refuse(path, 'must be a list of "NAME=value" strings');
      return undefined;
    }
    const env: Record<string, string> = {};
    value.forEach((entry, index) => {
      const at = [...path, index];
      if (typeof entry !== "string" || entry === "" || entry.startsWith("=")) {
        this.refuse(at, 'must be "NAME=value"');
        return;
      }
      const split = entry.indexOf("=");
      // Akash (like Kubernetes) reads "NAME" alone as NAME set to "".
      const name = split === -1 ? entry : entry.slice(0, split);
      env[name] = split === -1 ? "" : entry.slice(split + 1);
      this.origin.set(formatPath(["services", service, "env", name]), at);
    });
    return env;
  }

  private dependencies(path: Path, value: unknown): string[] {
    if (!Array.isArray(value)) {
      this.refuse(path, "must be a list of { service: <name> }");
      return [];
    }
    const names: string[] = [];
    value.forEach((entry, index) => {
      const at = [...path, index];
      if (!this.fields(at, entry, ["service"])) return;
      if (typeof entry.service !== "string") this.refuse([...at, "service"], "must name a service");
      else names.push(entry.service);
    });
    return names;
  }

  private expose(service: string, path: Path, value: unknown, kind: ManifestKind): SdlRecord[] {
    if (!Array.isArray(value)) {
      this.refuse(path, "must be a list");
      return [];
    }
    // One OCX port per container port: Akash lists a port once per audience.
    const ports = new Map<number, SdlRecord>();
    value.forEach((entry, index) => {
      const at: Path = [...path, index];
      const known = ["port", "as", "proto", "to", "accept", "http_options"];
      if (!this.fields(at, entry, known)) return;
      if (typeof entry.port !== "number" || !Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65_535) {
        this.refuse([...at, "port"], "must be a port number from 1 to 65535");
        return;
      }
      const proto = typeof entry.proto === "string" ? entry.proto.toLowerCase() : (entry.proto ?? "tcp");
      if (proto !== "tcp") {
        const message =
          proto === "udp"
            ? "OCX forwards TCP and HTTP only; UDP ports cannot be reached: remove this entry or serve over TCP"
            : 'must be "tcp" or "udp"';
        this.refuse([...at, "proto"], message);
        return;
      }
      let global = false;
      if (entry.to !== undefined && entry.to !== null) {
        if (!Array.isArray(entry.to)) this.refuse([...at, "to"], "must be a list");
        else
          entry.to.forEach((target: unknown, targetIndex: number) => {
            const targetPath = [...at, "to", targetIndex];
            if (!this.fields(targetPath, target, ["global", "service", "ip"])) return;
            if (target.global === true) global = true;
            if (target.ip !== undefined) {
              this.refuse(
                [...targetPath, "ip"],
                "OCX leases no IP endpoints; a global port is reachable at the provider's URL for the lease",
                { withValue: false },
              );
            }
          });
      }
      if (global && kind === "job") {
        this.refuse(
          [...at, "to"],
          "a job has no public ports; import as a service (kind: service, `ocx deploy`) to publish it",
          { withValue: false },
        );
        return;
      }
      const as = entry.as ?? entry.port;
      if (typeof as !== "number" || !Number.isInteger(as) || as < 1 || as > 65_535) {
        this.refuse([...at, "as"], "must be a port number from 1 to 65535");
        return;
      }
      // Akash routes a global port published as 80 through its HTTP ingress; others are plain TCP.
      const http = global && as === 80;
      const port: SdlRecord = ports.get(entry.port) ?? { port: entry.port, protocol: "tcp", expose: "internal" };
      const seen = [...ports.keys()].indexOf(entry.port);
      const origin = `services.${service}.ports[${seen === -1 ? ports.size : seen}]`;
      this.origin.set(`${origin}.port`, [...at, "port"]);
      if (global) {
        port.expose = "public";
        port.protocol = http ? "http" : "tcp";
        if (as !== entry.port) {
          port.as = as;
          this.origin.set(`${origin}.as`, [...at, "as"]);
        }
      } else if (as !== entry.port) {
        this.warn(
          [...at, "as"],
          `is dropped: the lease's services share one network, so other services reach this port at ${entry.port}`,
        );
      }
      if (entry.accept !== undefined && entry.accept !== null) {
        if (http && Array.isArray(entry.accept)) {
          port.hosts = entry.accept;
          this.origin.set(`${origin}.hosts`, [...at, "accept"]);
        } else if (!Array.isArray(entry.accept)) this.refuse([...at, "accept"], "must be a list of host names");
        else this.warn([...at, "accept"], "is dropped: host names route public HTTP ports (published as 80) only");
      }
      if (entry.http_options !== undefined && entry.http_options !== null) {
        const options = this.httpOptions([...at, "http_options"], entry.http_options);
        if (options && http) port.http = options;
        else if (options) {
          this.warn([...at, "http_options"], "is dropped: it applies to public HTTP ports (published as 80) only");
        }
      }
      ports.set(entry.port, port);
    });
    return [...ports.values()];
  }

  private httpOptions(path: Path, value: unknown): SdlRecord | undefined {
    const known = ["max_body_size", "read_timeout", "send_timeout", "next_tries", "next_timeout", "next_cases"];
    if (!this.fields(path, value, known)) return undefined;
    const out: SdlRecord = {};
    const map = {
      max_body_size: "maxBodyBytes",
      read_timeout: "readTimeoutMs",
      send_timeout: "sendTimeoutMs",
    } as const;
    for (const [key, name] of Object.entries(map)) {
      if (value[key] !== undefined) out[name] = value[key];
    }
    if (value.next_tries !== undefined) out.nextTries = value.next_tries;
    for (const key of ["next_timeout", "next_cases"]) {
      if (value[key] !== undefined) {
        this.warn([...path, key], "is dropped: the OCX ingress retries by next_tries alone");
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** The compute profile of a deployed service, as what it adds to the lease. */
  private profile(entry: Deployed, profiles: SdlRecord | undefined): ProfileResources | undefined {
    const path: Path = ["profiles", "compute", entry.profile];
    const compute = profiles && isRecord(profiles.compute) ? profiles.compute[entry.profile] : undefined;
    if (compute === undefined) {
      this.refuse(path, `is required: deployment.${entry.name} names this compute profile`, { withValue: false });
      return undefined;
    }
    if (!this.fields(path, compute, ["resources"])) return undefined;
    const resources = compute.resources;
    const at: Path = [...path, "resources"];
    if (!this.fields(at, resources, ["cpu", "memory", "storage", "gpu"])) return undefined;
    const out: ProfileResources = { millicores: 0, memoryMiB: 0, diskMiB: 0, gpus: 0, volumes: [], origins: new Map() };
    if (resources.cpu !== undefined) {
      if (this.fields([...at, "cpu"], resources.cpu, ["units", "attributes"])) {
        if (resources.cpu.attributes !== undefined) {
          this.warn([...at, "cpu", "attributes"], "is dropped: OCX offers do not describe CPU models");
        }
        const millicores = this.quantity([...at, "cpu", "units"], () =>
          parseCpu(resources.cpu && (resources.cpu as SdlRecord).units),
        );
        if (millicores !== undefined) out.millicores = millicores;
        out.origins.set("resources.cpu", [...at, "cpu", "units"]);
      }
    } else this.refuse([...at, "cpu"], "is required (cpu: { units: 1 })", { withValue: false });
    if (resources.memory !== undefined) {
      if (this.fields([...at, "memory"], resources.memory, ["size", "attributes"])) {
        if (resources.memory.attributes !== undefined) {
          this.warn([...at, "memory", "attributes"], "is dropped: OCX does not match memory attributes");
        }
        const mib = this.quantity([...at, "memory", "size"], () => sdlSizeMiB((resources.memory as SdlRecord).size));
        if (mib !== undefined) out.memoryMiB = mib;
        out.origins.set("resources.memory", [...at, "memory", "size"]);
      }
    } else this.refuse([...at, "memory"], "is required (memory: { size: 1Gi })", { withValue: false });
    if (resources.storage !== undefined) this.profileStorage([...at, "storage"], resources.storage, out);
    if (resources.gpu !== undefined) this.gpu([...at, "gpu"], resources.gpu, out);
    return out;
  }

  private profileStorage(path: Path, storage: unknown, out: ProfileResources) {
    const entries = Array.isArray(storage) ? storage : [storage];
    let unnamed = false;
    entries.forEach((volume, index) => {
      const at = Array.isArray(storage) ? [...path, index] : path;
      if (!this.fields(at, volume, ["name", "size", "attributes"])) return;
      const mib = this.quantity([...at, "size"], () => sdlSizeMiB(volume.size));
      if (mib === undefined) return;
      const name = volume.name ?? "default";
      const attributes = volume.attributes;
      if (
        attributes !== undefined &&
        attributes !== null &&
        !this.fields([...at, "attributes"], attributes, ["persistent", "class"])
      ) {
        return;
      }
      const persistent = isRecord(attributes) && (attributes.persistent === true || attributes.persistent === "true");
      const storageClass = isRecord(attributes) ? attributes.class : undefined;
      if (name === "default" && !persistent && storageClass === undefined) {
        if (unnamed) this.refuse(at, "repeats the unnamed (default) storage entry", { withValue: false });
        unnamed = true;
        out.diskMiB += mib;
        out.origins.set("resources.disk", [...at, "size"]);
        return;
      }
      if (typeof name !== "string" || !DNS_LABEL.test(name)) {
        this.refuse([...at, "name"], "must be a DNS label (a-z, 0-9, '-', starting with a letter)");
        return;
      }
      if (storageClass === "ram") {
        if (persistent) {
          this.refuse(
            [...at, "attributes"],
            "a ram volume cannot be persistent; set persistent: false or another class",
          );
          return;
        }
        out.volumes.push({ name, sizeMiB: mib, class: "ram", path: at });
        return;
      }
      if (!persistent) {
        this.refuse(
          at,
          "a named storage entry must be persistent: true or class: ram; write scratch space into the unnamed storage entry instead",
          { withValue: false },
        );
        return;
      }
      if (storageClass !== undefined && storageClass !== "default") {
        this.warn(
          [...at, "attributes", "class"],
          `is dropped: OCX has one persistent class, the provider's disk (the SDL asked for ${String(storageClass)})`,
        );
      }
      out.volumes.push({ name, sizeMiB: mib, class: "persistent", path: at });
    });
  }

  /** Turns a profile's named volumes into lease volumes and the service's mounts (or its shm). */
  private storage(
    entry: Deployed,
    resources: ProfileResources,
    service: SdlRecord,
    volumes: SdlRecord,
    users: Map<string, number>,
    lease: { memoryMiB: number; diskMiB: number },
  ) {
    const sdlServices = (this.sdl as SdlRecord).services as SdlRecord;
    const params = (sdlServices[entry.name] as SdlRecord | undefined)?.params;
    const storageParams = isRecord(params) && isRecord(params.storage) ? params.storage : {};
    const mounts: SdlRecord[] = [];
    for (const [name, mount] of Object.entries(storageParams)) {
      const at: Path = ["services", entry.name, "params", "storage", name];
      if (!this.fields(at, mount, ["mount", "readOnly"])) continue;
      const volume = resources.volumes.find((candidate) => candidate.name === name);
      if (volume === undefined) {
        this.refuse(
          at,
          `names no persistent or ram storage entry of profile ${entry.profile}; declare it under its storage`,
          {
            withValue: false,
            atKey: true,
          },
        );
        continue;
      }
      if (typeof mount.mount !== "string") {
        this.refuse([...at, "mount"], 'must be an absolute path like "/data"');
        continue;
      }
      if (volume.class === "ram" && mount.mount.replace(/\/+$/, "") === "/dev/shm") {
        // Akash's way to size /dev/shm: a ram volume mounted there.
        service.shm = volume.sizeMiB;
        lease.memoryMiB += volume.sizeMiB;
        this.origin.set(`services.${entry.name}.shm`, volume.path);
        volume.name = "";
        continue;
      }
      const leaseName = (users.get(name) ?? 0) > 1 ? `${entry.name}-${name}` : name;
      mounts.push({ volume: leaseName, path: mount.mount, ...(mount.readOnly === true ? { readOnly: true } : {}) });
      this.origin.set(`services.${entry.name}.mounts[${mounts.length - 1}].path`, [...at, "mount"]);
    }
    for (const volume of resources.volumes) {
      if (volume.name === "") continue;
      const leaseName = (users.get(volume.name) ?? 0) > 1 ? `${entry.name}-${volume.name}` : volume.name;
      if (!Object.hasOwn(storageParams, volume.name)) {
        this.warn(
          volume.path,
          `is not mounted by service ${entry.name} (no params.storage.${volume.name}), so it is left out`,
        );
        continue;
      }
      volumes[leaseName] = { size: volume.sizeMiB, class: volume.class };
      this.origin.set("volumes", volume.path);
      if (volume.class === "persistent") lease.diskMiB += volume.sizeMiB;
      else lease.memoryMiB += volume.sizeMiB;
    }
    if (mounts.length > 0) service.mounts = mounts;
  }

  private gpu(path: Path, gpu: unknown, out: ProfileResources) {
    if (!this.fields(path, gpu, ["units", "attributes"])) return;
    const units = typeof gpu.units === "string" && /^\d+$/.test(gpu.units) ? Number(gpu.units) : gpu.units;
    if (typeof units !== "number" || !Number.isInteger(units) || units < 0 || units > 64) {
      this.refuse([...path, "units"], "must be an integer from 0 to 64");
      return;
    }
    out.gpus = units;
    out.origins.set("resources.gpu.count", [...path, "units"]);
    if (gpu.attributes === undefined || gpu.attributes === null) return;
    if (!this.fields([...path, "attributes"], gpu.attributes, ["vendor"])) return;
    const vendors = gpu.attributes.vendor;
    const vendorPath = [...path, "attributes", "vendor"];
    if (!isRecord(vendors)) {
      this.refuse(vendorPath, "must map vendor names to lists of models");
      return;
    }
    const models: string[] = [];
    let anyModel = false;
    for (const [vendor, list] of Object.entries(vendors)) {
      const at = [...vendorPath, vendor];
      if (!/^[a-z0-9]+$/.test(vendor)) {
        this.refuse(at, "must be a vendor name like nvidia or amd", { withValue: false, atKey: true });
        continue;
      }
      if (vendor !== "nvidia") {
        this.warn(
          at,
          "names a vendor OCX providers do not publish yet (they detect NVIDIA GPUs); it matches no offer today",
        );
      }
      // `nvidia:` with no list means any model of that vendor.
      if (list === null || list === undefined) {
        anyModel = true;
        continue;
      }
      if (!Array.isArray(list)) {
        this.refuse(at, "must be a list of { model, ram } entries");
        continue;
      }
      list.forEach((entry, index) => {
        const entryPath = [...at, index];
        if (!this.fields(entryPath, entry, ["model", "ram", "interface"])) return;
        if (typeof entry.model !== "string" || !/^[a-z0-9][a-z0-9 ._-]*$/i.test(entry.model)) {
          this.refuse([...entryPath, "model"], 'must be a model name like "h100", "a100" or "rtx4090"');
          return;
        }
        if (entry.interface !== undefined) {
          this.warn(
            [...entryPath, "interface"],
            "is dropped: OCX model ids do not tell SXM from PCIe, so either form factor matches",
          );
        }
        let vramGb: number | undefined;
        if (entry.ram !== undefined) {
          const ram =
            typeof entry.ram === "string" ? /^(\d+)\s*(g|gi|gb|gib|t|ti|tb|tib)$/i.exec(entry.ram.trim()) : null;
          if (!ram) {
            this.refuse([...entryPath, "ram"], 'must be whole GB like "80Gi" (or "80GB", "80G")');
            return;
          }
          vramGb = Number(ram[1]) * ((ram[2] as string).toLowerCase().startsWith("t") ? 1024 : 1);
        }
        const { ids, known } = gpuModelIds(vendor, entry.model, vramGb);
        if (ids.length === 0) {
          this.refuse(
            [...entryPath, "ram"],
            `is needed: OCX does not know the memory sizes of ${vendor} ${entry.model}; add ram: <GB>Gi so the model id can be built`,
            { withValue: false },
          );
          return;
        }
        if (!known) {
          this.warn(
            [...entryPath, "model"],
            `is not a GPU OCX knows; it matches providers that publish exactly ${ids.join(", ")}`,
          );
        }
        for (const id of ids) {
          if (models.includes(id)) continue;
          out.origins.set(`resources.gpu.models[${models.length}]`, entryPath);
          models.push(id);
        }
      });
    }
    // "Any NVIDIA" beside listed models: the listed ones do not narrow it.
    if (!anyModel) out.models = models;
  }

  private placement(
    name: string,
    deployed: Deployed[],
    profiles: SdlRecord | undefined,
    document: SdlRecord,
    gpus: number,
  ) {
    const path: Path = ["profiles", "placement", name];
    const placement = profiles && isRecord(profiles.placement) ? profiles.placement[name] : undefined;
    if (placement === undefined) {
      this.refuse(path, "is required: the deployment names this placement", { withValue: false });
      return;
    }
    if (!this.fields(path, placement, ["attributes", "pricing", "signedBy"])) return;
    const out: SdlRecord = {};
    const attributes = placement.attributes;
    if (isRecord(attributes)) {
      const rest: SdlRecord = {};
      for (const [key, value] of Object.entries(attributes)) {
        if (key === "region") {
          out.regions = [value];
          this.origin.set("placement.regions[0]", [...path, "attributes", "region"]);
        } else {
          rest[key] = value;
          this.origin.set("placement.attributes", [...path, "attributes", key]);
        }
      }
      if (Object.keys(rest).length > 0) out.attributes = rest;
    } else if (attributes !== undefined && attributes !== null) {
      this.refuse([...path, "attributes"], "must be a mapping like { region: us-west }");
    }
    if (placement.signedBy !== undefined && placement.signedBy !== null) {
      if (this.fields([...path, "signedBy"], placement.signedBy, ["anyOf", "allOf"])) {
        out.verified = true;
        this.warn(
          [...path, "signedBy"],
          "names Akash auditors, which OCX does not have: mapped to placement.verified (providers with a current OCX validator attestation); the auditor addresses are dropped",
        );
      }
    }
    if (Object.keys(out).length > 0) document.placement = out;
    if (this.options.maxPricePerGpuHour !== undefined) {
      document.maxPricePerGpuHour = this.options.maxPricePerGpuHour;
      this.origin.set("maxPricePerGpuHour", ["(options)", "maxPricePerGpuHour"]);
      return;
    }
    if (placement.pricing === undefined || placement.pricing === null) return;
    if (!isRecord(placement.pricing)) {
      this.refuse([...path, "pricing"], "must map compute profiles to prices");
      return;
    }
    // The lease's price is the sum of its services' prices (each instance of a profile pays it).
    let weiPerBlock = 0n;
    let pricePath: Path | undefined;
    for (const entry of deployed) {
      const at = [...path, "pricing", entry.profile];
      const price = placement.pricing[entry.profile];
      if (price === undefined) continue;
      if (!this.fields(at, price, ["denom", "amount"])) return;
      if (price.denom !== SDL_OCX_DENOM) {
        this.refuse(
          [...at, "denom"],
          `OCX cannot convert this denomination to OCX; write the amount in "${SDL_OCX_DENOM}" per block, or remove pricing and pass maxPricePerGpuHour (OCX per GPU-hour) to the import`,
        );
        return;
      }
      const amount = typeof price.amount === "number" ? String(price.amount) : price.amount;
      if (typeof amount !== "string" || !/^\d+(\.\d{1,12})?$/.test(amount)) {
        this.refuse([...at, "amount"], "must be an amount of uocx per block like 1000 or 0.5 (at most 12 decimals)");
        return;
      }
      weiPerBlock += parseUnits(amount, 12);
      pricePath = [...at, "amount"];
    }
    if (pricePath === undefined) return;
    // The limit is per GPU-hour; a CPU-only lease's is per hour, as OCX prices CPU bundles (one unit).
    const units = gpus > 0 ? gpus : 1;
    // uocx per block → wei per block → wei per hour (3600 / 6 blocks) → per GPU, rounded down.
    const perGpuHour = (weiPerBlock * (3600n / AKASH_BLOCK_SECONDS)) / BigInt(units);
    document.maxPricePerGpuHour = formatEther(perGpuHour);
    this.origin.set("maxPricePerGpuHour", pricePath);
  }
}
