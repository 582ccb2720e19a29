/**
 * HTTP for registries on keep-alive `node:http` connections: an inactivity timeout on every request and response body,
 * retries with backoff on 429/5xx/network errors, redirects followed by hand so `Authorization` never
 * reaches another origin, and hooks for rate limiting and metrics. Knows nothing of registry semantics.
 */
import { finished as ended } from "node:stream/promises";
import { RegistryError, describeErrorBody, redactUrl } from "./errors";
import { HttpConnections, type HttpAnswer, type HttpExchange, type ResponseHeaders } from "./http-connections";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from "./retry-policy";

/** A request body; a function returning a fresh body makes even a stream body safe to retry. */
export type RequestBody = Uint8Array | string | ReadableStream<Uint8Array>;

/** One request to send. */
export interface TransportRequest {
  /** HTTP method. */
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  /** Request headers (lower-case names recommended). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body, or a factory called once per attempt. A bare stream is sent once and never retried. A stream
   * (bare or from a factory) never follows a redirect: that fails with code `REDIRECTED_STREAM`.
   */
  readonly body?: RequestBody | (() => RequestBody);
  /**
   * Whether the exchange itself (sending the body, receiving the answer) counts towards the request's deadline:
   * yes (default) for small requests and answers (manifests, tag lists, tokens, errors); no for blob transfers,
   * whose size is legitimately large and whose progress the inactivity timeout watches instead. Waits and retries
   * always count.
   */
  readonly transferWithinDeadline?: boolean;
}

/** A response whose body must be consumed (`bytes`, `text`, reading `body`) or `discard`ed. */
export interface TransportResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: ResponseHeaders;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The method of the final request (a 303 redirect turns it into GET). */
  readonly method: string;
  /** The body stream, guarded by the stall timeout; null for a HEAD answer. */
  readonly body: ReadableStream<Uint8Array> | null;
  /**
   * Reads the whole body (only for small bodies: manifests, errors, token responses).
   *
   * @param maxBytes the most bytes accepted; a larger body is cut off (with its connection) and not returned
   * @throws RegistryError with code `TOO_LARGE` past `maxBytes`, or the body's read failure
   */
  bytes(maxBytes?: number): Promise<Uint8Array>;
  /**
   * Reads the whole body as UTF-8.
   *
   * @param maxBytes as for {@link TransportResponse.bytes}
   */
  text(maxBytes?: number): Promise<string>;
  /** Cancels the body, releasing the connection and the rate-limit slot. */
  discard(): Promise<void>;
}

/** One HTTP exchange, reported to the {@link TransportOptions.observer} when its body is done. */
export interface RequestEvent {
  /** HTTP method. */
  readonly method: string;
  /** Redacted URL. */
  readonly url: string;
  /** HTTP status, undefined when no response arrived. */
  readonly status: number | undefined;
  /** Request body bytes handed to the connection. */
  readonly bytesSent: number;
  /** Response body bytes read. */
  readonly bytesReceived: number;
  /** Set when the exchange failed (network error, timeout). */
  readonly error?: string;
}

/** Per-host admission (rate limiting, concurrency): resolves when a request may start, with its release. */
export interface RequestGate {
  /**
   * @param host the registry host (`gcr.io`, `127.0.0.1:5000`)
   * @param maxWaitMs the longest the request may wait to be admitted (its deadline's remainder)
   * @returns a function to call once the exchange is finished
   * @throws Error when not admitted within `maxWaitMs`
   */
  acquire(host: string, maxWaitMs?: number): Promise<() => void>;
  /**
   * Told of every 429, so the gate can slow the host down and, with a `Retry-After`, hold back all its
   * requests rather than only the one that was refused.
   *
   * @param host the host that answered 429
   * @param retryAfterMs the server's requested wait, capped by the retry policy, when it sent one
   */
  throttled?(host: string, retryAfterMs: number | undefined): void;
}

