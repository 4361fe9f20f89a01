// The README's flow as a user runs it, each part its own process: `ocx devnet` (anvil, the
// contracts, a provider node process), then `ocx` commands against it.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCleanup } from "@ocx/node-kit";
import { marketplaceAbi, ocxTokenAbi } from "@ocx/sdk";
import { createPublicClient, createWalletClient, http, keccak256, maxUint256, parseEventLogs, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf, type Ocx, ocxWith } from "./harness/cli.js";
import { type Devnet, startDevnet } from "./harness/devnet.js";

const BUYER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"; // anvil account 2
const buyer = privateKeyToAccount(BUYER_KEY);

const cleanup = createCleanup();
let devnet: Devnet;
let dir: string;
let rpcUrl: string;
let stateDir: string;
/** The built `ocx` (what npm links) as the buyer, anvil account 2. */
let ocx: Ocx;

const client = () =>
  createPublicClient({ chain: { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } }, transport: http(rpcUrl) });
// The buyer's payment tokens: the credits the market settles in.
const balance = () =>
  client().readContract({
    address: devnet.summary.paymentToken,
    abi: ocxTokenAbi,
    functionName: "balanceOf",
    args: [buyer.address],
  });
const leaseEvents = async (leaseId: bigint) =>
  client()
    .getContractEvents({ address: devnet.summary.marketplace, abi: marketplaceAbi, fromBlock: 0n, strict: true })
    .then((events) => events.filter((e) => (e.args as { leaseId?: bigint }).leaseId === leaseId));

