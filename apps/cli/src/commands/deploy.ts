// `ocx deploy <manifest | sdl>`: deploys long-running services — the job steps up to the start, then a wait
// for the services to be healthy — and prints their public URLs. The lease runs until `ocx job close`.
import {
  type DeployServiceEvent,
  deployService,
  type GetServiceStatusReturnType,
  OcxUsageError,
  perSecondToPerHour,
  resolveInputs,
  type ServiceUrl,
} from "@ocx/sdk";
import { Command } from "commander";
import { parseDurationArgument, parseId, parseOcxArgument } from "../chain.js";
import { createContext } from "../context.js";
import { formatPayment } from "../format.js";
import { readJobFile } from "../jobfile.js";
import { runReporter } from "../progress.js";

interface DeployOptions {
  offer?: string;
  deposit?: string;
  hours?: string;
  maxPrice?: string;
  wait: boolean;
  timeout: string;
}

/** One line per service: its state and why. */
export function describeServices(status: Pick<GetServiceStatusReturnType, "services">): string[] {
  return status.services.map(
    (s) =>
      `  ${s.name.padEnd(12)} ${s.state}${s.restarts ? `, ${s.restarts} restart(s)` : ""}${s.reason ? ` — ${s.reason}` : ""}`,
  );
}

/** One line per public port: the URL, and the other ways to reach it. */
export function describeUrls(urls: readonly ServiceUrl[]): string[] {
  return urls.map(
    (u) => `  ${`${u.service}:${u.port}`.padEnd(16)} ${u.url}${u.also.length ? `  (also ${u.also.join(", ")})` : ""}`,
  );
}

export function deployCommand(): Command {
  return new Command("deploy")
    .description("deploy long-running services (an OCX service manifest or an Akash SDL) and print their URLs")
    .argument("<file>", "a service manifest (kind: service) or an Akash SDL (YAML)")
    .option("--offer <id>", "take this offer instead of the cheapest match")
    .option("--deposit <ocx>", "escrow to deposit, in OCX")
    .option("--hours <h>", "deposit enough for this many hours (default: the manifest's duration)")
    .option("--max-price <ocx>", "price limit in OCX per GPU-hour (replaces the manifest's)")
    .option("--no-wait", "return once the services are started, without waiting for them to be healthy")
    .option("--timeout <time>", "how long to wait for every service to be healthy", "120s")
    .addHelpText(
      "after",
      `
Steps (the SDK's deployService): find the cheapest matching offer, take the lease (with the
provider's signed quote when it gives one), upload the manifest and inputs, start the services,
and wait until every one is healthy, showing their states. Then prints the lease id and a URL per
public port. The lease runs until you close it (\`ocx job close <id>\`) or its escrow is spent:
top it up with \`ocx job topup <id> <ocx>\`.
Exit codes: 2 bad manifest or SDL, 3 chain unreachable, 4 transaction refused, 5 provider refused,
6 no matching offer, 1 services not healthy in time (the lease keeps running).

Examples:
  $ ocx deploy webapp.yaml
  $ ocx deploy deploy.sdl.yaml --hours 24 --max-price 0.5
  $ ocx deploy webapp.yaml --json | jq -r '.urls[0].url'
`,
    )
    .action(async (file: string, options: DeployOptions, command: Command) => {
      if (options.deposit !== undefined && options.hours !== undefined) {
        throw new OcxUsageError("give --deposit or --hours, not both");
      }
      const deposit = options.deposit === undefined ? undefined : parseOcxArgument(options.deposit, "--deposit");
      const hours = options.hours === undefined ? undefined : Number(options.hours);
      if (hours !== undefined && !(hours > 0)) {
        throw new OcxUsageError(`--hours must be a positive number, got "${options.hours}"`);
      }
      const maxPricePerGpuHour =
        options.maxPrice === undefined ? undefined : parseOcxArgument(options.maxPrice, "--max-price");
      const offerId = options.offer === undefined ? undefined : parseId(options.offer, "--offer");
      const timeoutSeconds = parseDurationArgument(options.timeout, "--timeout");
      // An SDL is imported as services (its exposes become public or internal ports); what the import drops is
      // said on stderr and listed under `warnings` with --json.
      const {
        manifest: parsed,
        kind,
        baseDir,
        warnings,
      } = await readJobFile(file, {
        sdlKind: "service",
        ...(options.maxPrice === undefined ? {} : { maxPrice: options.maxPrice }),
      });
      if (parsed.kind !== "service") {
        throw new OcxUsageError(
          `${file} describes a batch job, not services: run it with \`ocx job submit ${file}\` or \`ocx run\``,
          {
            hint: "a service manifest has `kind: service` and `services:`; an Akash SDL's services become OCX services",
          },
        );
      }
      const context = await createContext(command);
      context.progress(
        `read ${kind === "akash-sdl" ? "Akash SDL" : "manifest"} ${file}: ${parsed.services.length} service(s) (${parsed.services.map((s) => s.name).join(", ")})`,
      );
      const manifest = await resolveInputs(parsed, baseDir);
      const report = runReporter(context);
      const onEvent = (event: DeployServiceEvent) => {
        if (event.type !== "services") return report(event);
        const seconds = (event.elapsedMs / 1000).toFixed(1);
        const states = event.status.services.map((s) => `${s.name} ${s.state}`).join(", ");
        context.progress(`${seconds} s: ${states || `lease ${event.status.phase}, services not started yet`}`);
      };
      const deployed = await deployService({
        publicClient: context.publicClient,
        walletClient: await context.walletClient(),
        account: await context.account(),
        deployment: context.deployment,
        manifest,
        baseDir,
        waitForHealthy: options.wait,
        healthTimeoutMs: timeoutSeconds * 1000,
        ...(offerId === undefined ? {} : { offerId }),
        ...(deposit === undefined ? {} : { deposit }),
        ...(hours === undefined ? {} : { hours }),
        ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
        onEvent,
      });
      const { leaseId } = deployed;
      const lines = [
        `${leaseId}`,
        `lease #${leaseId}: ${deployed.status.healthy ? "every service is healthy" : "services started"} on offer #${deployed.offerId} at ${formatPayment(perSecondToPerHour(deployed.pricePerSecond), context.deployment)}/h, ${formatPayment(deployed.deposit, context.deployment)} in escrow`,
        ...describeServices(deployed.status),
        deployed.urls.length ? "public URLs:" : "no public ports (expose: public) in this manifest",
        ...describeUrls(deployed.urls),
        `status: ocx job status ${leaseId} · logs: ocx job logs ${leaseId} --service <name> -f · stop: ocx job close ${leaseId}`,
      ];
      context.print(lines.join("\n"), {
        leaseId,
        offerId: deployed.offerId,
        provider: deployed.provider,
        endpoint: deployed.endpoint,
        pricePerSecond: deployed.pricePerSecond,
        pricePerHour: perSecondToPerHour(deployed.pricePerSecond),
        deposit: deployed.deposit,
        healthy: deployed.status.healthy,
        services: deployed.status.services,
        urls: deployed.urls,
        warnings,
      });
    });
}
