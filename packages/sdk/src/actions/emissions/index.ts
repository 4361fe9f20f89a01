// Emissions actions: record verified work, claim epochs, and read the schedule.
export * from "./address.js";
export * from "./claimEmissions.js";
export * from "./getClaimable.js";
export * from "./getCountedUntil.js";
export * from "./getEmission.js";
export * from "./getEmissionEpoch.js";
export * from "./getEmissionSchedules.js";
export * from "./getEmissionWork.js";
export * from "./getEpochAt.js";
export * from "./recordWork.js";
