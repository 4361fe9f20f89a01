// ValidatorRegistry actions: validators' stake, admission and reads.
export * from "./address.js";
export * from "./admitValidator.js";
export * from "./getValidator.js";
export * from "./getValidatorParameters.js";
export * from "./isValidatorActive.js";
export * from "./removeValidator.js";
export * from "./requestValidatorUnstake.js";
export * from "./stakeValidator.js";
export * from "./withdrawValidatorUnbonded.js";
