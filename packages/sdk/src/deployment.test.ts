import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DeploymentError, loadDeployment, parseDeployment, writeDeployment } from "./deployment.js";

const deployment = {
  chainId: 31337,
  startBlock: 1,
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  marketplace: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  paymentToken: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
} as const;

describe("deployments", () => {
  it("writes and reads deployments/<chainId>.json", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ocx-deployments-"));
    const file = await writeDeployment(deployment, dir);
    expect(file).toBe(path.join(dir, "31337.json"));
    expect(await loadDeployment(31337, dir)).toEqual(deployment);
  });
  it("reads a file written before credits settled the market as settling in OCX", () => {
    const { paymentToken: _, ...before } = deployment;
    expect(parseDeployment(before).paymentToken).toBe(deployment.token);
  });
  it("says which chain has no deployment and how to make one", async () => {
    await expect(loadDeployment(8453, "/nonexistent")).rejects.toThrow(
      /no OCX deployment for chain 8453.*npm run devnet/,
    );
  });
  it("names the malformed field", () => {
    expect(() => parseDeployment({ ...deployment, marketplace: "0x123" }, "x.json")).toThrow(DeploymentError);
    expect(() => parseDeployment({ ...deployment, marketplace: "0x123" }, "x.json")).toThrow(
      /"marketplace" must be an address/,
    );
    expect(() => parseDeployment({ ...deployment, startBlock: -1 })).toThrow(/"startBlock"/);
  });
});
