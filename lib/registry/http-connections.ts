/**
 * HTTP/1.1 exchanges on `node:http`/`node:https` with keep-alive connections: the layer under {@link Transport}.
 *
 * Not `fetch`: on a no-op promotion (hundreds of small tag lists and HEADs) undici's fetch cost the promoter
 * about 2.5× the CPU of `node:http` per request (WHATWG streams, a WebAssembly HTTP parser), and undici closes
 * the connection after every HEAD, so each manifest HEAD opened a new one.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** Response headers, read like fetch's `Headers`: case-insensitive, repeated values joined with `, `. */
export interface ResponseHeaders {
  /** @returns the value, or null when the header is absent */
  get(name: string): string | null;
}

/** An answer whose head has arrived; its body is {@link HttpAnswer.body}, read or destroyed by the caller. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** The body as Node delivers it (`Buffer` chunks). */
  readonly body: IncomingMessage;
}

/** What {@link HttpConnections.send} sends; the body is a complete buffer or a stream written with backpressure. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string | ReadableStream<Uint8Array> | undefined;
}

/** A request on its way: its answer, and a way to give up on it. */
export interface HttpExchange {
  /** Resolves when the response head arrives. */
  readonly answer: Promise<HttpAnswer>;
  /** Destroys the request and its connection; `error` is what a pending `answer` or body read rejects with. */
  abort(error: Error): void;
}

/** Idle keep-alive connections are closed after this long (a server's shorter `Keep-Alive: timeout=` wins). */
const IDLE_CONNECTION_MS = 4_000;

const USER_AGENT = "k8s-staging-promoter";

/** Methods whose request without a body still says `Content-Length: 0` (never chunked). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Keep-alive connection pools (one for `http:`, one for `https:`) and the exchanges sent over them. Connection
 * counts are not capped here: the transport's gate caps requests in flight per host.
 */
export class HttpConnections {
  private readonly http = new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS, scheduling: "lifo" });
  private readonly https = new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS, scheduling: "lifo" });

  /**
   * Sends a request. A stream body keeps being written after the answer's head arrives only while the server
   * reads it.
   *
   * @param request what to send
   * @returns the exchange: `answer` rejects with the socket's error (code `ECONNREFUSED`, `ECONNRESET`, …),
   *   the body stream's own error, or the error given to `abort`
   */
  send(request: HttpRequest): HttpExchange {
    const { method, url, body } = request;
    const headers: Record<string, string> = { "user-agent": USER_AGENT, ...request.headers };
    if (body === undefined && BODY_METHODS.has(method) && !hasHeader(headers, "content-length")) headers["content-length"] = "0";
    if ((typeof body === "string" || body instanceof Uint8Array) && !hasHeader(headers, "content-length")) {
      headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
    }
    const secure = url.protocol === "https:";
    const options = { method, headers, agent: secure ? this.https : this.http };
    const outgoing = secure ? httpsRequest(url, options) : httpRequest(url, options);
    const answer = new Promise<HttpAnswer>((resolve, reject) => {
      // Kept for the request's life: an error after the answer (a write to a closed socket) must not go unheard.
      outgoing.on("error", reject);
      outgoing.once("response", (incoming: IncomingMessage) => {
        // Its errors reach whoever reads it; one nobody reads must not crash the process.
        incoming.on("error", () => {});
        resolve({ status: incoming.statusCode ?? 0, headers: new IncomingHeaders(incoming.headers), body: incoming });
      });
      if (body instanceof ReadableStream) void writeStream(outgoing, body);
      else outgoing.end(body);
    });
    return { answer, abort: (error) => void outgoing.destroy(error) };
  }
}

/** {@link ResponseHeaders} over Node's lower-cased header object. */
class IncomingHeaders implements ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * Writes a stream body, waiting for `drain` when the socket is full. A failure of the stream itself (a source
 * blob that does not hash as expected) destroys the request with that error, so it is what the caller sees.
 */
async function writeStream(outgoing: ClientRequest, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (outgoing.destroyed) break;
      if (done) {
        outgoing.end();
        return;
      }
      if (!outgoing.write(value)) await writable(outgoing);
    }
    await reader.cancel().catch(() => {});
  } catch (error) {
    outgoing.destroy(error as Error);
  }
}

/** Resolves when the request can take more bytes, or is gone (answered early, reset, aborted). */
function writable(outgoing: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.once("drain", done);
    outgoing.once("close", done);
  });
}