describe("the README's flow, process by process", () => {
  beforeAll(async () => {
    devnet = await startDevnet({ name: "readme-flow", defer: cleanup.defer });
    ({ dir, stateDir } = devnet);
    rpcUrl = devnet.summary.rpcUrl;
    ocx = ocxWith({ ...devnet.cli, account: 2 });
  }, 180_000); // devnet start-up (chain, funded accounts, indexer, validator, provider) on a loaded machine
  afterAll(() => cleanup.run());

  it("ocx run: live logs, the output file, the workload's exit code, and an exact bill", async () => {
    await writeFile(
      path.join(dir, "job.sh"),
      "echo first\nsleep 2\nmkdir -p out\necho 42 > out/answer.txt\necho last\n",
    );
    const before = await balance();
    const run = await ocx([
      "run",
      "--input",
      "job.sh",
      "--output",
      "out",
      "--results",
      "results",
      "--",
      "sh",
      "job.sh",
    ]);
    expect(run.code, run.stderr).toBe(0);

    // Logs arrive while the job runs: "first" well before "last".
    const first = run.lines.find((l) => l.text === "first");
    const last = run.lines.find((l) => l.text === "last");
    expect(first && last && last.at - first.at).toBeGreaterThan(1500);

    const leaseId = BigInt(/lease #(\d+)/.exec(run.stderr)?.[1] ?? "0");
    expect(await readFile(path.join(dir, "results", `lease-${leaseId}`, "out", "answer.txt"), "utf8")).toBe("42\n");

    // The buyer paid exactly rate × whole billed seconds: from the lease's start (its acknowledgement, or its
    // creation when a signed quote made it active at once) to the workload's exit, never past the close.
    const events = await leaseEvents(leaseId);
    const createdEvent = events.find((e) => e.eventName === "LeaseCreated");
    const created = createdEvent?.args as { pricePerSecond: bigint; deposit: bigint; ackDeadline: bigint };
    const acked = events.find((e) => e.eventName === "LeaseAcknowledged")?.args as { startedAt: bigint } | undefined;
    const startedAt =
      acked?.startedAt ?? (await client().getBlock({ blockNumber: createdEvent?.blockNumber as bigint })).timestamp;
    if (!acked) expect(created.ackDeadline).toBe(0n); // the quote path: created active
    const closedEvent = events.find((e) => e.eventName === "LeaseClosed");
    const closedBlock = await client().getBlock({ blockNumber: closedEvent?.blockNumber as bigint });
    const paid = events
      .filter((e) => e.eventName === "LeaseSettled")
      .reduce((sum, e) => sum + (e.args as { paid: bigint }).paid, 0n);
    expect(paid % created.pricePerSecond).toBe(0n);
    const seconds = paid / created.pricePerSecond;
    expect(seconds).toBeGreaterThanOrEqual(2n); // the job sleeps 2 s
    expect(seconds).toBeLessThanOrEqual(closedBlock.timestamp - startedAt);
    expect((closedEvent?.args as { refund: bigint } | undefined)?.refund).toBe(created.deposit - paid);
    expect(await balance()).toBe(before - paid);
  });

  it("ocx run: the job's stdout alone on stdout, ocx's own lines on stderr", async () => {
    const run = await ocx(["run", "--", "echo", "hi"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("hi\n");
    expect(run.stderr).toMatch(/^lease #\d+ /m);
    expect(run.stderr).toMatch(/^exit code 0$/m);
    expect(run.stderr).toMatch(
      /^cost \$[\d.]+ for \d+ s at \$[\d.]+\/GPU-h \(fee [<$\d.]+, burned in credits\); refund \$[\d.]+$/m,
    );
  });

  it("the devnet's provider config sits inside the state folder the sandbox hides", async () => {
    const config = path.join(stateDir, "provider", "provider.yaml");
    expect(await readFile(config, "utf8")).toMatch(/^stateDir: \.$/m);
    await expect(readFile(path.join(stateDir, "provider.yaml"))).rejects.toThrow(/ENOENT/);
    // A job cannot read it: the provider hides its whole state folder from the sandbox.
    const run = await ocx(["run", "--", "sh", "-c", `cat ${config} || echo hidden`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("hidden");
    expect(run.stdout).not.toContain("OCX_PROVIDER_KEY");
    expect(run.stdout).not.toContain("rpcUrl");
  });

  it("exits with the workload's own exit code", async () => {
    const run = await ocx(["run", "--", "sh", "-c", "echo failing >&2; exit 7"]);
    expect(run.code).toBe(7);
    expect(run.stderr).toContain("failing");
  });

  it("a job cancelled before the provider acknowledges is refunded in full", async () => {
    // Hold the provider still so the lease stays unacknowledged, as with a slow provider.
    const pid = Number(
      execFileSync("pgrep", ["-f", path.join(stateDir, "provider", "provider.yaml")])
        .toString()
        .trim()
        .split("\n")[0],
    );
    process.kill(pid, "SIGSTOP");
    try {
      const wallet = createWalletClient({
        account: buyer,
        chain: { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } },
        transport: http(rpcUrl),
      });
      const approve = await wallet.writeContract({
        address: devnet.summary.paymentToken,
        abi: ocxTokenAbi,
        functionName: "approve",
        args: [devnet.summary.marketplace, maxUint256],
      });
      await client().waitForTransactionReceipt({ hash: approve });
      const before = await balance();
      const hash = await wallet.writeContract({
        address: devnet.summary.marketplace,
        abi: marketplaceAbi,
        functionName: "takeOffer",
        args: [1n, 10n ** 18n, keccak256(toHex("never uploaded")), 10n ** 16n],
      });
      const receipt = await client().waitForTransactionReceipt({ hash });
      const [lease] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "LeaseCreated" });
      const leaseId = lease?.args.leaseId as bigint;
      expect(await balance()).toBe(before - 10n ** 16n);
      const cancel = await ocx(["job", "cancel", String(leaseId)]);
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(await balance()).toBe(before);
      const closed = (await leaseEvents(leaseId)).find((e) => e.eventName === "LeaseClosed");
      expect((closed?.args as { refund: bigint } | undefined)?.refund).toBe(10n ** 16n);
    } finally {
      process.kill(pid, "SIGCONT");
    }
  });

  it("an Akash SDL file runs through `ocx job submit`", async () => {
    await writeFile(
      path.join(dir, "deploy.yaml"),
      `version: "2.0"
services:
  hello:
    image: alpine:3.20
    command: ["sh", "-c"]
    args: ["mkdir -p out && echo from-sdl > out/sdl.txt && echo sdl job ran"]
profiles:
  compute:
    hello:
      resources:
        cpu: { units: 0.5 }
        memory: { size: 256Mi }
        storage: { size: 512Mi }
  placement:
    local:
      pricing:
        hello: { denom: uocx, amount: 1000 }
deployment:
  hello:
    local: { profile: hello, count: 1 }
`,
    );
    const submit = await ocx(["--json", "job", "submit", "deploy.yaml", "--hours", "0.05"]);
    expect(submit.code, submit.stderr).toBe(0);
    const { leaseId } = jsonOf<{ leaseId: string }>(submit);
    const deadline = Date.now() + 30_000;
    let status: { completed: { exitCode: number } | null } = { completed: null };
    while (!status.completed && Date.now() < deadline) {
      const s = await ocx(["--json", "job", "status", leaseId]);
      status = JSON.parse(s.stdout);
      if (!status.completed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status.completed?.exitCode).toBe(0);
    // SDL has no outputs to collect; the results archive is verified against the chain all the same.
    const results = await ocx(["job", "results", leaseId, "-o", "sdl-results"]);
    expect(results.code, results.stderr).toBe(0);
    expect(results.stdout).toContain("matches the chain");
    const logs = await ocx(["job", "logs", leaseId]);
    expect(logs.stdout).toContain("sdl job ran");
  });
});
