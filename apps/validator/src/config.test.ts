import { describe, expect, it } from "vitest";
import { ConfigError, configTemplate, parseConfig } from "./config.js";

describe("validator config", () => {
  it("the template parses as written, with paths resolved against the config's folder", () => {
    const config = parseConfig(configTemplate({ stateDir: "state" }), { baseDir: "/srv/validator" });
    expect(config.stateDir).toBe("/srv/validator/state");
    expect(config.chain.deployment).toBe("/srv/validator/deployments/31337.json");
    expect(config.challenges.meanIntervalSeconds).toBe(21600);
    expect(config.test.falseAccusation).toBe("none");
  });

  it("names every bad field with its path", () => {
    expect(() => parseConfig("challenges: { maxInFlight: 0, bogus: 1 }\nstake: lots", { source: "v.yaml" })).toThrow(
      /v.yaml has 3 problem\(s\):[\s\S]*stake: a decimal amount of OCX[\s\S]*challenges.maxInFlight[\s\S]*bogus/,
    );
  });

  it("refuses a false-accusation test hook unless OCX_ALLOW_FALSE_ACCUSATION=1", () => {
    const text = "test: { falseAccusation: demand-row }";
    expect(() => parseConfig(text, { env: {} })).toThrow(ConfigError);
    expect(() => parseConfig(text, { env: {} })).toThrow(/OCX_ALLOW_FALSE_ACCUSATION=1/);
    expect(parseConfig(text, { env: { OCX_ALLOW_FALSE_ACCUSATION: "1" } }).test.falseAccusation).toBe("demand-row");
  });
});
