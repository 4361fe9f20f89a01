import { TransitionError } from "@ocx/node-kit";
import { describe, expect, it } from "vitest";
import { CHALLENGE_MACHINE, FINAL_STATES } from "./machine.js";

describe("the challenge machine", () => {
  it("has the honest path, the fault paths, and three final states", () => {
    const path = ["issued", "committed", "responded", "verifying", "attested"] as const;
    for (let i = 1; i < path.length; i++)
      expect(
        CHALLENGE_MACHINE.check("1", path[i - 1] as (typeof path)[number], path[i] as (typeof path)[number]),
      ).toBeTruthy();
    expect(CHALLENGE_MACHINE.check("1", "verifying", "disputing")).toMatch(/fraud proof/);
    expect(CHALLENGE_MACHINE.check("1", "disputing", "dismissed")).toMatch(/accusation failed/);
    expect(CHALLENGE_MACHINE.check("1", "issued", "late")).toMatch(/deadline/);
    expect([...FINAL_STATES].sort()).toEqual(["attested", "dismissed", "faulted"]);
  });

  it("refuses a move the table does not have, naming both states", () => {
    expect(() => CHALLENGE_MACHINE.check("7", "attested", "disputing")).toThrow(TransitionError);
    expect(() => CHALLENGE_MACHINE.check("7", "issued", "attested")).toThrow(/from "issued" to "attested"/);
  });
});
