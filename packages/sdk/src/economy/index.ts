// The token economy's formulas, shared by the contracts' clients and the simulation.

export * from "./credits.js";
export * from "./emissions.js";
