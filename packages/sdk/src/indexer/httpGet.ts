// GET over node:http(s) for the indexer client. Node's global fetch loads undici on first use, which took about
// 0.2 s of a short command's 0.4 s on the machines measured (`ocx market offers`); node:http loads with node itself.
import http from "node:http";
import https from "node:https";

/** The status and body text of a GET. */
export interface HttpGetResult {
  status: number;
  text: string;
}

/**
 * GETs `url` (http or https) and reads the whole body as UTF-8; rejects when no answer comes within `timeoutMs`.
 * @example
 * const { status, text } = await httpGet("http://127.0.0.1:42069/info", 10_000);
 */
export function httpGet(url: string, timeoutMs: number): Promise<HttpGetResult> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith("https:") ? https.get : http.get;
    const request = get(url, { timeout: timeoutMs, headers: { accept: "application/json" } }, (response) => {
      // Chunks are joined once and decoded once: a megabyte answer arrives in ~100 chunks, and appending decoded
      // strings chunk by chunk costs the CLI a noticeable share of its start in garbage collection.
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}
