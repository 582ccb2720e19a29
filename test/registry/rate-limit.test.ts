/**
 * The per-host limiter on a fake clock: admissions are recorded with the clock's time, so every expectation
 * is an exact schedule and nothing really sleeps.
 */
import { setImmediate as turn } from "node:timers/promises";
import { RegistryClient } from "../../lib/registry/client";
import { HostRateLimiter, type HostRateLimitOptions, type LimiterClock } from "../../lib/registry/rate-limit";
import { Transport, type RequestGate } from "../../lib/registry/transport";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

/** A clock that moves only when told, firing due sleeps in time order. */
class FakeClock implements LimiterClock {
  time = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.time + ms, resolve }));
  }

  /** Moves to `target`, stopping at each due timer and letting its continuations run. */
  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.resolve();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

/** Lets promise continuations and I/O callbacks run; no clock time passes. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await turn();
}

interface Harness {
  readonly clock: FakeClock;
  readonly limiter: HostRateLimiter;
  /** Clock time at which each request was admitted, in request order (undefined while waiting). */
  readonly admitted: Array<number | undefined>;
  readonly releases: Array<() => void>;
  request(host?: string): void;
}

function harness(options: HostRateLimitOptions = {}): Harness {
  const clock = new FakeClock();
  const limiter = new HostRateLimiter({ ...options, clock });
  const admitted: Array<number | undefined> = [];
  const releases: Array<() => void> = [];
  return {
    clock, limiter, admitted, releases,
    request(host = "a.example") {
      const index = admitted.push(undefined) - 1;
      void limiter.acquire(host).then((release) => {
        admitted[index] = clock.now();
        releases.push(release);
      });
    },
  };
}

test("a burst goes at once, then requests are spaced at the rate", async () => {
  const h = harness({ maxRps: 10, burst: 2 });
  for (let i = 0; i < 5; i++) h.request();
  await h.clock.advanceTo(1000);
  expect(h.admitted).toEqual([0, 0, 100, 200, 300]);
});

test("defaults: 250 requests/s (a quarter of Artifact Registry's regional quota) with a burst of 50", async () => {
  const h = harness();
  for (let i = 0; i < 52; i++) h.request();
  await h.clock.advanceTo(1000);
  expect(h.admitted).toEqual([...Array<number>(50).fill(0), 4, 8]);
  expect(h.limiter.stateFor("a.example")).toEqual({ rps: 250, inFlight: 52, queued: 0, pausedUntil: 0 });
});

test("the in-flight cap holds requests until one is released; a second release of the same slot is ignored", async () => {
  const h = harness({ maxRps: 1000, burst: 10, maxInFlightPerHost: 2 });
  for (let i = 0; i < 4; i++) h.request();
  await h.clock.advanceTo(5000);
  expect(h.admitted).toEqual([0, 0, undefined, undefined]);
  h.releases[0]!();
  h.releases[0]!();
  await h.clock.advanceTo(6000);
  expect(h.admitted).toEqual([0, 0, 5000, undefined]);
  expect(h.limiter.stateFor("a.example")).toMatchObject({ inFlight: 2, queued: 1 });
});

test("hosts are limited separately", async () => {
  const h = harness({ maxRps: 1, burst: 1 });
  h.request("a.example");
  h.request("a.example");
  h.request("b.example");
  await h.clock.advanceTo(0);
  expect(h.admitted).toEqual([0, undefined, 0]);
  await h.clock.advanceTo(1000);
  expect(h.admitted).toEqual([0, 1000, 0]);
});

test("when every answer is a 429, each cut halves the rate, once per cooldown, down to the 1 rps floor", () => {
  const h = harness({ maxRps: 16, cutCooldownMs: 1000, recoveryStepRps: 1e-9 });
  const rates: number[] = [];
  const at = (time: number) => {
    h.clock.time = time;
    h.limiter.throttled("a.example", undefined);
    rates.push(Math.round(h.limiter.stateFor("a.example").rps * 100) / 100);
  };
  [0, 500, 1000, 2000].forEach(at);
  for (let t = 3000; t <= 20_000; t += 1000) at(t);
  expect(rates.slice(0, 4)).toEqual([8, 8, 4, 2]);
  expect(rates.at(-1)).toBe(1);
  expect(h.limiter.stateFor("b.example").rps).toBe(16);
});

