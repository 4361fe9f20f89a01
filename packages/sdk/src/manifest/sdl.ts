// Imports an Akash SDL v2.0 deployment as an OCX job manifest. What OCX cannot honour (public
// endpoints, persistent volumes, auditors, a second service) is refused by name, never dropped.
import { formatEther, parseUnits } from "viem";
import { formatPath, ManifestError, type ManifestIssue, showValue } from "./errors.js";
import { type Locate, loadYaml, manifestFromDocument, valueAt } from "./parse.js";
import { parseCpu, parseSize, QuantityError } from "./quantities.js";
import type { Manifest } from "./types.js";

/** One problem in an SDL file; `path` is the SDL field (`services.web.expose[0].to[0].global`). */
export type SdlIssue = ManifestIssue;

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

/** Options of `fromAkashSdl`. */
export interface FromAkashSdlOptions {
  /** Names the SDL in error messages, usually its file name. */
  source?: string;
  /** The job's time limit: SDL has none. Default "1h". */
  maxDuration?: string | number;
  /**
   * The price limit in OCX per GPU-hour (`"2.5"`). It replaces the SDL's `pricing`, which is
   * needed when that is in a denomination OCX cannot convert (`uakt`, `usdc`, IBC tokens).
   */
  maxPricePerGpuHour?: string;
}

/** The block time assumed to turn SDL per-block prices into per-hour prices, in seconds. */
export const AKASH_BLOCK_SECONDS = 6n;

/** The one SDL denomination OCX converts: micro-OCX (10^-6 OCX, so 10^12 wei) per block. */
export const SDL_OCX_DENOM = "uocx";

type Path = (string | number)[];
type SdlRecord = Record<string, unknown>;

const isRecord = (value: unknown): value is SdlRecord =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Imports an Akash SDL v2.0 file with one service (deployed once) as an OCX manifest.
 * `command` + `args` become the argv; `env` entries become the env map; cpu, memory, the
 * ephemeral storage and GPUs become resources (GPU model ids are `<vendor>-<model>[-<ram>]`,
 * e.g. `nvidia-h100-80gb`); the placement's `region` attribute becomes `placement.regions`.
 * The job gets `network: true` (Akash containers always reach the internet) and
 * `maxDuration` from the options (default one hour). Prices in `uocx` per block convert at
 * one block per 6 s; other denominations need `options.maxPricePerGpuHour`.
 * Throws `SdlError` naming each SDL field OCX cannot honour.
 * @example
 * const manifest = fromAkashSdl(await readFile("deploy.yaml", "utf8"), { maxDuration: "2h" });
 * manifest.resources.gpu.models; // ["nvidia-h100-80gb"]
 */
export function fromAkashSdl(yamlText: string, options: FromAkashSdlOptions = {}): Manifest {
  const source = options.source ?? "SDL";
  const yaml = loadYaml(yamlText);
  if (yaml.issues.length > 0) throw new SdlError(yaml.issues, source);
  const importer = new SdlImporter(yaml.value, yaml.locate, options);
  const document = importer.run();
  if (importer.issues.length > 0 || document === undefined) throw new SdlError(importer.sorted(), source);
  try {
    return manifestFromDocument(document, { source });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new SdlError(importer.translate(error.issues), source);
  }
}

class SdlImporter {
  readonly issues: SdlIssue[] = [];
  /** Which SDL field each manifest field came from, to word the manifest's own errors. */
  private readonly origin = new Map<string, Path>();

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

