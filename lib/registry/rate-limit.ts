/**
 * Per-host admission for registry requests: a token bucket (requests per second with a small burst), a cap on
 * requests in flight, and additive-increase/multiplicative-decrease on 429s. A 429 cuts the host's rate by the
 * share of the host's recent answers that were 429s (at most once per cooldown, since the 429s of one moment answer
 * requests sent at one rate, and by at most half): the rate that got through. The rate grows back steadily all the
 * time. Against a quota that refuses what exceeds it, the rate thus settles at the quota; against 429s that come
 * at random whatever the rate, it settles where one cut per cooldown balances a cooldown's growth (with 10% of
 * answers refused, at the maximum); once they stop, it is back at the maximum within seconds. A `Retry-After` is
 * honoured by the request that received it (the transport waits it out); the whole host is paused only when most
 * of its recent answers are 429s — a quota spent, not a stray refusal — and a pause is never extended by the 429s
 * it already answers. Time comes from an injectable clock so the behaviour is testable without real waiting.
 */
import type { RequestGate } from "./transport";

/** Time source and timer of a {@link HostRateLimiter}; tests inject a fake one. */
export interface LimiterClock {
  /** Milliseconds on any monotonic scale (default `performance.now`, which wall-clock adjustments cannot move). */
  now(): number;
  /** Resolves after `ms` milliseconds (default `setTimeout`). */
  sleep(ms: number): Promise<void>;
}

/** Tunables of a {@link HostRateLimiter}; every field is optional. */
export interface HostRateLimitOptions {
  /** Steady requests per second per host; default {@link DEFAULT_MAX_RPS}. */
  readonly maxRps?: number;
  /** Requests a host may take at once after being idle; default a fifth of a second's worth (≥ 1). */
  readonly burst?: number;
  /** Requests in flight per host (headers sent, body not yet finished); default {@link DEFAULT_MAX_IN_FLIGHT_PER_HOST}. */
  readonly maxInFlightPerHost?: number;
  /** The lowest rate a 429 can cut a host to; default 1 rps (or `maxRps` when that is lower). */
  readonly minRps?: number;
  /** The largest share of the rate one cut takes, however many answers were 429s; default 0.5. */
  readonly maxCut?: number;
  /** Rate regained per second, all the time; default a tenth of `maxRps`. */
  readonly recoveryStepRps?: number;
  /** 429s closer together than this cut the rate once, since they answer requests sent at the same rate; default 1 s. */
  readonly cutCooldownMs?: number;
  /** The window over which the share of 429s among a host's answers is measured (with the window before it, for the cut); default 2 s. */
  readonly denseWindowMs?: number;
  /** The share of 429s in the window from which a `Retry-After` pauses the whole host; default 0.5. */
  readonly denseShare?: number;
  /** The fewest 429s in the window that can pause the host; default 4. */
  readonly denseMinimum?: number;
  /** The clock; default real time. */
  readonly clock?: LimiterClock;
}

/** What the limiter currently holds for one host, for diagnostics and tests. */
export interface HostLimitState {
  /** The current rate in requests per second. */
  readonly rps: number;
  /** Requests admitted and not yet released. */
  readonly inFlight: number;
  /** Requests waiting to be admitted. */
  readonly queued: number;
  /** Clock time until which the host is paused by a `Retry-After`, or 0. */
  readonly pausedUntil: number;
}

/**
 * Default steady rate per host. Artifact Registry, where production lives, allows 60,000 requests per minute
 * per region and project (1,000/s) for everyone using it; a quarter of that leaves room for a second run and for
 * every other user of the project, and is far above what a promotion needs to be limited by the registries'
 * own speed rather than by this limit.
 */
export const DEFAULT_MAX_RPS = 250;

/**
 * Default cap on requests in flight per host. A blob copy holds a download open on the source while its
 * upload runs on the destination, so the cap must exceed twice the blob copies in flight (images × 4 blobs)
 * or copies between two hosts could each hold one side and wait forever for the other.
 */
export const DEFAULT_MAX_IN_FLIGHT_PER_HOST = 64;

const REAL_CLOCK: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

// Float refills can land a hair under one whole token; that is a whole token.
const EPSILON = 1e-9;

