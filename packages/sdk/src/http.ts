// A small HTTP client over node:http for the light paths of short commands (the indexer client, the CLI's
// eth_chainId). Node's global fetch loads undici on first use, about 0.2 s of a short command's 0.4 s on the machines
// measured (`ocx market offers`); node:http loads with node itself, and node:https (with TLS and crypto, another
// ~0.1 s loaded) is imported only for an https URL.
import http from "node:http";

/** The status and body text of an answer. */
export interface HttpTextResult {
  status: number;
  text: string;
}

/** Options of `httpText`. */
export interface HttpTextOptions {
  /** Default GET; a POST sends `body`. */
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
  /** Rejects when no answer comes within this many milliseconds. */
  timeoutMs: number;
}

/**
 * Sends a request to `url` (http or https) and reads the whole answer as UTF-8 text, whatever its status; rejects on
 * a network error or when no answer comes within `timeoutMs`.
 * @example
 * const { status, text } = await httpText("http://127.0.0.1:42069/info", { timeoutMs: 10_000 });
 */
export async function httpText(url: string, options: HttpTextOptions): Promise<HttpTextResult> {
  const transport = url.startsWith("https:") ? (await import("node:https")).default : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method: options.method ?? "GET", timeout: options.timeoutMs, headers: options.headers },
      (response) => {
        // Chunks are joined once and decoded once: a megabyte answer arrives in ~100 chunks, and appending decoded
        // strings chunk by chunk costs a short command a noticeable share of its time in garbage collection.
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on("error", reject);
    request.end(options.body);
  });
}