/** Options of {@link Transport}. */
export interface TransportOptions {
  /** Inactivity limit: no response headers, no request body progress or no response body bytes for this long aborts. Default 60 s. */
  readonly timeoutMs?: number;
  /** Retry tunables; default {@link DEFAULT_RETRY_POLICY}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Redirects followed per request; default 10. */
  readonly maxRedirects?: number;
  /**
   * The most one request may take in all, from its first attempt through every retry and every wait (backoff,
   * `Retry-After`, the gate) to its last byte (see {@link TransportRequest.transferWithinDeadline}); default
   * {@link DEADLINE_TIMEOUTS} × the inactivity timeout.
   */
  readonly requestDeadlineMs?: number;
  /** Admission hook; default admits everything at once. */
  readonly gate?: RequestGate;
  /** Called once per HTTP exchange. */
  readonly observer?: (event: RequestEvent) => void;
  /** Waits between retries; tests replace it to avoid real waits. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Clock for `Retry-After` dates; default Date.now. */
  readonly now?: () => number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The default request deadline in inactivity timeouts: 5 × 60 s, room for a few retries and a `Retry-After`. */
export const DEADLINE_TIMEOUTS = 5;

/** Error bodies are read up to this size: enough for every entry of a spec error body, not for a hostile one. */
export const ERROR_BODY_BYTES = 64 * 1024;

/**
 * Sends requests with timeouts, retries and safe redirects. Non-retryable responses (2xx, 3xx without
 * Location, 4xx) are returned for the caller to interpret; retryable ones are retried and, when attempts run
 * out, thrown.
 *
 * @example const transport = new Transport({ timeoutMs: 30_000 });
 * const response = await transport.request({ method: "GET", url: "http://127.0.0.1:5000/v2/" });
 * await response.discard();
 */
export class Transport {
  private readonly options: TransportOptions;
  private readonly policy: RetryPolicy;
  private readonly connections = new HttpConnections();

  /** @param options hooks and tunables, all optional */
  constructor(options: TransportOptions = {}) {
    this.options = options;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /**
   * Sends a request, retrying 429/5xx/network errors/timeouts when the body can be sent again.
   *
   * @param request what to send
   * @returns the first non-retryable response
   * @throws RegistryError when retries are exhausted (with the spec code from the body), on a redirect loop, or
   *   when a failure happens after a one-shot stream body was sent
   */
  async request(request: TransportRequest): Promise<TransportResponse> {
    const replayable = typeof request.body === "function" || !(request.body instanceof ReadableStream);
    const deadline = { at: this.now() + this.deadlineMs, ms: this.deadlineMs, bodyToo: request.transferWithinDeadline ?? true };
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.policy.maxAttempts || !replayable;
      let response: TransportResponse;
      try {
        response = await this.followRedirects(request, deadline);
      } catch (error) {
        if (!(error instanceof RegistryError) || !error.retryable || last) throw error;
        await this.wait(attempt, undefined, deadline, request);
        continue;
      }
      if (!isRetryableStatus(response.status)) return response;
      const text = await response.text(ERROR_BODY_BYTES).catch(() => "");
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.now());
      if (response.status === 429) this.reportThrottled(response.url, retryAfterMs);
      if (last) {
        const spec = describeErrorBody(text);
        throw new RegistryError(spec?.message || `giving up after ${attempt} attempt(s)`, {
          method: response.method, url: response.url, status: response.status, code: spec?.code, retryable: true,
        });
      }
      await this.wait(attempt, retryAfterMs, deadline, { method: response.method, url: response.url });
    }
  }

  private get deadlineMs(): number {
    return this.options.requestDeadlineMs ?? DEADLINE_TIMEOUTS * (this.options.timeoutMs ?? 60_000);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The gate's pause and the retry's wait use the same capped `Retry-After`, so they end together. */
  private reportThrottled(url: string, retryAfterMs: number | undefined): void {
    const capped = retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, this.policy.maxRetryAfterMs);
    this.options.gate?.throttled?.(new URL(url).host, capped);
  }

