/**
 * A fault-injecting HTTP proxy on 127.0.0.1 that sits in front of a real registry: clients talk to the proxy
 * as if it were the registry; it forwards requests and, following a seeded plan, answers some of them with a
 * fault instead (429 with or without `Retry-After`, 500, 503, a reset connection, a stall). Faults are
 * sustained: each request meets each kind of fault with a fixed probability for the whole run, as in a real
 * incident, with no budget that runs out. It can also play a destination that accepts an upload and then stops
 * reading it.
 */
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The faults the proxy can inject. */
export type FaultKind =
  /** 429 without `Retry-After`. */
  | "429"
  /** 429 with `Retry-After` ({@link FaultPlan.retryAfterSeconds}). */
  | "429-retry-after"
  | "500"
  | "503"
  /** The connection is destroyed before any answer (the request is not forwarded). */
  | "reset-before-answer"
  /** GET only: the upstream status and headers and part of the body are sent, then the connection is destroyed. */
  | "reset-mid-body"
  /** PUT and PATCH with a body only: part of the body reaches the registry, then both connections are destroyed. */
  | "reset-mid-upload"
  /** No answer at all (the request is not forwarded); the client's timeout must give up. */
  | "stall-before-headers"
  /** GET only: the upstream status and headers are sent, then nothing; the client's body stall timeout must give up. */
  | "stall-after-headers";

/** Every {@link FaultKind}. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  "429", "429-retry-after", "500", "503", "reset-before-answer", "reset-mid-body", "reset-mid-upload", "stall-before-headers", "stall-after-headers",
];

// Faults that need the upstream's answer (headers, part of a body): only GETs have a body worth cutting.
const AFTER_UPSTREAM: ReadonlySet<FaultKind> = new Set(["reset-mid-body", "stall-after-headers"]);

/**
 * The sustained mix of the incident: one request in ten refused with 429 (`Retry-After: 1`), one in ten
 * with 503, one in twenty reset (before the answer, mid-download, mid-upload).
 */
export const INCIDENT_MIX: Readonly<Partial<Record<FaultKind, number>>> = {
  "429-retry-after": 0.1,
  "503": 0.1,
  "reset-before-answer": 0.02,
  "reset-mid-body": 0.015,
  "reset-mid-upload": 0.015,
};

/** What to inject: per kind, the probability that a request meets it, for the whole run. */
export interface FaultPlan {
  /** Seed of the pseudo-random choices. */
  readonly seed: string;
  /**
   * Per kind, the chance in [0, 1] that a request gets it; the chances add up to at most 1. A kind that cannot
   * apply to a request (a mid-body reset of a HEAD) is not replaced by another: that request goes through.
   */
  readonly mix: Readonly<Partial<Record<FaultKind, number>>>;
  /** The `Retry-After` value of `429-retry-after`, in seconds; default 1. */
  readonly retryAfterSeconds?: number;
}

/** One request seen by a proxy. */
export interface ProxiedRequest {
  /** `127.0.0.1:PORT` of the registry behind the proxy. */
  readonly upstream: string;
  /** HTTP method. */
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  /** The fault injected instead of (or into) the answer, if any. */
  readonly fault?: FaultKind;
}

/**
 * Decides, from a seeded sequence, which requests get which fault, and counts what it injected. One injector
 * may serve several proxies.
 */
