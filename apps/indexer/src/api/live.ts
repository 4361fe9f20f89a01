// GET /events: Server-Sent Events, one `block` per newly indexed block (the dashboard refreshes on it).
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { indexedBlock } from "./indexed";

/** This module's routes, mounted by ./index.ts. */
export const liveRoutes = new Hono();

liveRoutes.get("/events", (c) =>
  streamSSE(c, async (stream) => {
    let last = -1;
    let sinceping = 0;
    let open = true;
    stream.onAbort(() => {
      open = false;
    });
    while (open) {
      const block = await indexedBlock();
      if (block && block.number !== last) {
        last = block.number;
        await stream.writeSSE({ event: "block", data: JSON.stringify(block) });
      }
      sinceping += 250;
      if (sinceping >= 15_000) {
        sinceping = 0;
        await stream.write(": ping\n\n");
      }
      await stream.sleep(250);
    }
  }),
);
