// Runs the built `ocx gov` against a local chain deployed with governance: a fee change and a role grant go from
// proposal to execution and take effect (the fee is 5 %, the account holds the role); once executed, `show` tells
// them against the values before their execution block ("feeBps 250 → 500 (in force since block N)"), not "no
// change"; a model table entry voted down never took effect; wrong roles and model sizes are refused before any
// transaction; a fee over the marketplace's bound fails at execution and the CLI says which bound (exit 4).
import { DEVNET_GOVERNANCE, marketplaceAbi, validatorRegistryAbi } from "@ocx/sdk";
import { type Address, getAddress, keccak256, parseAbi, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliFixture, startCliFixture } from "./testSupport.js";

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCliFixture("gov", { deploy: { governance: DEVNET_GOVERNANCE } });
}, 60_000);
afterAll(() => cli?.stop());

/** `ocx --dev-account 0 <args>`: account 0 holds most of the votes and passes a proposal alone. */
const ocx = (args: string[]) => cli.ocx(["--dev-account", "0", ...args]);

/** `ocx … --json`, parsed; fails the test with stderr when the command failed. */
async function ocxJson<T>(args: string[]): Promise<T> {
  const run = await ocx([...args, "--json"]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Mines `blocks` blocks `seconds` apart on the local chain. */
async function mine(blocks: number, seconds = 1) {
  await cli.net.publicClient.request({
    method: "anvil_mine",
    params: [`0x${blocks.toString(16)}`, `0x${seconds.toString(16)}`],
  } as never);
}

const hasRoleAbi = parseAbi(["function hasRole(bytes32 role, address account) view returns (bool)"]);

interface Shown {
  state: string;
  effect: { status: string; since?: string; state?: string };
  valuesAt?: string;
  callsDescribed: { contract: string; functionName: string; text: string; changes: unknown[] }[];
}

describe("ocx gov", () => {
  it("passes a fee change and a role grant, tells them truthfully once executed, and refuses bad input", async () => {
    const { deployment, publicClient } = cli.net;
    const admin = getAddress(keccak256(stringToHex("a second validator admin")).slice(0, 42));
    expect((await ocx(["gov", "delegate"])).code).toBe(0);

    // Refused before any transaction, saying what is valid.
    const deployer = deployment.deployer;
    const nonce = await publicClient.getTransactionCount({ address: deployer });
    const role = ["gov", "propose", "role", "grant", "validatorRegistry"];
    const wrongRole = await ocx([...role, "VALIDATOR_ADMIN", admin, "--description", "typo"]);
    expect(wrongRole.code).toBe(2);
    expect(wrongRole.stderr).toContain(
      'ValidatorRegistry has no role "VALIDATOR_ADMIN"; its roles: BOND_ROLE, DEFAULT_ADMIN_ROLE, PARAMETER_ADMIN_ROLE, VALIDATOR_ADMIN_ROLE',
    );
    const noRoles = await ocx([
      "gov",
      "propose",
      "role",
      "grant",
      "marketplace",
      "X_ROLE",
      admin,
      "--description",
      "x",
    ]);
    expect(noRoles.code).toBe(2);
    expect(noRoles.stderr).toMatch(/Marketplace has no roles .*contracts with roles: token \(OcxToken\)/);
    const badN = await ocx(["gov", "propose", "model", "cpu", "130", "2", "--description", "odd n"]);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toContain("cpu: n = 130 must be a multiple of 4 from 4 to 1048576");
    const badL = await ocx(["gov", "propose", "model", "cpu", "128", "2000", "--description", "long"]);
    expect(badL.stderr).toContain("steps (L) = 2000 must be from 1 to 1024");
    const notNumber = await ocx(["gov", "propose", "model", "cpu", "1e3", "--description", "x"]);
    expect(notNumber.stderr).toContain('n "1e3" is not a whole number');
    const unknown = await ocx(["gov", "propose", "marketplace.fee", "1", "--description", "typo"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Marketplace has no parameter "fee"; its parameters: feeBps/);
    expect(await publicClient.getTransactionCount({ address: deployer })).toBe(nonce);

    // Four proposals: the fee, a fee over the bound, a role grant (all voted for), a model entry (voted against).
    const propose = (args: string[], description: string) =>
      ocxJson<{ proposalId: string; summary: string }>(["gov", "propose", ...args, "--description", description]);
    const fee = await propose(["marketplace.feeBps", "500"], "Fee 5 %");
    expect(fee.summary).toBe("Marketplace.setParameters: feeBps 250 → 500");
    const high = await propose(["set", "marketplace.feeBps", "2000"], "Fee 20 %");
    const grant = await propose(["role", "grant", "validatorRegistry", "VALIDATOR_ADMIN_ROLE", admin], "An admin");
    const roleWords = `ValidatorRegistry.grantRole: VALIDATOR_ADMIN_ROLE of ${admin} not held → held`;
    expect(grant.summary).toBe(roleWords);
    const model = await propose(["model", "cpu", "256", "3"], "Larger CPU challenges");
    expect(model.summary).toBe("ProofOfCompute.setModel: cpu.n 128 → 256, cpu.steps 2 → 3");

    await mine(DEVNET_GOVERNANCE.votingDelay + 1);
    for (const { proposalId } of [fee, high, grant]) {
      expect((await ocx(["gov", "vote", proposalId, "for"])).code).toBe(0);
    }
    expect((await ocx(["gov", "vote", model.proposalId, "against"])).code).toBe(0);
    await mine(DEVNET_GOVERNANCE.votingPeriod);
    const succeeded = await ocx(["gov", "show", fee.proposalId]);
    expect(succeeded.stdout).toMatch(/succeeded: Fee 5 %/);
    expect(succeeded.stdout).toContain("not in force yet (succeeded); its calls against the current values:");
    expect(succeeded.stdout).toContain("  1. Marketplace.setParameters: feeBps 250 → 500\n");
    for (const { proposalId } of [fee, high, grant]) {
      expect((await ocx(["gov", "queue", proposalId])).code).toBe(0);
    }
    await mine(1, Number(DEVNET_GOVERNANCE.timelockDelay) + 1);

    const executedIn: Record<string, bigint> = {};
    for (const { proposalId } of [fee, grant]) {
      const { transaction } = await ocxJson<{ transaction: `0x${string}` }>(["gov", "execute", proposalId]);
      executedIn[proposalId] = (await publicClient.getTransactionReceipt({ hash: transaction })).blockNumber;
    }
    const parameters = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "parameters",
    });
    expect(parameters.feeBps).toBe(500);
    const registry = deployment.validatorRegistry as Address;
    const adminRole = await publicClient.readContract({
      address: registry,
      abi: validatorRegistryAbi,
      functionName: "VALIDATOR_ADMIN_ROLE",
    });
    expect(
      await publicClient.readContract({
        address: registry,
        abi: hasRoleAbi,
        functionName: "hasRole",
        args: [adminRole, admin],
      }),
    ).toBe(true);

    // Executed: told against the values before the execution's block, not the current ones.
    const feeBlock = executedIn[fee.proposalId];
    const shown = await ocx(["gov", "show", fee.proposalId]);
    expect(shown.stdout).toMatch(/executed: Fee 5 %/);
    expect(shown.stdout).toContain(`executed in block ${feeBlock}; its calls against the values before it:`);
    expect(shown.stdout).toContain(
      `  1. Marketplace.setParameters: feeBps 250 → 500 (in force since block ${feeBlock})`,
    );
    const shownJson = await ocxJson<Shown>(["gov", "show", fee.proposalId]);
    expect(shownJson.effect).toEqual({ status: "in force", since: String(feeBlock) });
    expect(shownJson.valuesAt).toBe(String((feeBlock as bigint) - 1n));
    expect(shownJson.callsDescribed[0]?.changes).toEqual([{ setting: "feeBps", before: "250", after: "500" }]);
    const granted = await ocx(["gov", "show", grant.proposalId]);
    expect(granted.stdout).toContain(`  1. ${roleWords} (in force since block ${executedIn[grant.proposalId]})`);

    // Voted down: never took effect, told against the current values.
    const defeated = await ocx(["gov", "show", model.proposalId]);
    expect(defeated.stdout).toContain("never took effect (defeated); its calls against the current values:");
    expect(defeated.stdout).toContain(
      "  1. ProofOfCompute.setModel: cpu.n 128 → 256, cpu.steps 2 → 3 (never took effect)",
    );

    const broken = await ocx(["gov", "execute", high.proposalId]);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toContain("the proposal failed at execution: Marketplace feeBps = 2000 is outside [0, 1000]");
    const listed = await ocx(["gov", "list"]);
    expect(listed.stdout).toMatch(
      new RegExp(`#${fee.proposalId} executed: Fee 5 % .*; in force since block ${feeBlock}`),
    );
    expect(listed.stdout).toMatch(new RegExp(`#${high.proposalId} queued: Fee 20 % .*; not in force yet`));
    expect(listed.stdout).toMatch(
      new RegExp(`#${model.proposalId} defeated: Larger CPU challenges .*; never took effect`),
    );
  }, 180_000);
});