test("a 429 cuts the rate by the share of the host's recent answers that were 429s: the rate that got through", async () => {
  const h = harness({ maxRps: 20, burst: 20, recoveryStepRps: 1e-9 });
  for (let i = 0; i < 20; i++) h.request();
  await h.clock.advanceTo(0);
  for (const release of h.releases.splice(0)) release();
  // One of the twenty answers was a 429; a second one in the same moment cuts nothing more.
  h.limiter.throttled("a.example", undefined);
  expect(h.limiter.stateFor("a.example").rps).toBeCloseTo(19, 5);
  h.limiter.throttled("a.example", undefined);
  expect(h.limiter.stateFor("a.example").rps).toBeCloseTo(19, 5);
});

test("the rate grows back steadily, never above the maximum", () => {
  const h = harness({ maxRps: 40, recoveryStepRps: 4 });
  h.limiter.throttled("a.example", undefined);
  const rateAt = (time: number) => ((h.clock.time = time), h.limiter.stateFor("a.example").rps);
  expect([rateAt(0), rateAt(1000), rateAt(2500), rateAt(60_000)]).toEqual([20, 24, 30, 40]);
});

/**
 * Fifty answers a second for two minutes, one in `every` a 429 with Retry-After whatever the rate (a registry
 * refusing at random); the rate every 10 s.
 */
async function underRandom429s(every: number): Promise<{ rates: number[]; h: Harness }> {
  const h = harness({ maxRps: 250 });
  const rates: number[] = [];
  let answered = 0;
  for (let t = 0; t <= 120_000; t += 100) {
    for (let i = 0; i < 5; i++) h.request();
    await h.clock.advanceTo(t + 99);
    for (const release of h.releases.splice(0)) {
      release();
      if (answered++ % every === 0) h.limiter.throttled("a.example", 1000);
    }
    if (t % 10_000 === 0) rates.push(Math.round(h.limiter.stateFor("a.example").rps));
  }
  return { rates, h };
}

test("under random 429s that keep coming the rate settles where one cut per cooldown balances the growth", async () => {
  const { rates, h } = await underRandom429s(5);
  expect(h.limiter.stateFor("a.example").queued).toBe(0);
  // Each second a cut takes a fifth, and the rate grows by 25 between cuts: it swings between 100 and 125 rps,
  // neither collapsing to the floor nor staying at the maximum, and is never paused (a fifth is not "most").
  for (const rps of rates.slice(2)) expect(rps).toBeGreaterThanOrEqual(95);
  for (const rps of rates.slice(2)) expect(rps).toBeLessThanOrEqual(130);
  expect(h.limiter.stateFor("a.example").pausedUntil).toBe(0);
  // Once they stop, the maximum is back within seconds: (250 − 100) / 25 = 6 s.
  h.clock.time = 128_000;
  expect(h.limiter.stateFor("a.example").rps).toBe(250);
});

test("one answer in ten refused at random barely slows a host: the growth makes up a tenth each second", async () => {
  const { rates } = await underRandom429s(10);
  // Each cut takes a tenth, and the next second gives about as much back: 200–235 rps, against 100–125 above.
  for (const rps of rates.slice(3)) expect(rps).toBeGreaterThanOrEqual(200);
});

test("against a quota that refuses what exceeds it, the rate converges to the quota and stays there", async () => {
  const h = harness({ maxRps: 250 });
  const quotaPerTick = 10; // 100 requests a second
  const perSecond: number[] = [];
  for (let t = 0; t < 60_000; t += 100) {
    // Always more waiting than the host takes.
    while (h.admitted.filter((at) => at === undefined).length < 100) h.request();
    await h.clock.advanceTo(t + 99);
    const admitted = h.releases.splice(0);
    admitted.forEach((release, index) => {
      release();
      if (index >= quotaPerTick) h.limiter.throttled("a.example", undefined);
    });
    if (t % 1000 === 0) perSecond.push(0);
    perSecond[perSecond.length - 1]! += admitted.length;
  }
  // From the maximum it comes down within seconds, then uses the whole quota, sending at most a third more
  // (what one second's growth adds before the next cut).
  for (const sent of perSecond.slice(20)) {
    expect(sent).toBeGreaterThanOrEqual(100);
    expect(sent).toBeLessThanOrEqual(133);
  }
});

test("a 429 drops the unused burst, so the next request waits for a fresh token at the lower rate", async () => {
  const h = harness({ maxRps: 10, burst: 5, recoveryStepRps: 1e-9 });
  h.limiter.throttled("a.example", undefined);
  h.request();
  h.request();
  await h.clock.advanceTo(1000);
  // Every answer so far a 429: halved to 5 requests a second, one every 200 ms.
  expect(h.admitted).toEqual([200, 400]);
});