interface HostState {
  rps: number;
  tokens: number;
  /** Clock time the tokens and rate were last brought up to date. */
  refilledAt: number;
  lastCutAt: number;
  pausedUntil: number;
  inFlight: number;
  readonly queue: Array<(release: () => void) => void>;
  wakeScheduled: boolean;
  /** The window the share of 429s is measured in: when it started, answers (released requests) and 429s since. */
  window: { start: number; answered: number; throttled: number };
  /** The answers and 429s of the window before, so a cut early in a window still sees a share of many answers. */
  previous: { answered: number; throttled: number };
}

/**
 * A {@link RequestGate} that limits each host separately. Waiting requests are admitted in arrival order.
 *
 * @example
 * const gate = new HostRateLimiter({ maxRps: 20 });
 * const client = new RegistryClient({ gate }); // RegistryClient builds one by default from maxRps
 */
export class HostRateLimiter implements RequestGate {
  private readonly maxRps: number;
  private readonly minRps: number;
  private readonly burst: number;
  private readonly maxInFlight: number;
  private readonly maxCut: number;
  private readonly recoveryStepRps: number;
  private readonly cutCooldownMs: number;
  private readonly denseWindowMs: number;
  private readonly denseShare: number;
  private readonly denseMinimum: number;
  private readonly clock: LimiterClock;
  private readonly hosts = new Map<string, HostState>();

  /**
   * @param options rates, caps and clock, all optional
   * @throws RangeError when a rate, burst, cap, share or interval is out of range (caps and burst: positive
   *   integers; the largest cut and the dense share: in (0, 1))
   */
  constructor(options: HostRateLimitOptions = {}) {
    this.maxRps = positive("maxRps", options.maxRps ?? DEFAULT_MAX_RPS);
    this.minRps = Math.min(this.maxRps, positive("minRps", options.minRps ?? 1));
    this.burst = positiveInteger("burst", options.burst ?? Math.max(1, Math.ceil(this.maxRps / 5)));
    this.maxInFlight = positiveInteger("maxInFlightPerHost", options.maxInFlightPerHost ?? DEFAULT_MAX_IN_FLIGHT_PER_HOST);
    this.maxCut = fraction("maxCut", options.maxCut ?? 0.5);
    this.recoveryStepRps = positive("recoveryStepRps", options.recoveryStepRps ?? this.maxRps / 10);
    this.cutCooldownMs = nonNegative("cutCooldownMs", options.cutCooldownMs ?? 1000);
    this.denseWindowMs = positive("denseWindowMs", options.denseWindowMs ?? 2000);
    this.denseShare = fraction("denseShare", options.denseShare ?? 0.5);
    this.denseMinimum = positiveInteger("denseMinimum", options.denseMinimum ?? 4);
    this.clock = options.clock ?? REAL_CLOCK;
  }

  /**
   * Waits until the host has a token, a free in-flight slot and no pause, then takes them.
   *
   * @param host the host the request goes to (`gcr.io`, `127.0.0.1:5000`)
   * @param maxWaitMs the longest to wait (the request's deadline); default no limit
   * @returns the release function: call it once the exchange is finished (extra calls are ignored)
   * @throws Error when not admitted within `maxWaitMs` (the request leaves the queue)
   */
  acquire(host: string, maxWaitMs?: number): Promise<() => void> {
    const state = this.stateOf(host);
    return new Promise((resolve, reject) => {
      let expiry: ReturnType<typeof setTimeout> | undefined;
      const admit = (release: () => void) => {
        clearTimeout(expiry);
        resolve(release);
      };
      state.queue.push(admit);
      this.pump(host, state);
      if (maxWaitMs === undefined || !state.queue.includes(admit)) return;
      // Real time, whatever the clock: a deadline is the caller's, and an unref'd timer never keeps the process up.
      expiry = setTimeout(() => {
        const at = state.queue.indexOf(admit);
        if (at === -1) return;
        state.queue.splice(at, 1);
        reject(new Error(`not admitted to ${host} within ${maxWaitMs} ms`));
      }, maxWaitMs);
      expiry.unref();
    });
  }