  sorted(): SdlIssue[] {
    return [...this.issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
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

  private onlyEntry(path: Path, value: unknown, what: string): [string, unknown] | undefined {
    if (!isRecord(value) || Object.keys(value).length === 0) {
      this.refuse(path, `must name one ${what}`);
      return undefined;
    }
    const entries = Object.entries(value);
    if (entries.length > 1) {
      const names = entries.map(([name]) => name).join(", ");
      this.refuse(path, `OCX runs one ${what} per job; this SDL has ${entries.length} (${names})`, {
        withValue: false,
      });
      return undefined;
    }
    return entries[0];
  }

  run(): SdlRecord | undefined {
    const sdl = this.sdl;
    const top = ["version", "services", "profiles", "deployment"];
    if (!this.fields([], sdl, top, { endpoints: "OCX jobs cannot lease IP endpoints" })) return undefined;
    if (sdl.version === undefined) this.refuse(["version"], 'is required (version: "2.0")');
    else if (sdl.version !== "2.0" && sdl.version !== 2) {
      this.refuse(["version"], 'OCX imports SDL version "2.0"');
    }
    const document: SdlRecord = { version: 1, network: true, maxDuration: this.options.maxDuration ?? "1h" };
    this.origin.set("maxDuration", ["(options)", "maxDuration"]);

    const service = this.onlyEntry(["services"], sdl.services, "service");
    if (service) this.service(service[0], service[1], document);
    const deployment = this.deployment(service?.[0]);
    if (deployment) this.profiles(deployment, document);
    return this.issues.length > 0 ? undefined : document;
  }

  private service(name: string, service: unknown, document: SdlRecord) {
    const path: Path = ["services", name];
    document.name = name;
    this.origin.set("name", path);
    const refused = {
      credentials: "private registry credentials are not supported yet; use a public image",
      dependencies: "OCX runs one service per job, so a service cannot depend on another",
    };
    if (!this.fields(path, service, ["image", "command", "args", "env", "expose", "params"], refused)) return;
    if (service.image === undefined)
      this.refuse([...path, "image"], "is required (OCX imports SDL services that run an image)");
    else {
      document.image = service.image;
      this.origin.set("image", [...path, "image"]);
    }
    const command = this.strings([...path, "command"], service.command);
    const args = this.strings([...path, "args"], service.args);
    if (args !== undefined && command === undefined) {
      this.refuse(
        [...path, "args"],
        "needs command: an OCX command replaces the image's entrypoint, so write the program in command",
        {
          withValue: false,
        },
      );
    } else if (command !== undefined) {
      document.command = [...command, ...(args ?? [])];
      this.origin.set("command", [...path, "command"]);
    }
    if (service.env !== undefined) document.env = this.env([...path, "env"], service.env);
    if (service.expose !== undefined) this.expose([...path, "expose"], service.expose);
    if (service.params !== undefined) {
      const paramsRefused = {
        storage: "OCX jobs have no persistent volumes; the job folder holds the inputs, and outputs collect results",
        permissions: "OCX jobs get no access to the provider's Akash API",
      };
      this.fields([...path, "params"], service.params, [], paramsRefused);
    }
  }

  private strings(path: Path, value: unknown): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
    this.refuse(path, "must be a list of strings");
    return undefined;
  }

  private env(path: Path, value: unknown): Record<string, string> | undefined {
    if (!Array.isArray(value)) {
      this.refuse(path, 'must be a list of "NAME=value" strings');
      return undefined;
    }
    const env: Record<string, string> = {};
    value.forEach((entry, index) => {
      const at = [...path, index];
      const split = typeof entry === "string" ? entry.indexOf("=") : -1;
      if (typeof entry !== "string" || split <= 0) {
        this.refuse(at, 'must be "NAME=value"');
        return;
      }
      const name = entry.slice(0, split);
      env[name] = entry.slice(split + 1);
      this.origin.set(formatPath(["env", name]), at);
    });
    return env;
  }

  private expose(path: Path, value: unknown) {
    if (!Array.isArray(value)) {
      this.refuse(path, "must be a list");
      return;
    }
    // A single-service job has no one to expose a port to but the world; only that is refused.
    value.forEach((entry, index) => {
      const at = [...path, index];
      const known = ["port", "as", "proto", "to", "accept", "http_options"];
      if (!this.fields(at, entry, known)) return;
      if (entry.accept !== undefined) {
        this.refuse([...at, "accept"], "OCX jobs cannot serve public hostnames yet", { withValue: false });
      }
      if (entry.to === undefined || entry.to === null) return;
      if (!Array.isArray(entry.to)) {
        this.refuse([...at, "to"], "must be a list");
        return;
      }
      entry.to.forEach((target: unknown, targetIndex: number) => {
        const targetPath = [...at, "to", targetIndex];
        if (!this.fields(targetPath, target, ["global", "service", "ip"])) return;
        if (target.global === true) {
          this.refuse([...targetPath, "global"], "OCX jobs cannot expose public endpoints yet", { withValue: false });
        }
        if (target.ip !== undefined) {
          this.refuse([...targetPath, "ip"], "OCX jobs cannot lease IP endpoints", { withValue: false });
        }
      });
    });
  }

  /** The single `deployment.<service>.<placement>` entry: its placement and compute profile. */
  private deployment(serviceName: string | undefined): { placement: string; profile: string } | undefined {
    const service = this.onlyEntry(["deployment"], this.sdl && (this.sdl as SdlRecord).deployment, "deployed service");
    if (!service) return undefined;
    const [name, placements] = service;
    if (serviceName !== undefined && name !== serviceName) {
      this.refuse(["deployment", name], `deploys a service that is not in services (${serviceName})`, {
        withValue: false,
        atKey: true,
      });
      return undefined;
    }
    const placement = this.onlyEntry(["deployment", name], placements, "placement");
    if (!placement) return undefined;
    const path: Path = ["deployment", name, placement[0]];
    const group = placement[1];
    if (!this.fields(path, group, ["profile", "count"])) return undefined;
    if (group.count !== undefined && group.count !== 1) {
      this.refuse([...path, "count"], "OCX runs one instance per job; submit one job per instance");
    }
    if (typeof group.profile !== "string") {
      this.refuse([...path, "profile"], "must name a compute profile");
      return undefined;
    }
    return { placement: placement[0], profile: group.profile };
  }

  private profiles(deployment: { placement: string; profile: string }, document: SdlRecord) {
    const sdl = this.sdl as SdlRecord;
    if (!this.fields(["profiles"], sdl.profiles, ["compute", "placement"])) return;
    const profiles = sdl.profiles;
    const computePath: Path = ["profiles", "compute", deployment.profile];
    const compute = isRecord(profiles.compute) ? profiles.compute[deployment.profile] : undefined;
    if (compute === undefined) {
      this.refuse(computePath, "is required: the deployment names this compute profile", { withValue: false });
    } else if (this.fields(computePath, compute, ["resources"])) {
      this.resources([...computePath, "resources"], compute.resources, document);
    }
    const placementPath: Path = ["profiles", "placement", deployment.placement];
    const placement = isRecord(profiles.placement) ? profiles.placement[deployment.placement] : undefined;
    if (placement === undefined) {
      this.refuse(placementPath, "is required: the deployment names this placement", { withValue: false });
    } else if (
      this.fields(placementPath, placement, ["attributes", "pricing"], { signedBy: "OCX has no auditors yet" })
    ) {
      this.placement(placementPath, placement, deployment.profile, document);
    }
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

  private resources(path: Path, resources: unknown, document: SdlRecord) {
    if (!this.fields(path, resources, ["cpu", "memory", "storage", "gpu"])) return;
    const out: SdlRecord = {};
    document.resources = out;
    if (
      resources.cpu !== undefined &&
      this.fields([...path, "cpu"], resources.cpu, ["units"], { attributes: "OCX does not match CPU attributes" })
    ) {
      const millicores = this.quantity([...path, "cpu", "units"], () =>
        parseCpu(resources.cpu && (resources.cpu as SdlRecord).units),
      );
      if (millicores !== undefined) out.cpu = `${millicores}m`;
      this.origin.set("resources.cpu", [...path, "cpu", "units"]);
    }
    if (
      resources.memory !== undefined &&
      this.fields([...path, "memory"], resources.memory, ["size"], {
        attributes: "OCX does not match memory attributes",
      })
    ) {
      const size = (resources.memory as SdlRecord).size;
      const mib = this.quantity([...path, "memory", "size"], () => parseSize(size, { bareNumber: "bytes" }));
      if (mib !== undefined) out.memory = mib;
      this.origin.set("resources.memory", [...path, "memory", "size"]);
    }
    if (resources.storage !== undefined) this.storage([...path, "storage"], resources.storage, out);
    if (resources.gpu !== undefined) this.gpu([...path, "gpu"], resources.gpu, out);
  }

  private storage(path: Path, storage: unknown, out: SdlRecord) {
    const volumes = Array.isArray(storage) ? storage : [storage];
    volumes.forEach((volume, index) => {
      const at = Array.isArray(storage) ? [...path, index] : path;
      if (!this.fields(at, volume, ["name", "size", "attributes"])) return;
      const attributes = volume.attributes;
      const persistent = isRecord(attributes) && (attributes.persistent === true || attributes.persistent === "true");
      const named = volume.name !== undefined && volume.name !== "default";
      if (persistent || named || attributes !== undefined) {
        const message = persistent
          ? "OCX jobs have no persistent volumes; the job folder holds the inputs, and outputs collect results"
          : "OCX jobs have one disk, the job folder: only the unnamed (default) storage entry can be imported";
        this.refuse(at, message, { withValue: false });
        return;
      }
      if (out.disk !== undefined) {
        this.refuse(at, "repeats the default storage entry", { withValue: false });
        return;
      }
      const mib = this.quantity([...at, "size"], () => parseSize(volume.size, { bareNumber: "bytes" }));
      if (mib !== undefined) out.disk = mib;
      this.origin.set("resources.disk", [...at, "size"]);
    });
  }

  private gpu(path: Path, gpu: unknown, out: SdlRecord) {
    if (!this.fields(path, gpu, ["units", "attributes"])) return;
    const units = typeof gpu.units === "string" && /^\d+$/.test(gpu.units) ? Number(gpu.units) : gpu.units;
    const spec: SdlRecord = { count: units };
    out.gpu = spec;
    this.origin.set("resources.gpu.count", [...path, "units"]);
    if (gpu.attributes === undefined || gpu.attributes === null) return;
    if (!this.fields([...path, "attributes"], gpu.attributes, ["vendor"])) return;
    const vendors = gpu.attributes.vendor;
    const vendorPath = [...path, "attributes", "vendor"];
    if (!isRecord(vendors)) {
      this.refuse(vendorPath, "must map vendor names to lists of models");
      return;
    }
    const models: string[] = [];
    for (const [vendor, list] of Object.entries(vendors)) {
      const at = [...vendorPath, vendor];
      if (!/^[a-z0-9]+$/.test(vendor)) {
        this.refuse(at, "must be a vendor name like nvidia or amd", { withValue: false, atKey: true });
        continue;
      }
      // `nvidia:` with no list means any model of that vendor; OCX ids cannot say "any NVIDIA".
      if (list === null || list === undefined) continue;
      if (!Array.isArray(list)) {
        this.refuse(at, "must be a list of { model, ram } entries");
        continue;
      }
      list.forEach((entry, index) => {
        const entryPath = [...at, index];
        const interfaceRefusal = "OCX GPU model ids do not tell SXM from PCIe; remove interface to accept either";
        if (!this.fields(entryPath, entry, ["model", "ram"], { interface: interfaceRefusal })) return;
        if (typeof entry.model !== "string" || !/^[a-z0-9][a-z0-9._-]*$/i.test(entry.model)) {
          this.refuse([...entryPath, "model"], 'must be a model name like "h100" or "a100"');
          return;
        }
        let id = `${vendor}-${entry.model.toLowerCase()}`;
        if (entry.ram !== undefined) {
          const ram = typeof entry.ram === "string" ? /^(\d+)\s*([GT])i?$/i.exec(entry.ram) : null;
          if (!ram) {
            this.refuse([...entryPath, "ram"], 'must be whole GiB or TiB like "80Gi"');
            return;
          }
          id += `-${ram[1]}${(ram[2] as string).toLowerCase()}b`;
        }
        this.origin.set(`resources.gpu.models[${models.length}]`, entryPath);
        models.push(id);
      });
    }
    spec.models = models;
  }

  private placement(path: Path, placement: SdlRecord, profile: string, document: SdlRecord) {
    const attributes = placement.attributes;
    if (isRecord(attributes)) {
      for (const key of Object.keys(attributes)) {
        if (key === "region") continue;
        const message = `OCX matches providers by region only; remove ${key} to accept any provider in the region`;
        this.refuse([...path, "attributes", key], message, { withValue: false, atKey: true });
      }
      if (attributes.region !== undefined) {
        document.placement = { regions: [attributes.region] };
        this.origin.set("placement.regions[0]", [...path, "attributes", "region"]);
      }
    } else if (attributes !== undefined && attributes !== null) {
      this.refuse([...path, "attributes"], "must be a mapping like { region: us-west }");
    }
    if (this.options.maxPricePerGpuHour !== undefined) {
      document.maxPricePerGpuHour = this.options.maxPricePerGpuHour;
      this.origin.set("maxPricePerGpuHour", ["(options)", "maxPricePerGpuHour"]);
      return;
    }
    if (placement.pricing === undefined) return;
    if (!isRecord(placement.pricing)) {
      this.refuse([...path, "pricing"], "must map compute profiles to prices");
      return;
    }
    const pricePath = [...path, "pricing", profile];
    const price = placement.pricing[profile];
    if (price === undefined) return;
    if (!this.fields(pricePath, price, ["denom", "amount"])) return;
    if (price.denom !== SDL_OCX_DENOM) {
      this.refuse(
        [...pricePath, "denom"],
        `OCX cannot convert this denomination to OCX; write the amount in "${SDL_OCX_DENOM}" per block, or remove pricing and pass maxPricePerGpuHour (OCX per GPU-hour) to the import`,
      );
      return;
    }
    const amount = typeof price.amount === "number" ? String(price.amount) : price.amount;
    if (typeof amount !== "string" || !/^\d+(\.\d{1,12})?$/.test(amount)) {
      this.refuse(
        [...pricePath, "amount"],
        "must be an amount of uocx per block like 1000 or 0.5 (at most 12 decimals)",
      );
      return;
    }
    const resources = document.resources as SdlRecord | undefined;
    // The limit is per GPU-hour; a CPU-only job's is per hour, as OCX prices CPU bundles (one unit).
    const count = (resources?.gpu as SdlRecord | undefined)?.count;
    const gpus = typeof count === "number" && Number.isInteger(count) && count > 0 ? count : 1;
    // uocx per block → wei per block → wei per hour (3600 / 6 blocks) → per GPU, rounded down.
    const weiPerBlock = parseUnits(amount, 12);
    const perGpuHour = (weiPerBlock * (3600n / AKASH_BLOCK_SECONDS)) / BigInt(gpus);
    document.maxPricePerGpuHour = formatEther(perGpuHour);
    this.origin.set("maxPricePerGpuHour", [...pricePath, "amount"]);
  }
}