test("a stray Retry-After is the request's alone: the host is not paused", async () => {
  const h = harness({ maxRps: 10, burst: 10 });
  for (let i = 0; i < 8; i++) h.request();
  await h.clock.advanceTo(0);
  for (const release of h.releases) release();
  h.limiter.throttled("a.example", 3000);
  h.request();
  await h.clock.advanceTo(500);
  expect(h.limiter.stateFor("a.example").pausedUntil).toBe(0);
  expect(h.admitted.at(-1)).toBeLessThanOrEqual(500);
});

test("when most answers are 429s, a Retry-After pauses every request to the host, queued or new, and only that host", async () => {
  const h = harness({ maxRps: 10, burst: 10, recoveryStepRps: 1e-9 });
  for (let i = 0; i < 4; i++) h.request("a.example");
  await h.clock.advanceTo(0);
  for (let i = 0; i < 4; i++) {
    h.releases[i]!();
    h.limiter.throttled("a.example", 3000);
  }
  h.request("a.example");
  h.request("a.example");
  h.request("b.example");
  await h.clock.advanceTo(2999);
  expect(h.admitted).toEqual([0, 0, 0, 0, undefined, undefined, 0]);
  expect(h.limiter.stateFor("a.example")).toMatchObject({ pausedUntil: 3000, queued: 2, rps: 5, inFlight: 0 });
  await h.clock.advanceTo(4000);
  // No tokens are earned while paused: the pause ends without a burst, at the cut rate.
  expect(h.admitted).toEqual([0, 0, 0, 0, 3200, 3400, 0]);
});

test("a pause is not extended by the 429s that answer requests sent before it", () => {
  const h = harness({ maxRps: 10 });
  for (let i = 0; i < 4; i++) h.limiter.throttled("a.example", 1000);
  expect(h.limiter.stateFor("a.example").pausedUntil).toBe(1000);
  h.clock.time = 500;
  for (let i = 0; i < 10; i++) h.limiter.throttled("a.example", 1000);
  expect(h.limiter.stateFor("a.example").pausedUntil).toBe(1000);
});

test.each<[string, HostRateLimitOptions]>([
  ["maxRps must be a positive number, got 0", { maxRps: 0 }],
  ["maxRps must be a positive number, got Infinity", { maxRps: Number.POSITIVE_INFINITY }],
  ["burst must be a positive integer, got 1.5", { burst: 1.5 }],
  ["maxInFlightPerHost must be a positive integer, got 0", { maxInFlightPerHost: 0 }],
  ["minRps must be a positive number, got -1", { minRps: -1 }],
  ["maxCut must be between 0 and 1, got 1", { maxCut: 1 }],
  ["denseShare must be between 0 and 1, got 0", { denseShare: 0 }],
  ["recoveryStepRps must be a positive number, got NaN", { recoveryStepRps: Number.NaN }],
  ["cutCooldownMs must be zero or more, got -5", { cutCooldownMs: -5 }],
])("refused: %s", (message, options) => {
  expect(() => new HostRateLimiter(options)).toThrow(new RangeError(message));
});