export class FaultInjector {
  /** Faults injected so far, per kind. */
  readonly injected: Record<FaultKind, number> = Object.fromEntries(ALL_FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  /** Requests that met no fault. */
  passed = 0;
  private readonly plan: FaultPlan;
  private readonly cumulative: ReadonlyArray<readonly [FaultKind, number]>;
  private readonly next: () => number;

  /**
   * @param plan the mix and the seed
   * @throws {RangeError} when a chance is outside [0, 1] or the chances add up to more than 1
   * @example const injector = new FaultInjector({ seed: "run-1", mix: INCIDENT_MIX });
   */
  constructor(plan: FaultPlan) {
    let sum = 0;
    const cumulative: Array<readonly [FaultKind, number]> = [];
    for (const [kind, chance] of Object.entries(plan.mix) as Array<[FaultKind, number]>) {
      if (!(chance >= 0 && chance <= 1)) throw new RangeError(`the chance of ${kind}, ${chance}, is not in [0, 1]`);
      sum += chance;
      cumulative.push([kind, sum]);
    }
    if (sum > 1 + 1e-9) throw new RangeError(`the chances add up to ${sum}, more than 1`);
    this.plan = plan;
    this.cumulative = cumulative;
    this.next = seededUniform(plan.seed);
  }

  /** Faults injected so far, all kinds together. */
  get total(): number {
    return Object.values(this.injected).reduce((sum, count) => sum + count, 0);
  }

  /** `Retry-After` seconds sent with `429-retry-after`. */
  get retryAfterSeconds(): number {
    return this.plan.retryAfterSeconds ?? 1;
  }

  /**
   * Draws the fate of one request and counts the fault chosen.
   *
   * @param method HTTP method
   * @param path path and query
   * @param hasBody whether the request carries a body (only those can be reset mid-upload)
   * @returns the fault to inject, or undefined to forward the request untouched
   */
  choose(method: string, path: string, hasBody = false): FaultKind | undefined {
    void path;
    const roll = this.next();
    const kind = this.cumulative.find(([, upTo]) => roll < upTo)?.[0];
    if (kind === undefined || !applies(kind, method, hasBody)) {
      this.passed++;
      return undefined;
    }
    this.injected[kind]++;
    return kind;
  }
}

function applies(kind: FaultKind, method: string, hasBody: boolean): boolean {
  if (AFTER_UPSTREAM.has(kind)) return method === "GET";
  if (kind === "reset-mid-upload") return hasBody && (method === "PUT" || method === "PATCH");
  return true;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** `127.0.0.1:PORT` of the registry to forward to. */
  readonly upstream: string;
  /** Which faults to inject; none when absent (the proxy then only observes). */
  readonly injector?: FaultInjector;
  /** Called for every request as it arrives, before it is forwarded (tests use it to act at a precise moment). */
  readonly onRequest?: (request: ProxiedRequest) => void;
  /** Called when the upstream's answer to a forwarded, fault-free request has been relayed whole to the client. */
  readonly onAnswer?: (request: ProxiedRequest, status: number) => void;
  /**
   * Plays a destination that accepts an upload and then stops reading it: a blob upload (PUT or PATCH of
   * `…/blobs/uploads/…` with a body) that this returns true for is left unread and unanswered, holding its
   * connection open, until the client gives up.
   */
  readonly stopReadingUploads?: (request: ProxiedRequest) => boolean;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT` to use in image references instead of the registry's. */
  readonly host: string;
  /** Every request seen, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Closes the listener and every open connection. */
  close(): Promise<void>;
}

/**
 * Starts a proxy on a free 127.0.0.1 port in front of `upstream`. `Location` headers naming the upstream are
 * rewritten to the proxy, so upload sessions and redirects come back through it.
 *
 * @param options upstream, injector and observer
 * @returns the running proxy
 * @throws the listen error if no port can be bound
 * @example
 * const proxy = await startFaultProxy({ upstream: registry.host, injector });
 * await runPromoteCli([... `${proxy.host}/prod` ...]);
 * await proxy.close();
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((request, response) => {
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    const hasBody = request.headers["content-length"] !== undefined ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== undefined;
    const fault = options.injector?.choose(method, path, hasBody);
    const seen: ProxiedRequest = { upstream: options.upstream, method, path, ...(fault === undefined ? {} : { fault }) };
    requests.push(seen);
    options.onRequest?.(seen);
    const upload = hasBody && (method === "PUT" || method === "PATCH") && path.includes("/blobs/uploads/");
    if (upload && options.stopReadingUploads?.(seen)) {
      // Nothing is read: the client's writes fill the socket buffers and stop; the client's timeout ends it.
      request.pause();
      return;
    }
    if (fault === "reset-mid-upload") {
      forwardPartOfUpload(request, response, options.upstream);
    } else if (fault === undefined || AFTER_UPSTREAM.has(fault)) {
      const onAnswer = options.onAnswer;
      forward(request, response, options.upstream, `${LOOPBACK}:${port()}`, fault, onAnswer && ((status) => onAnswer(seen, status)));
    } else {
      answerWithFault(request, response, fault, options.injector!.retryAfterSeconds);
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = () => (server.address() as AddressInfo).port;
  return {
    host: `${LOOPBACK}:${port()}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const LOOPBACK = "127.0.0.1";

/** Faults decided without the upstream: the request body is drained first so the client sees the answer, not a write error. */
function answerWithFault(request: IncomingMessage, response: ServerResponse, fault: FaultKind, retryAfterSeconds: number): void {
  request.resume();
  request.once("end", () => {
    if (fault === "reset-before-answer") return void response.socket?.destroy();
    if (fault === "stall-before-headers") return; // the client's timeout closes the socket
    const status = fault === "429" || fault === "429-retry-after" ? 429 : Number(fault);
    const code = status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE";
    const body = JSON.stringify({ errors: [{ code, message: `injected ${fault}` }] });
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      ...(fault === "429-retry-after" ? { "retry-after": String(retryAfterSeconds) } : {}),
    });
    response.end(body);
  });
}