  /**
   * Reports a 429 from a host: its rate is cut by the share of 429s among its answers of the current and the
   * previous window (at most once per cooldown, by at most `maxCut`, never below the floor) and unused tokens are
   * dropped; with a `Retry-After`, the whole host is paused for it only when most of its answers in the
   * current window are 429s and it is not paused already (the 429s of a pause answer requests sent before it).
   *
   * @param host the host that answered 429
   * @param retryAfterMs the wait the host asked for, if it sent `Retry-After` (already capped by the caller)
   */
  throttled(host: string, retryAfterMs: number | undefined): void {
    const state = this.stateOf(host);
    const now = this.clock.now();
    this.refill(state, now);
    const window = this.windowOf(state, now);
    window.throttled++;
    if (now - state.lastCutAt >= this.cutCooldownMs) {
      const share = (state.previous.throttled + window.throttled) / Math.max(1, state.previous.answered + window.answered);
      state.rps = Math.max(this.minRps, state.rps * (1 - Math.min(this.maxCut, share)));
      state.lastCutAt = now;
      state.tokens = 0;
    }
    // The 429's own request has been released (its answer read) before it is reported, so it counts in `answered`.
    const dense = window.throttled >= this.denseMinimum && window.throttled >= this.denseShare * window.answered;
    if (retryAfterMs !== undefined && retryAfterMs > 0 && dense && now >= state.pausedUntil) {
      state.pausedUntil = now + retryAfterMs;
      // The share after the pause is measured afresh.
      state.window = { start: state.pausedUntil, answered: 0, throttled: 0 };
      state.previous = { answered: 0, throttled: 0 };
    }
    this.pump(host, state);
  }

  /**
   * The limiter's view of a host, brought up to date with the clock.
   *
   * @param host a host
   * @returns its rate, in-flight and queued counts and pause; a host never seen reports the full rate
   */
  stateFor(host: string): HostLimitState {
    const state = this.hosts.get(host);
    if (state === undefined) return { rps: this.maxRps, inFlight: 0, queued: 0, pausedUntil: 0 };
    this.refill(state, this.clock.now());
    return { rps: state.rps, inFlight: state.inFlight, queued: state.queue.length, pausedUntil: state.pausedUntil };
  }

  private stateOf(host: string): HostState {
    let state = this.hosts.get(host);
    if (state === undefined) {
      const now = this.clock.now();
      state = {
        rps: this.maxRps, tokens: this.burst, refilledAt: now, lastCutAt: Number.NEGATIVE_INFINITY,
        pausedUntil: 0, inFlight: 0, queue: [], wakeScheduled: false, window: { start: now, answered: 0, throttled: 0 },
        previous: { answered: 0, throttled: 0 },
      };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** The current share window, started afresh once the last one is over. */
  private windowOf(state: HostState, now: number): HostState["window"] {
    if (now - state.window.start >= this.denseWindowMs) {
      // A window long gone says nothing about now: only the one just ended is kept.
      const justEnded = now - state.window.start < 2 * this.denseWindowMs;
      state.previous = justEnded ? { answered: state.window.answered, throttled: state.window.throttled } : { answered: 0, throttled: 0 };
      state.window = { start: now, answered: 0, throttled: 0 };
    }
    return state.window;
  }

  /** Brings tokens and rate up to `now`; a paused host earns neither (a pause must not end in a burst). */
  private refill(state: HostState, now: number): void {
    const active = Math.max(0, now - Math.max(state.refilledAt, state.pausedUntil));
    state.refilledAt = Math.max(state.refilledAt, now);
    if (active === 0) return;
    const grown = Math.min(this.maxRps, state.rps + (active * this.recoveryStepRps) / 1000);
    // The rate grew along the way: the tokens earned are those of the mean rate.
    state.tokens = Math.min(this.burst, state.tokens + (active * (state.rps + grown)) / 2000);
    state.rps = grown;
  }

  /** Admits waiting requests while the host allows, else arranges to try again when it will. */
  private pump(host: string, state: HostState): void {
    const now = this.clock.now();
    this.refill(state, now);
    while (state.queue.length > 0 && state.inFlight < this.maxInFlight && now >= state.pausedUntil && state.tokens >= 1 - EPSILON) {
      state.tokens = Math.max(0, state.tokens - 1);
      state.inFlight++;
      const admit = state.queue.shift()!;
      let released = false;
      admit(() => {
        if (released) return;
        released = true;
        state.inFlight--;
        this.windowOf(state, this.clock.now()).answered++;
        this.pump(host, state);
      });
    }
    // A full in-flight cap is woken by a release; only time-bound waits need a timer.
    if (state.queue.length === 0 || state.inFlight >= this.maxInFlight || state.wakeScheduled) return;
    const waitMs = Math.max(state.pausedUntil - now, ((1 - state.tokens) * 1000) / state.rps);
    state.wakeScheduled = true;
    void this.clock.sleep(Math.max(1, Math.ceil(waitMs))).then(() => {
      state.wakeScheduled = false;
      this.pump(host, state);
    });
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be zero or more, got ${value}`);
  return value;
}

function fraction(name: string, value: number): number {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