  /** Waits before the next attempt, unless that wait would end past the request's deadline: then gives up now. */
  private async wait(attempt: number, retryAfterMs: number | undefined, deadline: Deadline, request: { method: string; url: string }): Promise<void> {
    const delay = retryDelayMs(this.policy, attempt, retryAfterMs, this.options.random ?? Math.random);
    if (this.now() + delay >= deadline.at) {
      const why = retryAfterMs === undefined ? `a retry in ${delay} ms` : `the ${Math.round(retryAfterMs / 1000)} s the registry asked for (Retry-After)`;
      throw deadlineError(request.method, request.url, deadline.ms, `waiting for ${why} would pass it`);
    }
    await (this.options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(delay);
  }

  /** Follows redirects; a request with a stream body cannot be sent again, so its redirect is an error. */
  private async followRedirects(request: TransportRequest, deadline: Deadline): Promise<TransportResponse> {
    let { method, url } = request;
    let headers: Record<string, string> = { ...request.headers };
    let body = typeof request.body === "function" ? request.body() : request.body;
    const maxRedirects = this.options.maxRedirects ?? 10;
    for (let hop = 0; ; hop++) {
      const response = await this.exchange(method, url, headers, body, deadline);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null) return response;
      await response.discard();
      if (body instanceof ReadableStream) throw redirectedStreamError(method, url);
      if (hop >= maxRedirects) {
        throw new RegistryError(`more than ${maxRedirects} redirects`, { method, url, status: response.status, retryable: false });
      }
      const next = new URL(location, url);
      // A redirect to storage (S3, GCS) must not receive the registry's token.
      if (next.origin !== new URL(url).origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
      }
      if (response.status === 303 && method !== "HEAD") {
        method = "GET";
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
      } else if (body !== undefined) {
        body = typeof request.body === "function" ? request.body() : request.body;
      }
      url = next.toString();
    }
  }

  /** One HTTP exchange with its inactivity timer, gate slot and observer event. */
  private async exchange(method: string, url: string, headers: Record<string, string>, body: RequestBody | undefined, deadline: Deadline): Promise<TransportResponse> {
    const target = new URL(url);
    const host = target.host;
    let releaseGate: () => void = () => {};
    if (this.options.gate) {
      try {
        releaseGate = await this.options.gate.acquire(host, Math.max(0, deadline.at - this.now()));
      } catch {
        throw deadlineError(method, url, deadline.ms, `waiting for a turn at ${host} (paused or at its request limit) would pass it`);
      }
    }
    let slotHeld = true;
    const release = () => {
      if (!slotHeld) return;
      slotHeld = false;
      releaseGate();
    };
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let timedOut = false;
    let pastDeadline = false;
    let exchange: HttpExchange | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      exchange?.abort(new Error(`no progress for ${timeoutMs} ms`));
      // A body nobody reads would otherwise hold its gate slot (and the host's in-flight cap) for good.
      release();
    }, timeoutMs);
    timer.unref();
    // A server can keep every byte coming just inside the inactivity timeout: the deadline bounds the whole exchange.
    const deadlineTimer = deadline.bodyToo
      ? setTimeout(() => {
        pastDeadline = true;
        exchange?.abort(new Error("request deadline passed"));
        release();
      }, Math.max(0, deadline.at - this.now()))
      : undefined;
    deadlineTimer?.unref();
    let bytesSent = 0;
    let bytesReceived = 0;
    let finished = false;
    const finish = (status: number | undefined, error?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(deadlineTimer);
      release();
      this.options.observer?.({
        method, url: redactUrl(url), status, bytesSent, bytesReceived,
        ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
      });
    };
    const failure = (error: unknown, status: number | undefined) => {
      if (pastDeadline) return deadlineError(method, url, deadline.ms, "the answer did not arrive in time", status);
      return new RegistryError(timedOut ? `no progress for ${timeoutMs} ms` : `network error: ${describe(error)}`, {
        method, url, status, code: timedOut ? "TIMEOUT" : "NETWORK", retryable: true, cause: error,
      });
    };
    const sentBody = body instanceof ReadableStream
      ? guard(body, (n) => { bytesSent += n; timer.refresh(); })
      : body;
    if (body !== undefined && !(body instanceof ReadableStream)) bytesSent = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    let answer: HttpAnswer;
    try {
      exchange = this.connections.send({ method, url: target, headers, body: sentBody });
      answer = await exchange.answer;
    } catch (error) {
      // A failure of our own body stream (e.g. the source blob's digest check) is the real story, not the socket.
      const wrapped = error instanceof RegistryError ? error : failure(error, undefined);
      finish(undefined, wrapped);
      throw wrapped;
    }
    timer.refresh();
    const status = answer.status;
    if (method === "HEAD") {
      // No body follows; reading the (empty) message to its end hands the connection back to the pool.
      answer.body.resume();
      await ended(answer.body).catch(() => {});
      finish(status);
      return headOnly(answer, url, method);
    }
    return bodiedResponse(answer, url, method, {
      tooLarge: (limit) => {
        const error = new RegistryError(`answer larger than ${formatLimit(limit)}, the limit for it; not read`, { method, url, status, code: "TOO_LARGE", retryable: false });
        finish(status, error);
        return error;
      },
      chunk: (bytes) => {
        bytesReceived += bytes;
        timer.refresh();
      },
      end: () => finish(status),
      fail: (error) => {
        const wrapped = error instanceof RegistryError ? error : failure(error, status);
        finish(status, wrapped);
        return wrapped;
      },
    });
  }
}

