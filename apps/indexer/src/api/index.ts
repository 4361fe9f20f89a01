// The indexer's HTTP API (packages/sdk/src/indexer/types.ts has every route's JSON). Public and read-only: every
// query parameter is checked before the database is read, and a bad one is answered 400 naming it. Ponder serves
// /health, /ready, /status and /metrics itself, and requires this file to default-export the Hono app; each concept's
// routes are a module of their own, wired here. The dashboard's static files are served at /, after every route.
import { Hono } from "hono";
import { dashboardRoutes } from "./dashboard";
import { emissionRoutes } from "./emissions";
import { governanceRoutes } from "./governance";
import { infoRoutes } from "./info";
import { leaseRoutes } from "./leases";
import { liveRoutes } from "./live";
import { logRoutes } from "./log";
import { metricsRoutes } from "./metrics";
import { offerRoutes } from "./offers";
import { BadRequest } from "./params";
import { priceRoutes } from "./prices";
import { providerRoutes } from "./providers";

const app = new Hono();

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  console.error(`indexer api: ${c.req.method} ${c.req.path} failed: ${error.message}`);
  return c.json({ error: `the indexer failed to answer: ${error.message}` }, 500);
});

const routes = [
  infoRoutes,
  offerRoutes,
  leaseRoutes,
  providerRoutes,
  priceRoutes,
  metricsRoutes,
  governanceRoutes,
  emissionRoutes,
  logRoutes,
  liveRoutes,
];
for (const concept of routes) app.route("/", concept);
app.route("/", dashboardRoutes);

export default app;
