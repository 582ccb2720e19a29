import { RegistryError } from "../../lib/registry/errors";
import { Transport, type RequestEvent, type TransportOptions } from "../../lib/registry/transport";
import { startLoopbackServer, type LoopbackServer } from "../harness/loopback-server";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

let origin: ScriptedOrigin;
let sleeps: number[];

beforeEach(async () => {
  origin = await startScriptedOrigin();
  sleeps = [];
});
afterEach(async () => {
  await origin.close();
  expect(origin.unmatched).toEqual([]);
});

function transport(options: TransportOptions = {}): Transport {
  return new Transport({ sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => 0, ...options });
}

test("429 with Retry-After seconds, then success: waits what the server asked", async () => {
  origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "7" } });
  origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  const response = await transport().request({ method: "GET", url: `${origin.url}/v2/` });
  expect([response.status, await response.text(), sleeps]).toEqual([200, "ok", [7000]]);
});

test("429 with a Retry-After date, then success", async () => {
  origin.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "Thu, 01 Jan 1970 00:00:03 GMT" } });
  origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  await (await transport().request({ method: "GET", url: `${origin.url}/v2/` })).discard();
  expect(sleeps).toEqual([3000]);
});

test("500 and a network error, then success: exponential backoff with jitter", async () => {
  origin.intercept({ path: "/v2/", method: "GET" }).reply(500, "");
  origin.intercept({ path: "/v2/", method: "GET" }).replyWithError();
  origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  const response = await transport().request({ method: "GET", url: `${origin.url}/v2/` });
  expect(response.status).toBe(200);
  await response.discard();
  expect(sleeps).toEqual([125, 250]);
});

test("retries exhausted: RegistryError with the spec code, status and a redacted URL", async () => {
  const body = JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "quota exceeded" }] });
  origin.intercept({ path: "/v2/a/blobs/uploads/u?_state=secret", method: "GET" }).reply(429, body).times(3);
  const error = await transport({ retry: { maxAttempts: 3 } }).request({ method: "GET", url: `${origin.url}/v2/a/blobs/uploads/u?_state=secret` }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).message).toBe(`GET ${origin.url}/v2/a/blobs/uploads/u?_state=REDACTED: 429 TOOMANYREQUESTS: quota exceeded`);
  expect([(error as RegistryError).code, (error as RegistryError).status, (error as RegistryError).retryable]).toEqual(["TOOMANYREQUESTS", 429, true]);
  expect(sleeps).toHaveLength(2);
});

test("a one-shot stream body is not retried", async () => {
  origin.intercept({ path: "/up", method: "PUT" }).reply(503, "");
  const body = new Blob(["abc"]).stream();
  await expect(transport().request({ method: "PUT", url: `${origin.url}/up`, body })).rejects.toThrow(`PUT ${origin.url}/up: 503: giving up after 1 attempt(s)`);
  expect(sleeps).toEqual([]);
});

test("a body factory makes a stream body retryable", async () => {
  const seen: string[] = [];
  origin.intercept({ path: "/up", method: "PUT" }).reply(503, (request) => (seen.push(request.body.toString()), ""));
  origin.intercept({ path: "/up", method: "PUT" }).reply(201, (request) => (seen.push(request.body.toString()), ""));
  const response = await transport().request({ method: "PUT", url: `${origin.url}/up`, body: () => new TextEncoder().encode("abc") });
  expect(response.status).toBe(201);
  await response.discard();
  expect(seen).toHaveLength(2);
});

describe("a redirect", () => {
  let storage: ScriptedOrigin;
  beforeEach(async () => (storage = await startScriptedOrigin()));
  afterEach(async () => {
    await storage.close();
    expect(storage.unmatched).toEqual([]);
  });

  test.each([
    ["another origin drops Authorization", () => storage, undefined],
    ["the same origin keeps Authorization", () => origin, "Bearer t"],
  ])("to %s", async (_name, targetOf, expected) => {
    const target = targetOf();
    const location = `${target.url}/storage/blob`;
    origin.intercept({ path: "/v2/a/blobs/sha256:1", method: "GET" }).reply(307, "", { headers: { location } });
    let seen: unknown = "not called";
    target.intercept({ path: "/storage/blob", method: "GET" }).reply(200, (request) => {
      seen = request.headers.authorization;
      return "blob";
    });
    const response = await transport().request({ method: "GET", url: `${origin.url}/v2/a/blobs/sha256:1`, headers: { authorization: "Bearer t" } });
    expect([await response.text(), response.url, seen]).toEqual(["blob", location, expected]);
  });
});

test("a relative redirect resolves against the request URL; a 303 turns into GET", async () => {
  origin.intercept({ path: "/v2/x", method: "POST" }).reply(303, "", { headers: { location: "../y" } });
  origin.intercept({ path: "/y", method: "GET" }).reply(200, "done");
  const response = await transport().request({ method: "POST", url: `${origin.url}/v2/x`, body: "data" });
  expect([response.method, response.url, await response.text()]).toEqual(["GET", `${origin.url}/y`, "done"]);
});

test("a redirect loop stops after maxRedirects", async () => {
  origin.intercept({ path: "/loop", method: "GET" }).reply(302, "", { headers: { location: "/loop" } }).times(3);
  await expect(transport({ maxRedirects: 2 }).request({ method: "GET", url: `${origin.url}/loop` })).rejects.toThrow(`GET ${origin.url}/loop: 302: more than 2 redirects`);
});

