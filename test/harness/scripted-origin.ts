/**
 * A real HTTP server on 127.0.0.1 that answers from a script, for protocol corner cases a real registry will not
 * produce on demand (a 429 with `Retry-After`, a redirect loop, a reset connection). Each scripted answer is
 * used once (or `times(n)`), first registered first, and says its `Content-Length` unless the script sets
 * one; a request nothing answers gets 418 and is recorded in
 * {@link ScriptedOrigin.unmatched}, so a test that sends something unexpected fails loudly.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { startLoopbackServer } from "./loopback-server";

/** A request as the server received it, its body read whole. */
export interface ScriptedRequest {
  readonly method: string;
  /** Path with query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A scripted body: fixed, or computed from the request (to capture what was sent). */
export type ScriptedBody = string | Uint8Array | ((request: ScriptedRequest) => string | Uint8Array);

/** Lets a scripted answer be used more than once. */
export interface Repeatable {
  /** @param count how many requests this answer serves */
  times(count: number): void;
}

/** Chooses the answer for one (method, path). */
export interface Interception {
  /**
   * Answers with a status, body and headers.
   *
   * @param status HTTP status
   * @param body the body, or a function of the request
   * @param options response headers
   */
  reply(status: number, body?: ScriptedBody, options?: { readonly headers?: Readonly<Record<string, string>> }): Repeatable;
  /** Drops the connection without answering (the client sees a reset or "socket hang up"). */
  replyWithError(): Repeatable;
}

/** A scripted server; close it after the test. */
export interface ScriptedOrigin {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /**
   * Scripts the answer to a request.
   *
   * @param match exact method and path (with query)
   */
  intercept(match: { readonly path: string; readonly method: string }): Interception;
  /** Every request received, in order. */
  readonly requests: readonly ScriptedRequest[];
  /** `METHOD path` of requests no script answered. */
  readonly unmatched: readonly string[];
  /** TCP connections accepted so far (to tell a reused connection from a new one). */
  readonly connections: number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

interface Script {
  readonly method: string;
  readonly path: string;
  remaining: number;
  readonly answer: (request: ScriptedRequest, response: ServerResponse) => void;
}

/**
 * Starts a scripted server on a free loopback port.
 *
 * @returns the server
 * @example const origin = await startScriptedOrigin();
 * origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "7" } });
 */
export async function startScriptedOrigin(): Promise<ScriptedOrigin> {
  const scripts: Script[] = [];
  const requests: ScriptedRequest[] = [];
  const unmatched: string[] = [];
  let connections = 0;
  const { server, url, host, close } = await startLoopbackServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request: ScriptedRequest = { method: incoming.method ?? "", path: incoming.url ?? "", headers: incoming.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      const script = scripts.find((s) => s.remaining > 0 && s.method === request.method && s.path === request.path);
      if (script === undefined) {
        unmatched.push(`${request.method} ${request.path}`);
        response.writeHead(418).end(`no script for ${request.method} ${request.path}`);
        return;
      }
      script.remaining--;
      script.answer(request, response);
    });
  });
  server.on("connection", () => void connections++);
  const add = (match: { path: string; method: string }, answer: Script["answer"]): Repeatable => {
    const script: Script = { method: match.method, path: match.path, remaining: 1, answer };
    scripts.push(script);
    return { times: (count) => void (script.remaining = count) };
  };
  return {
    url,
    host,
    requests,
    unmatched,
    get connections() {
      return connections;
    },
    intercept: (match) => ({
      reply: (status, body = "", options = {}) =>
        add(match, (request, response) => {
          const bytes = typeof body === "function" ? body(request) : body;
          // Like a registry, say how long the body is (for a HEAD: how long the GET's would be).
          const length = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
          response.writeHead(status, { "content-length": String(length), ...options.headers });
          response.end(request.method === "HEAD" ? undefined : bytes);
        }),
      replyWithError: () => add(match, (_request, response) => response.socket?.destroy()),
    }),
    close,
  };
}