/** What reading a response body reports: its bytes, its end, and its failure (mapped to the error to throw). */
interface BodyHooks {
  chunk(bytes: number): void;
  end(): void;
  fail(error: unknown): unknown;
  /** The error for a body read whole that passed `limit` bytes. */
  tooLarge(limit: number): unknown;
}

/** When a request must be over: the clock time, and how long that was from its start (for messages). */
interface Deadline {
  readonly at: number;
  readonly ms: number;
  /** Whether the exchange itself counts (see {@link TransportRequest.transferWithinDeadline}). */
  readonly bodyToo: boolean;
}

function deadlineError(method: string, url: string, ms: number, why: string, status?: number): RegistryError {
  return new RegistryError(`gave up: the request's deadline of ${Math.round(ms / 1000)} s, retries and waits included; ${why}`, {
    method, url, status, code: "DEADLINE", retryable: false,
  });
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * A response with a body: read whole (`bytes`, `text`), as a web stream (`body`, made on first use), or
 * discarded — read to its end when short, which keeps the connection, else cut off with the connection.
 */
function bodiedResponse(answer: HttpAnswer, url: string, method: string, hooks: BodyHooks): TransportResponse {
  const chunks = answer.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    try {
      const chunk = await chunks.next();
      if (chunk.done) hooks.end();
      else hooks.chunk(chunk.value.byteLength);
      return chunk;
    } catch (error) {
      throw hooks.fail(error);
    }
  };
  const abandon = async (): Promise<void> => {
    hooks.end();
    await chunks.return?.().catch(() => {});
  };
  const readAll = async (maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array> => {
    // A body announced larger than allowed is not read at all; one that grows past it is cut off there.
    const announced = Number(answer.headers.get("content-length") ?? 0);
    if (announced > maxBytes) {
      await abandon();
      throw hooks.tooLarge(maxBytes);
    }
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let chunk = await next(); !chunk.done; chunk = await next()) {
      length += chunk.value.byteLength;
      if (length > maxBytes) {
        await abandon();
        throw hooks.tooLarge(maxBytes);
      }
      parts.push(chunk.value);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
  let stream: ReadableStream<Uint8Array> | undefined;
  return {
    status: answer.status, headers: answer.headers, url, method,
    get body() {
      stream ??= new ReadableStream<Uint8Array>({
        async pull(controller) {
          const chunk = await next();
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        },
        cancel: abandon,
      }, { highWaterMark: 0 });
      return stream;
    },
    bytes: readAll,
    text: async (maxBytes) => new TextDecoder().decode(await readAll(maxBytes)),
    discard: async () => {
      // A short body is cheaper read to its end than the connection is to reopen.
      if (isShortBody(answer.headers)) await readAll().catch(() => {});
      else await abandon();
    },
  };
}

/** The response to a HEAD: headers only. */
function headOnly(answer: HttpAnswer, url: string, method: string): TransportResponse {
  const empty = async () => new Uint8Array();
  return {
    status: answer.status, headers: answer.headers, url, method, body: null,
    bytes: empty, text: async () => "", discard: async () => {},
  };
}

/** Bodies up to this size are read to their end rather than cut off when discarded. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

function isShortBody(headers: ResponseHeaders): boolean {
  const length = headers.get("content-length");
  return length !== null && Number(length) <= DRAIN_LIMIT_BYTES;
}

/** Re-exposes a request body stream, reporting each chunk's size as it is handed to the connection. */
function guard(source: ReadableStream<Uint8Array>, onChunk: (bytes: number) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else {
        onChunk(value.byteLength);
        controller.enqueue(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

function redirectedStreamError(method: string, url: string): RegistryError {
  return new RegistryError("redirected, but a streamed body cannot be sent again", { method, url, code: "REDIRECTED_STREAM", retryable: false });
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's socket errors carry the reason as a code (ECONNREFUSED, ECONNRESET); "socket hang up" has one too.
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}
