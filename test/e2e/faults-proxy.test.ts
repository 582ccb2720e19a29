import { startRegistry, type HarnessRegistry } from "../harness";
import { FaultInjector, startFaultProxy, type FaultKind, type FaultProxy } from "../harness/fault-proxy";

describe("the fault plan (no registry)", () => {
  test("each kind comes at its own chance, for as long as the run lasts", () => {
    const injector = new FaultInjector({ seed: "s", mix: { "429-retry-after": 0.1, "503": 0.1, "reset-before-answer": 0.05 } });
    for (let n = 0; n < 20_000; n++) injector.choose("GET", `/v2/a/manifests/${n}`);
    const share = (kind: FaultKind) => injector.injected[kind] / 20_000;
    expect(share("429-retry-after")).toBeCloseTo(0.1, 1);
    expect(share("503")).toBeCloseTo(0.1, 1);
    expect(share("reset-before-answer")).toBeCloseTo(0.05, 1);
    // No budget runs out: the last thousand requests meet faults as the first thousand did.
    const late = new FaultInjector({ seed: "s", mix: { "503": 0.2 } });
    const faults = Array.from({ length: 10_000 }, (_, n) => late.choose("GET", `/v2/${n}`) !== undefined);
    expect(faults.slice(-1000).filter(Boolean).length).toBeGreaterThan(100);
  });

  test.each<[FaultKind, string, boolean, boolean]>([
    ["reset-mid-body", "HEAD", false, false],
    ["reset-mid-body", "GET", false, true],
    ["reset-mid-upload", "PUT", false, false],
    ["reset-mid-upload", "PUT", true, true],
    ["reset-mid-upload", "POST", true, false],
  ])("%s applies to a %s (body: %s): %s", (kind, method, hasBody, applies) => {
    const injector = new FaultInjector({ seed: "s", mix: { [kind]: 1 } });
    expect(injector.choose(method, "/v2/a/blobs/uploads/u", hasBody)).toBe(applies ? kind : undefined);
  });

  test("the same seed gives the same fates; a zero chance injects nothing", () => {
    const fates = (seed: string) => {
      const injector = new FaultInjector({ seed, mix: { "500": 0.3, "429": 0.2 } });
      return Array.from({ length: 40 }, (_, n) => injector.choose("GET", `/v2/a/manifests/${n}`) ?? "-");
    };
    expect(fates("x")).toEqual(fates("x"));
    expect(fates("x")).not.toEqual(fates("y"));
    const none = new FaultInjector({ seed: "x", mix: { "500": 0 } });
    expect(Array.from({ length: 40 }, () => none.choose("GET", "/v2/")).filter(Boolean)).toEqual([]);
  });

  test.each([
    [{ "500": 1.5 }, "the chance of 500, 1.5, is not in [0, 1]"],
    [{ "500": 0.7, "503": 0.6 }, "the chances add up to 1.2999999999999998, more than 1"],
  ])("an invalid mix %j is refused", (mix, message) => {
    expect(() => new FaultInjector({ seed: "s", mix })).toThrow(new RangeError(message));
  });
});

describe("the proxy in front of a real registry", () => {
  let registry: HarnessRegistry;
  const proxies: FaultProxy[] = [];
  // Every request through this proxy meets the fault.
  const proxyWith = async (kinds?: readonly FaultKind[]): Promise<FaultProxy> => {
    const injector = kinds && new FaultInjector({ seed: "proxy-test", mix: { [kinds[0]!]: 1 } });
    const proxy = await startFaultProxy({ upstream: registry.host, ...(injector ? { injector } : {}) });
    proxies.push(proxy);
    return proxy;
  };

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await registry?.dispose();
  });

  test("forwards requests, records them, and points upload Locations back at itself", async () => {
    const proxy = await proxyWith();
    const answer = await fetch(`http://${proxy.host}/v2/team/app/blobs/uploads/`, { method: "POST" });
    await answer.arrayBuffer();
    expect(answer.status).toBe(202);
    expect(answer.headers.get("location")).toMatch(new RegExp(`^http://${proxy.host}/v2/team/app/blobs/uploads/[0-9a-f-]+\\?_state=`));
    expect(proxy.requests).toEqual([{ upstream: registry.host, method: "POST", path: "/v2/team/app/blobs/uploads/" }]);
  });

  test.each([
    ["429-retry-after" as const, 429, "1"],
    ["429" as const, 429, null],
    ["500" as const, 500, null],
    ["503" as const, 503, null],
  ])("%s is answered with status %d (Retry-After %j), request after request", async (kind, status, retryAfter) => {
    const proxy = await proxyWith([kind]);
    for (let n = 0; n < 2; n++) {
      const faulty = await fetch(`http://${proxy.host}/v2/`);
      expect({ status: faulty.status, retryAfter: faulty.headers.get("retry-after"), body: await faulty.json() }).toEqual({
        status, retryAfter, body: { errors: [{ code: status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message: `injected ${kind}` }] },
      });
    }
  });

  test("reset-mid-upload: part of the body reaches the registry, then the connection is cut", async () => {
    const proxy = await proxyWith(["reset-mid-upload"]);
    const session = await fetch(`http://${registry.host}/v2/team/app/blobs/uploads/`, { method: "POST" });
    await session.arrayBuffer();
    const location = session.headers.get("location")!.replace(registry.host, proxy.host);
    const body = new Uint8Array(64 * 1024).fill(7);
    await expect(fetch(location, { method: "PATCH", body, headers: { "content-type": "application/octet-stream" } })).rejects.toThrow("fetch failed");
    expect(proxy.requests.map((r) => [r.method, r.fault])).toEqual([["PATCH", "reset-mid-upload"]]);
  });

  test("a destination that stops reading an upload leaves it unanswered until the client gives up", async () => {
    const proxy = await startFaultProxy({ upstream: registry.host, stopReadingUploads: () => true });
    proxies.push(proxy);
    const session = await fetch(`http://${proxy.host}/v2/team/app/blobs/uploads/`, { method: "POST" });
    await session.arrayBuffer();
    const body = new Uint8Array(8 * 1024 * 1024).fill(1);
    await expect(fetch(session.headers.get("location")!, { method: "PATCH", body, signal: AbortSignal.timeout(500) })).rejects.toThrow(
      "The operation was aborted due to timeout",
    );
  });

  test.each(["reset-before-answer", "stall-before-headers"] as const)("%s: the request gets no answer", async (kind) => {
    const proxy = await proxyWith([kind]);
    // The stall never ends by itself: the client's own deadline is what ends it, as in the promoter.
    await expect(fetch(`http://${proxy.host}/v2/`, { signal: AbortSignal.timeout(500) })).rejects.toThrow(
      kind === "reset-before-answer" ? "fetch failed" : "The operation was aborted due to timeout",
    );
  });

  test.each(["reset-mid-body", "stall-after-headers"] as const)("%s: the headers arrive, the body never completes", async (kind) => {
    const proxy = await proxyWith([kind]);
    const answer = await fetch(`http://${proxy.host}/v2/`, { signal: AbortSignal.timeout(500) });
    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toThrow(kind === "reset-mid-body" ? "terminated" : "The operation was aborted due to timeout");
  });

  test("a dead upstream resets the client's connection", async () => {
    const dead = await startRegistry();
    const proxy = await startFaultProxy({ upstream: dead.host });
    proxies.push(proxy);
    await dead.dispose();
    await expect(fetch(`http://${proxy.host}/v2/`)).rejects.toThrow("fetch failed");
  });
});
