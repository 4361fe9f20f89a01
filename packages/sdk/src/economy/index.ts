// The token economy's formulas, shared by the contracts' clients and the simulation.
export * from "./emissions.js";
