/**
 * HTTP for registries on the built-in fetch: an inactivity timeout on every request and response body,
 * retries with backoff on 429/5xx/network errors, redirects followed by hand so `Authorization` never
 * reaches another origin, and hooks for rate limiting and metrics. Knows nothing of registry semantics.
 */
import { RegistryError, parseErrorBody, redactUrl } from "./errors";
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
}

/** A response whose body must be consumed (`bytes`, `text`, reading `body`) or `discard`ed. */
export interface TransportResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The method of the final request (a 303 redirect turns it into GET). */
  readonly method: string;
  /** The body stream, guarded by the stall timeout; null when the response has none. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Reads the whole body (only for small bodies: manifests, errors, token responses). */
  bytes(): Promise<Uint8Array>;
  /** Reads the whole body as UTF-8. */
  text(): Promise<string>;
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
   * @returns a function to call once the exchange is finished
   */
  acquire(host: string): Promise<() => void>;
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
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof fetch;
  /** An undici dispatcher passed in every request's init (tests use a MockAgent). */
  readonly dispatcher?: unknown;
  /** Inactivity limit: no response headers, no request body progress or no response body bytes for this long aborts. Default 60 s. */
  readonly timeoutMs?: number;
  /** Retry tunables; default {@link DEFAULT_RETRY_POLICY}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Redirects followed per request; default 10. */
  readonly maxRedirects?: number;
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

/**
 * fetch options for a stream body. With any redirect mode but "error" (and no window), undici's fetch tees the
 * request body so it could follow a redirect, and the branch it keeps is never read: it holds every byte of
 * the upload until the request is done (nodejs/undici#4058) — a whole 1 GiB layer. A stream cannot be sent
 * twice, so it could not follow a redirect anyway; "error" mode skips the tee and turns a redirect into a
 * network error, reported by {@link redirectedStreamError}.
 */
