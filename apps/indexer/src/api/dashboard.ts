// The dashboard (apps/indexer/dashboard/): its static files, `/` being its index.html. Mounted last: it answers
// every path no other route takes (404 naming the path when no file matches).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";

/** This module's routes, mounted by ./index.ts. */
export const dashboardRoutes = new Hono();

const dashboardDir = path.resolve(
  process.env.OCX_DASHBOARD_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "dashboard"),
);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};
dashboardRoutes.get("/*", async (c) => {
  const rel = decodeURIComponent(c.req.path === "/" ? "/index.html" : c.req.path);
  const file = path.resolve(dashboardDir, `.${rel}`);
  if (!file.startsWith(dashboardDir + path.sep)) return c.json({ error: `no such path ${c.req.path}` }, 404);
  try {
    const body = await readFile(file);
    return c.body(body, 200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
  } catch {
    return c.json({ error: `no such path ${c.req.path}: see packages/sdk/src/indexer/types.ts for the routes` }, 404);
  }
});