function forward(
  request: IncomingMessage,
  response: ServerResponse,
  upstream: string,
  self: string,
  fault: FaultKind | undefined,
  onAnswer: ((status: number) => void) | undefined,
): void {
  const [hostname, upstreamPort] = upstream.split(":") as [string, string];
  const outgoing = httpRequest(
    { hostname, port: Number(upstreamPort), method: request.method, path: request.url, headers: { ...request.headers, host: upstream } },
    (answer) => {
      const headers: OutgoingHttpHeaders = { ...answer.headers };
      const location = answer.headers.location;
      if (location !== undefined) headers.location = location.replace(`//${upstream}/`, `//${self}/`);
      response.writeHead(answer.statusCode ?? 502, headers);
      if (fault === "stall-after-headers") {
        response.flushHeaders();
        // Hold the upstream answer unread until the client gives up, then drop it.
        response.once("close", () => answer.destroy());
        return;
      }
      if (fault === "reset-mid-body") {
        let cut = false;
        answer.once("data", (chunk: Buffer) => {
          cut = true;
          answer.destroy();
          // Destroy only once the partial body is on the wire: destroying drops writes still queued.
          response.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => response.socket?.destroy());
        });
        answer.once("end", () => {
          if (!cut) response.socket?.destroy();
        });
        return;
      }
      if (onAnswer) response.once("finish", () => onAnswer(answer.statusCode ?? 502));
      answer.pipe(response);
    },
  );
  // The registry is down or died mid-answer: the client sees what it would see talking to it directly.
  outgoing.once("error", () => response.socket?.destroy());
  response.once("close", () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  request.pipe(outgoing);
}

/** Forwards the start of an upload's body to the registry, then cuts both connections: a reset mid-upload. */
function forwardPartOfUpload(request: IncomingMessage, response: ServerResponse, upstream: string): void {
  const [hostname, upstreamPort] = upstream.split(":") as [string, string];
  const outgoing = httpRequest({ hostname, port: Number(upstreamPort), method: request.method, path: request.url, headers: { ...request.headers, host: upstream } });
  outgoing.once("error", () => {});
  request.once("data", (chunk: Buffer) => {
    outgoing.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => {
      outgoing.destroy();
      response.socket?.destroy();
    });
  });
  request.once("end", () => {
    outgoing.destroy();
    response.socket?.destroy();
  });
}

/** A seeded uniform [0, 1) sequence: draw n is the first 32 bits of sha256(seed:n), the same on every machine. */
function seededUniform(seed: string): () => number {
  let draw = 0;
  return () => createHash("sha256").update(`${seed}:${draw++}`).digest().readUInt32LE(0) / 4294967296;
}

/**
 * An injector that faults chosen requests the first times they are seen rather than at random: `pick` names the
 * fault for a request (by method and path) and how many times in a row that request gets it, or undefined.
 * Tests use it to make one destination or one read late by a known amount, deterministically.
 */
export class ScriptedFaults extends FaultInjector {
  private readonly seen = new Map<string, number>();
  private readonly pick: (method: string, path: string) => { readonly kind: FaultKind; readonly times: number } | undefined;

  /**
   * @param pick the fault and its count for a request, or undefined to let it through
   * @param retryAfterSeconds the `Retry-After` of `429-retry-after`; default 1
   * @example new ScriptedFaults((method, path) => (method === "HEAD" ? { kind: "429-retry-after", times: 1 } : undefined));
   */
  constructor(pick: (method: string, path: string) => { readonly kind: FaultKind; readonly times: number } | undefined, retryAfterSeconds = 1) {
    super({ seed: "scripted", mix: {}, retryAfterSeconds });
    this.pick = pick;
  }

  /** The picked fault while the request has been seen fewer times than its count; see {@link FaultInjector.choose}. */
  override choose(method: string, path: string, hasBody = false): FaultKind | undefined {
    const picked = this.pick(method, path);
    const key = `${method} ${path}`;
    const times = this.seen.get(key) ?? 0;
    this.seen.set(key, times + 1);
    if (picked === undefined || times >= picked.times || !applies(picked.kind, method, hasBody)) {
      this.passed++;
      return undefined;
    }
    this.injected[picked.kind]++;
    return picked.kind;
  }
}