const STREAMED_BODY_INIT = { duplex: "half", redirect: "error", window: null } as const;

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
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.policy.maxAttempts || !replayable;
      let response: TransportResponse;
      try {
        response = await this.followRedirects(request);
      } catch (error) {
        if (!(error instanceof RegistryError) || !error.retryable || last) throw error;
        await this.wait(attempt, undefined);
        continue;
      }
      if (!isRetryableStatus(response.status)) return response;
      const text = await response.text().catch(() => "");
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), (this.options.now ?? Date.now)());
      if (response.status === 429) this.reportThrottled(response.url, retryAfterMs);
      if (last) {
        const spec = parseErrorBody(text);
        throw new RegistryError(spec?.message || `giving up after ${attempt} attempt(s)`, {
          method: response.method, url: response.url, status: response.status, code: spec?.code, retryable: true,
        });
      }
      await this.wait(attempt, retryAfterMs);
    }
  }

  /** The gate's pause and the retry's wait use the same capped `Retry-After`, so they end together. */
  private reportThrottled(url: string, retryAfterMs: number | undefined): void {
    const capped = retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, this.policy.maxRetryAfterMs);
    this.options.gate?.throttled?.(new URL(url).host, capped);
  }

  private async wait(attempt: number, retryAfterMs: number | undefined): Promise<void> {
    const delay = retryDelayMs(this.policy, attempt, retryAfterMs, this.options.random ?? Math.random);
    await (this.options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(delay);
  }

  /** Follows redirects of requests without a stream body (a stream body is sent in fetch's "error" redirect mode). */
  private async followRedirects(request: TransportRequest): Promise<TransportResponse> {
    let { method, url } = request;
    let headers: Record<string, string> = { ...request.headers };
    let body = typeof request.body === "function" ? request.body() : request.body;
    const maxRedirects = this.options.maxRedirects ?? 10;
    for (let hop = 0; ; hop++) {
      const response = await this.exchange(method, url, headers, body);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null) return response;
      await response.discard();
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
  private async exchange(method: string, url: string, headers: Record<string, string>, body: RequestBody | undefined): Promise<TransportResponse> {
    const host = new URL(url).host;
    const releaseGate = this.options.gate ? await this.options.gate.acquire(host) : () => {};
    let slotHeld = true;
    const release = () => {
      if (!slotHeld) return;
      slotHeld = false;
      releaseGate();
    };
    const controller = new AbortController();
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      // A body nobody reads would otherwise hold its gate slot (and the host's in-flight cap) for good.
      release();
    }, timeoutMs);
    timer.unref();
    let bytesSent = 0;
    let bytesReceived = 0;
    let finished = false;
    const finish = (status: number | undefined, error?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      release();
      this.options.observer?.({
        method, url: redactUrl(url), status, bytesSent, bytesReceived,
        ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
      });
    };
    const failure = (error: unknown, status: number | undefined) =>
      new RegistryError(timedOut ? `no progress for ${timeoutMs} ms` : `network error: ${describe(error)}`, {
        method, url, status, code: timedOut ? "TIMEOUT" : "NETWORK", retryable: true, cause: error,
      });
    const sentBody = body instanceof ReadableStream
      ? guard(body, (n) => { bytesSent += n; timer.refresh(); }, () => {}, (e) => e)
      : body;
    if (body !== undefined && !(body instanceof ReadableStream)) bytesSent = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    let raw: Response;
    try {
      const fetcher = this.options.fetch ?? fetch;
      raw = await fetcher(url, {
        method, headers, body: sentBody, signal: controller.signal,
        ...(sentBody instanceof ReadableStream ? STREAMED_BODY_INIT : { redirect: "manual" }),
        ...(this.options.dispatcher === undefined ? {} : { dispatcher: this.options.dispatcher }),
      } as RequestInit);
    } catch (error) {
      // A failure of our own body stream (e.g. the source blob's digest check) is the real story, not the socket.
      const own = (error as { cause?: unknown }).cause;
      const wrapped = own instanceof RegistryError ? own
        : sentBody instanceof ReadableStream && isRedirectRefusal(own) ? redirectedStreamError(method, url)
        : failure(error, undefined);
      finish(undefined, wrapped);
      throw wrapped;
    }
    timer.refresh();
    const status = raw.status;
    const stream = raw.body === null
      ? null
      : guard(raw.body, (n) => { bytesReceived += n; timer.refresh(); }, () => finish(status), (error) => {
        const wrapped = failure(error, status);
        finish(status, wrapped);
        return wrapped;
      });
    if (stream === null) finish(status);
    const readAll = async (): Promise<Uint8Array> => {
      if (stream === null) return new Uint8Array();
      return new Uint8Array(await new Response(stream).arrayBuffer());
    };
    return {
      status, headers: raw.headers, url, method, body: stream,
      bytes: readAll,
      text: async () => new TextDecoder().decode(await readAll()),
      discard: async () => {
        if (stream !== null) await stream.cancel().catch(() => {});
        finish(status);
      },
    };
  }
}

/**
 * Re-exposes a stream, reporting each chunk's size, its end, and mapping its errors (so an abort by the
 * inactivity timer surfaces as a TIMEOUT RegistryError rather than a bare AbortError).
 */
function guard(
  source: ReadableStream<Uint8Array>,
  onChunk: (bytes: number) => void,
  onEnd: () => void,
  mapError: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          onEnd();
          controller.close();
          return;
        }
        onChunk(value.byteLength);
        controller.enqueue(value);
      } catch (error) {
        controller.error(mapError(error));
      }
    },
    async cancel(reason) {
      onEnd();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** undici's network error for a redirect answer in "error" redirect mode: `TypeError("fetch failed", { cause: Error("unexpected redirect") })`. */
function isRedirectRefusal(cause: unknown): boolean {
  // Duck-typed: the error comes from Node's own realm, where `instanceof Error` may not hold (jest, vm).
  return typeof cause === "object" && cause !== null && (cause as { message?: unknown }).message === "unexpected redirect";
}

function redirectedStreamError(method: string, url: string): RegistryError {
  return new RegistryError("redirected, but a streamed body cannot be sent again", { method, url, code: "REDIRECTED_STREAM", retryable: false });
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, bad port, socket hang up) is in its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : undefined;
  return detail === undefined ? message : `${message} (${detail})`;
}