test("the observer sees every exchange and the gate is released once per exchange", async () => {
  origin.intercept({ path: "/v2/", method: "GET" }).reply(500, "x");
  origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  origin.intercept({ path: "/v2/?token=abc", method: "PUT" }).reply(200, "hello");
  const events: RequestEvent[] = [];
  const gateLog: string[] = [];
  const gate = { acquire: async (host: string) => (gateLog.push(`acquire ${host}`), () => void gateLog.push("release")) };
  const t = transport({ observer: (e) => events.push(e), gate });
  await (await t.request({ method: "GET", url: `${origin.url}/v2/` })).text();
  await (await t.request({ method: "PUT", url: `${origin.url}/v2/?token=abc`, body: "12345" })).text();
  expect(events).toEqual([
    { method: "GET", url: `${origin.url}/v2/`, status: 500, bytesSent: 0, bytesReceived: 1 },
    { method: "GET", url: `${origin.url}/v2/`, status: 200, bytesSent: 0, bytesReceived: 2 },
    { method: "PUT", url: `${origin.url}/v2/?token=REDACTED`, status: 200, bytesSent: 5, bytesReceived: 5 },
  ]);
  const acquire = `acquire ${origin.host}`;
  expect(gateLog).toEqual([acquire, "release", acquire, "release", acquire, "release"]);
});

describe("timeouts against a real socket on 127.0.0.1", () => {
  let server: LoopbackServer;
  let origin: string;
  beforeAll(async () => {
    server = await startLoopbackServer((request, response) => {
      // /headers never answers; /body sends headers and one byte, then stalls.
      if (request.url === "/body") {
        response.writeHead(200, { "content-length": "10" });
        response.write("x");
      }
    });
    origin = server.url;
  });
  afterAll(() => server.close());

  test("no response headers within the timeout: TIMEOUT, retryable", async () => {
    const t = new Transport({ timeoutMs: 100, retry: { maxAttempts: 1 } });
    const error = await t.request({ method: "GET", url: `${origin}/headers` }).catch((e: unknown) => e);
    expect((error as RegistryError).message).toBe(`GET ${origin}/headers: TIMEOUT: no progress for 100 ms`);
    expect((error as RegistryError).retryable).toBe(true);
  });

  test("a body that stalls mid-way errors with TIMEOUT", async () => {
    const t = new Transport({ timeoutMs: 100, retry: { maxAttempts: 1 } });
    const response = await t.request({ method: "GET", url: `${origin}/body` });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow(`GET ${origin}/body: 200 TIMEOUT: no progress for 100 ms`);
  });
});

describe("connections", () => {
  test("HEADs and small bodies, read or discarded, reuse one keep-alive connection", async () => {
    origin.intercept({ path: "/v2/a/manifests/v1", method: "HEAD" }).reply(200, "", { headers: { "docker-content-digest": "sha256:1" } }).times(3);
    origin.intercept({ path: "/v2/a/tags/list", method: "GET" }).reply(200, '{"tags":["v1"]}').times(2);
    const t = transport();
    for (let i = 0; i < 3; i++) {
      const head = await t.request({ method: "HEAD", url: `${origin.url}/v2/a/manifests/v1` });
      expect([head.status, head.headers.get("Docker-Content-Digest"), head.body]).toEqual([200, "sha256:1", null]);
    }
    expect(await (await t.request({ method: "GET", url: `${origin.url}/v2/a/tags/list` })).text()).toBe('{"tags":["v1"]}');
    await (await t.request({ method: "GET", url: `${origin.url}/v2/a/tags/list` })).discard();
    expect([origin.requests.length, origin.connections]).toEqual([5, 1]);
  });

  test("discarding a large body closes its connection instead of reading it", async () => {
    const large = Buffer.alloc(1024 * 1024, 7);
    origin.intercept({ path: "/v2/a/blobs/sha256:big", method: "GET" }).reply(200, large, { headers: { "content-length": String(large.byteLength) } });
    origin.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
    const t = transport();
    const events: RequestEvent[] = [];
    const observed = transport({ observer: (event) => events.push(event) });
    await (await observed.request({ method: "GET", url: `${origin.url}/v2/a/blobs/sha256:big` })).discard();
    expect(events[0]!.bytesReceived).toBeLessThan(large.byteLength);
    await (await t.request({ method: "GET", url: `${origin.url}/v2/` })).discard();
    expect(origin.connections).toBe(2);
  });

  test("request framing: a body-less POST says Content-Length: 0, a buffer body its length, and the user agent is ours", async () => {
    origin.intercept({ path: "/v2/a/blobs/uploads/", method: "POST" }).reply(202, "");
    origin.intercept({ path: "/v2/a/manifests/v1", method: "PUT" }).reply(201, "");
    const t = transport();
    await (await t.request({ method: "POST", url: `${origin.url}/v2/a/blobs/uploads/` })).discard();
    await (await t.request({ method: "PUT", url: `${origin.url}/v2/a/manifests/v1`, body: "{}" })).discard();
    const [post, put] = origin.requests;
    expect([post!.headers["content-length"], post!.headers["transfer-encoding"], put!.headers["content-length"], put!.body.toString()]).toEqual(["0", undefined, "2", "{}"]);
    expect(post!.headers["user-agent"]).toBe("k8s-staging-promoter");
  });
});

test("a stream body that fails (a source blob's digest check) rejects with its own error, not the socket's", async () => {
  const own = new RegistryError("blob bytes hash to sha256:x", { method: "GET", url: "http://127.0.0.1:1/v2/a/blobs/sha256:1", status: 200, code: "DIGEST_MISMATCH", retryable: true });
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => (pulls++ === 0 ? controller.enqueue(new Uint8Array(1024)) : controller.error(own)),
  });
  const events: RequestEvent[] = [];
  const error = await transport({ observer: (event) => events.push(event) }).request({ method: "PUT", url: `${origin.url}/up`, body }).catch((e: unknown) => e);
  expect(error).toBe(own);
  expect(events).toEqual([expect.objectContaining({ method: "PUT", status: undefined, bytesSent: 1024, error: own.message })]);
});
