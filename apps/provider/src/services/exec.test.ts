// The exec request's bounds: each field that is wrong is named.
import { describe, expect, it } from "vitest";
import { EXEC_DEFAULT_SECONDS, parseExecRequest } from "./exec.js";

describe("parseExecRequest", () => {
  it("reads a command, with the default time limit", () => {
    expect(parseExecRequest('{"service":"db","command":["psql","-c","select 1"]}')).toEqual({
      service: "db",
      command: ["psql", "-c", "select 1"],
      timeoutMs: EXEC_DEFAULT_SECONDS * 1000,
    });
    expect(parseExecRequest('{"service":"web","command":["true"],"timeoutSeconds":60}').timeoutMs).toBe(60_000);
  });

  it("names the field that is wrong", () => {
    expect(() => parseExecRequest("not json")).toThrow(/an exec request is JSON/);
    expect(() => parseExecRequest('{"command":["true"]}')).toThrow(/service must be the name/);
    expect(() => parseExecRequest('{"service":"db","command":"ls -l"}')).toThrow(/command must be a list/);
    expect(() => parseExecRequest('{"service":"db","command":[]}')).toThrow(/command must be a list/);
    expect(() => parseExecRequest('{"service":"db","command":["a\\u0000b"]}')).toThrow(/command must be a list/);
    expect(() => parseExecRequest('{"service":"db","command":["true"],"timeoutSeconds":61}')).toThrow(
      /timeoutSeconds must be a whole number from 1 to 60, got 61/,
    );
    expect(() => parseExecRequest('{"service":"db","command":["true"],"timeoutSeconds":0.5}')).toThrow(
      /timeoutSeconds/,
    );
  });
});