describe("wired into the transport and the client", () => {
  // The registry, plus a token realm and a storage host for the redirect test.
  let origin: ScriptedOrigin;
  let tokens: ScriptedOrigin;
  let storage: ScriptedOrigin;
  beforeEach(async () => {
    [origin, tokens, storage] = await Promise.all([startScriptedOrigin(), startScriptedOrigin(), startScriptedOrigin()]);
  });
  afterEach(async () => {
    await Promise.all([origin.close(), tokens.close(), storage.close()]);
    expect([...origin.unmatched, ...tokens.unmatched, ...storage.unmatched]).toEqual([]);
  });

  test("a 429 with Retry-After reaches the gate, and the retry waits for the host's pause", async () => {
    const clock = new FakeClock();
    const limiter = new HostRateLimiter({ maxRps: 10, clock, denseMinimum: 1, recoveryStepRps: 1e-9 });
    const sleeps: number[] = [];
    // The 429 travels a real socket: the fake clock may move only once the retry's wait has begun.
    let retrying!: () => void;
    const retried = new Promise<void>((resolve) => (retrying = resolve));
    const transport = new Transport({ gate: limiter, sleep: async (ms) => void (sleeps.push(ms), retrying()), now: () => 0 });
    origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "7" } });
    origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
    let status: number | undefined;
    const done = transport.request({ method: "GET", url: `${origin.url}/v2/` }).then(async (r) => ((status = r.status), await r.discard()));
    await retried;
    await clock.advanceTo(6999);
    expect([status, sleeps, limiter.stateFor(origin.host)]).toEqual([undefined, [7000], { rps: 5, inFlight: 0, queued: 1, pausedUntil: 7000 }]);
    await clock.advanceTo(8000);
    await done;
    expect(status).toBe(200);
  });

  test("a 429 beyond the retry policy's Retry-After cap pauses the host only as long as the retry waits", async () => {
    const recorded: Array<[string, number | undefined]> = [];
    const gate: RequestGate = { acquire: async () => () => {}, throttled: (host, ms) => void recorded.push([host, ms]) };
    const transport = new Transport({ gate, sleep: async () => {}, now: () => 0, retry: { maxAttempts: 2, maxRetryAfterMs: 60_000 } });
    origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "3600" } });
    origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "");
    await expect(transport.request({ method: "GET", url: `${origin.url}/v2/` })).rejects.toThrow(`GET ${origin.url}/v2/: 429: giving up after 2 attempt(s)`);
    expect(recorded).toEqual([[origin.host, 60_000], [origin.host, undefined]]);
  });

  test("a response body nobody reads gives its slot back when the inactivity timeout fires, once", async () => {
    let releases = 0;
    let released!: () => void;
    const releasedOnce = new Promise<void>((resolve) => (released = resolve));
    const gate: RequestGate = { acquire: async () => () => void (releases++, released()) };
    origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "never read");
    const response = await new Transport({ gate, timeoutMs: 100 }).request({ method: "GET", url: `${origin.url}/v2/` });
    await releasedOnce;
    await response.discard();
    expect(releases).toBe(1);
  });

  test("every exchange passes the gate: the 401, the token request, the retried request and each redirect hop", async () => {
    const hosts: string[] = [];
    const gate: RequestGate = { acquire: async (host) => (hosts.push(host), () => {}) };
    const client = new RegistryClient({ gate, sleep: async () => {} });
    const blob = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    origin.intercept({ path: `/v2/app/blobs/${blob}`, method: "GET" })
      .reply(401, "", { headers: { "www-authenticate": `Bearer realm="${tokens.url}/token",service="r"` } });
    tokens.intercept({ path: "/token?service=r&scope=repository%3Aapp%3Apull", method: "GET" }).reply(200, '{"token":"T"}');
    origin.intercept({ path: `/v2/app/blobs/${blob}`, method: "GET" }).reply(307, "", { headers: { location: `${storage.url}/storage/foo` } });
    storage.intercept({ path: "/storage/foo", method: "GET" }).reply(200, "foo");
    const { stream } = await client.getBlob({ host: origin.host, path: "app" }, blob, 3);
    expect(Buffer.from(await new Response(stream).arrayBuffer()).toString()).toBe("foo");
    expect(hosts).toEqual([origin.host, tokens.host, origin.host, storage.host]);
  });

  test("the client builds a limiter from its options: with one request in flight per host, a HEAD waits for an open blob body", async () => {
    const client = new RegistryClient({ maxInFlightPerHost: 1, sleep: async () => {} });
    const blob = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    origin.intercept({ path: `/v2/app/blobs/${blob}`, method: "GET" }).reply(200, "foo");
    origin.intercept({ path: "/v2/app/manifests/v1", method: "HEAD" }).reply(404, "");
    const repo = { host: origin.host, path: "app" };
    const { stream } = await client.getBlob(repo, blob, 3);
    let headAnswered = false;
    const head = client.headManifest(repo, "v1").then((answer) => ((headAnswered = true), answer));
    // Real time, so an unheld HEAD would have reached the server and come back.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([headAnswered, origin.requests.map((r) => r.method)]).toEqual([false, ["GET"]]);
    await new Response(stream).arrayBuffer();
    expect(await head).toBe("absent");
  });

  test.each([
    [{ maxRps: -2 }, "maxRps must be a positive number, got -2"],
    [{ maxInFlightPerHost: 0.5 }, "maxInFlightPerHost must be a positive integer, got 0.5"],
  ])("the client refuses %j", (options, message) => {
    expect(() => new RegistryClient(options)).toThrow(new RangeError(message));
  });
});

describe("admission within a deadline", () => {
  test("a host paused by a long Retry-After refuses a request whose deadline comes first, and forgets it", async () => {
    const clock = new FakeClock();
    const limiter = new HostRateLimiter({ clock, denseMinimum: 1 });
    limiter.throttled("r.io", 120_000);
    // The deadline is real time (the caller's); 20 ms is far below the 120 s pause on the fake clock.
    await expect(limiter.acquire("r.io", 20)).rejects.toThrow("not admitted to r.io within 20 ms");
    expect(limiter.stateFor("r.io").queued).toBe(0);
  });

  test("a request admitted in time keeps its slot", async () => {
    const limiter = new HostRateLimiter({ clock: new FakeClock() });
    const release = await limiter.acquire("r.io", 20);
    expect(limiter.stateFor("r.io").inFlight).toBe(1);
    release();
  });
});
