// GET /info: the chain, the indexed block, the contracts indexed and the unit of the market's amounts.
import type { IndexerStatus } from "@ocx/sdk";
import { Hono } from "hono";
import { deployment, indexedBlock, UNIT } from "./indexed";

/** This module's routes, mounted by ./index.ts. */
export const infoRoutes = new Hono();

infoRoutes.get("/info", async (c) => {
  const block = await indexedBlock();
  const body: IndexerStatus = {
    chainId: deployment.chainId,
    block,
    contracts: Object.fromEntries(deployment.contracts.map((x) => [x.key, x.address])),
    paymentToken: deployment.paymentToken,
    unit: UNIT,
  };
  return c.json(body);
});
