import { startRegistry, type HarnessRegistry } from "../harness";
import { ALL_FAULT_KINDS, FaultInjector, requestKey, startFaultProxy, type FaultKind, type FaultProxy } from "../harness/fault-proxy";

describe("the fault plan (no registry)", () => {
  test.each([
    ["HEAD", "/v2/a/b/blobs/sha256:ab", "blob:sha256:ab"],
    ["GET", "/v2/a/blobs/sha256:cd", "blob:sha256:cd"],
    ["PUT", "/v2/a/blobs/uploads/7f3-x?_state=s&digest=sha256%3Aef", "blob:sha256:ef"],
    ["PATCH", "/v2/a/blobs/uploads/7f3-x?_state=s", "PATCH /v2/a/blobs/uploads/"],
    ["POST", "/v2/a/blobs/uploads/", "POST /v2/a/blobs/uploads/"],
    ["HEAD", "/v2/a/manifests/v1.10", "HEAD /v2/a/manifests/v1.10"],
  ])("requestKey(%j, %j) is %j", (method, path, key) => {
    expect(requestKey(method, path)).toBe(key);
  });

  test("rotation gives every kind in turn, keeps GET-only faults for a GET, and stops at maxFaults", () => {
    const injector = new FaultInjector({ seed: "s", probability: 1, kinds: ["reset-mid-body", "500"], maxFaults: 3 });
    expect(injector.choose("HEAD", "/v2/a/manifests/1")).toBe("500");
    expect(injector.choose("GET", "/v2/a/manifests/2")).toBe("reset-mid-body");
    expect(injector.choose("GET", "/v2/a/manifests/3")).toBe("500");
    expect(injector.choose("GET", "/v2/a/manifests/4")).toBeUndefined();
    expect(injector.total).toBe(3);
    expect(injector.injected).toMatchObject({ "500": 2, "reset-mid-body": 1, "429": 0 });
  });

  test("one request key gets at most maxFaultsPerKey faults", () => {
    const injector = new FaultInjector({ seed: "s", probability: 1, kinds: ["503"], maxFaults: 10, maxFaultsPerKey: 2 });
    const fates = [1, 2, 3].map(() => injector.choose("GET", "/v2/a/blobs/sha256:ab"));
    expect(fates).toEqual(["503", "503", undefined]);
    expect(injector.choose("HEAD", "/v2/a/blobs/sha256:ab")).toBeUndefined();
  });

  test("the same seed gives the same fates; probability 0 injects nothing", () => {
    const fates = (seed: string) => {
      const injector = new FaultInjector({ seed, probability: 0.5, kinds: ALL_FAULT_KINDS, maxFaults: 100, order: "random", maxFaultsPerKey: 100 });
      return Array.from({ length: 40 }, (_, n) => injector.choose("GET", `/v2/a/manifests/${n}`) ?? "-");
    };
    expect(fates("x")).toEqual(fates("x"));
    expect(fates("x")).not.toEqual(fates("y"));
    const none = new FaultInjector({ seed: "x", probability: 0, kinds: ALL_FAULT_KINDS, maxFaults: 100 });
    expect(Array.from({ length: 40 }, () => none.choose("GET", "/v2/")).filter(Boolean)).toEqual([]);
  });

  test.each([
    [{ probability: 1.5 }, "probability 1.5 is not in [0, 1]"],
    [{ maxFaults: -1 }, "maxFaults -1 is not a non-negative integer"],
    [{ kinds: [] }, "a fault plan needs at least one kind"],
  ])("an invalid plan %j is refused", (override, message) => {
    expect(() => new FaultInjector({ seed: "s", probability: 0.5, kinds: ["500"], maxFaults: 1, ...override })).toThrow(new RangeError(message));
  });
});
describe("the proxy in front of a real registry", () => {
  let registry: HarnessRegistry;
  const proxies: FaultProxy[] = [];
  const proxyWith = async (kinds?: readonly FaultKind[]): Promise<FaultProxy> => {
    const injector = kinds && new FaultInjector({ seed: "proxy-test", probability: 1, kinds, maxFaults: 1 });
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
  ])("%s is answered with status %d (Retry-After %j), then the next request goes through", async (kind, status, retryAfter) => {
    const proxy = await proxyWith([kind]);
    const faulty = await fetch(`http://${proxy.host}/v2/`);
    expect({ status: faulty.status, retryAfter: faulty.headers.get("retry-after"), body: await faulty.json() }).toEqual({
      status, retryAfter, body: { errors: [{ code: status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message: `injected ${kind}` }] },
    });
    expect((await fetch(`http://${proxy.host}/v2/`)).status).toBe(200);
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
