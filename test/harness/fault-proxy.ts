/**
 * A fault-injecting HTTP proxy on 127.0.0.1 that sits in front of a real registry: clients talk to the proxy
 * as if it were the registry; it forwards requests and, following a seeded plan, answers some of them with a
 * fault instead (429 with or without `Retry-After`, 500, 503, a reset connection, a stall). Injection is
 * bounded (a total and a per-request cap) so a client that retries always gets through eventually.
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
  /** No answer at all (the request is not forwarded); the client's timeout must give up. */
  | "stall-before-headers"
  /** GET only: the upstream status and headers are sent, then nothing; the client's body stall timeout must give up. */
  | "stall-after-headers";

/** Every {@link FaultKind}. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  "429", "429-retry-after", "500", "503", "reset-before-answer", "reset-mid-body", "stall-before-headers", "stall-after-headers",
];

// Faults that need the upstream's answer (headers, part of a body): only GETs have a body worth cutting.
const AFTER_UPSTREAM: ReadonlySet<FaultKind> = new Set(["reset-mid-body", "stall-after-headers"]);

/** What to inject and how much. */
export interface FaultPlan {
  /** Seed of the pseudo-random choices (which request, which fault). */
  readonly seed: string;
  /** Chance in [0, 1] that an eligible request gets a fault. */
  readonly probability: number;
  /** The faults to choose from (among those applicable to the request). */
  readonly kinds: readonly FaultKind[];
  /**
   * `rotate` (default): faults follow `kinds` in turn, so every kind is exercised once `maxFaults` allows;
   * `random`: each fault is drawn uniformly.
   */
  readonly order?: "rotate" | "random";
  /** Faults injected in total, over every proxy sharing the injector; then everything is forwarded. */
  readonly maxFaults: number;
  /**
   * Faults injected per request key (method and path; every request about one blob digest shares one key,
   * so a blob copy is not failed more times than the client retries it). Default 2.
   */
  readonly maxFaultsPerKey?: number;
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
 * may serve several proxies so that the bounds hold for the whole run.
 */
export class FaultInjector {
  /** Faults injected so far, per kind. */
  readonly injected: Record<FaultKind, number> = Object.fromEntries(ALL_FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  private readonly plan: FaultPlan;
  private readonly next: () => number;
  private readonly perKey = new Map<string, number>();
  private due = 0;

  /**
   * @param plan what to inject and how much
   * @throws {RangeError} when the probability is outside [0, 1], `maxFaults` is negative or `kinds` is empty
   * @example const injector = new FaultInjector({ seed: "run-1", probability: 0.2, kinds: ALL_FAULT_KINDS, maxFaults: 20 });
   */
  constructor(plan: FaultPlan) {
    if (!(plan.probability >= 0 && plan.probability <= 1)) throw new RangeError(`probability ${plan.probability} is not in [0, 1]`);
    if (!Number.isInteger(plan.maxFaults) || plan.maxFaults < 0) throw new RangeError(`maxFaults ${plan.maxFaults} is not a non-negative integer`);
    if (plan.kinds.length === 0) throw new RangeError("a fault plan needs at least one kind");
    this.plan = plan;
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
   * In `rotate` order, the kind due next if it applies to this method, else the first later one that does (the
   * skipped kind stays due, so a GET-only fault gets the next GET); in `random` order, any applicable kind.
   */
  private pickKind(method: string, pick: number): FaultKind | undefined {
    const kinds = this.plan.kinds;
    const applies = (kind: FaultKind) => method === "GET" || !AFTER_UPSTREAM.has(kind);
    if (this.plan.order === "random") {
      const applicable = kinds.filter(applies);
      return applicable.length === 0 ? undefined : applicable[Math.floor(pick * applicable.length)];
    }
    for (let offset = 0; offset < kinds.length; offset++) {
      const kind = kinds[(this.due + offset) % kinds.length]!;
      if (!applies(kind)) continue;
      if (offset === 0) this.due = (this.due + 1) % kinds.length;
      return kind;
    }
    return undefined;
  }

  /**
   * Draws the fate of one request and counts the fault chosen.
   *
   * @param method HTTP method
   * @param path path and query
   * @returns the fault to inject, or undefined to forward the request untouched
   */
  choose(method: string, path: string): FaultKind | undefined {
    // Draw both numbers every time, so one request's fate does not shift the sequence of the next ones.
    const roll = this.next();
    const pick = this.next();
    if (this.total >= this.plan.maxFaults || roll >= this.plan.probability) return undefined;
    const key = requestKey(method, path);
    if ((this.perKey.get(key) ?? 0) >= (this.plan.maxFaultsPerKey ?? 2)) return undefined;
    const kind = this.pickKind(method, pick);
    if (kind === undefined) return undefined;
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    this.injected[kind]++;
    return kind;
  }
}

/**
 * The key that per-request fault caps count against: requests about one blob digest (HEAD, GET, the upload's
 * final PUT `?digest=`) share `blob:DIGEST`; upload session ids are dropped; otherwise method and path.
 *
 * @param method HTTP method
 * @param path path and query
 * @returns the key
 * @example requestKey("PUT", "/v2/a/blobs/uploads/7f3?_state=x&digest=sha256%3Aab") // → "blob:sha256:ab"
 */
export function requestKey(method: string, path: string): string {
  const url = new URL(path, "http://proxy.invalid");
  const digest = url.searchParams.get("digest") ?? /\/blobs\/(sha256:[0-9a-f]+)$/.exec(url.pathname)?.[1];
  if (digest !== undefined && digest !== null) return `blob:${digest}`;
  return `${method} ${url.pathname.replace(/\/blobs\/uploads\/[^/]+$/, "/blobs/uploads/")}`;
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
    const fault = options.injector?.choose(method, path);
    const seen: ProxiedRequest = { upstream: options.upstream, method, path, ...(fault === undefined ? {} : { fault }) };
    requests.push(seen);
    options.onRequest?.(seen);
    if (fault === undefined || AFTER_UPSTREAM.has(fault)) {
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

/** A seeded uniform [0, 1) sequence: draw n is the first 32 bits of sha256(seed:n), the same on every machine. */
function seededUniform(seed: string): () => number {
  let draw = 0;
  return () => createHash("sha256").update(`${seed}:${draw++}`).digest().readUInt32LE(0) / 4294967296;
}
