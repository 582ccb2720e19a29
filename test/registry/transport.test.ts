import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MockAgent } from "undici";
import { RegistryError } from "../../lib/registry/errors";
import { Transport, type RequestEvent, type TransportOptions } from "../../lib/registry/transport";

const ORIGIN = "http://127.0.0.1:5000";
let agent: MockAgent;
let sleeps: number[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sleeps = [];
});
afterEach(() => agent.close());

function transport(options: TransportOptions = {}): Transport {
  return new Transport({ dispatcher: agent, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => 0, ...options });
}

test("429 with Retry-After seconds, then success: waits what the server asked", async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "7" } });
  pool.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  const response = await transport().request({ method: "GET", url: `${ORIGIN}/v2/` });
  expect([response.status, await response.text(), sleeps]).toEqual([200, "ok", [7000]]);
});

test("429 with a Retry-After date, then success", async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: "/v2/", method: "GET" }).reply(429, "", { headers: { "retry-after": "Thu, 01 Jan 1970 00:00:03 GMT" } });
  pool.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  await (await transport().request({ method: "GET", url: `${ORIGIN}/v2/` })).discard();
  expect(sleeps).toEqual([3000]);
});

test("500 and a network error, then success: exponential backoff with jitter", async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: "/v2/", method: "GET" }).reply(500, "");
  pool.intercept({ path: "/v2/", method: "GET" }).replyWithError(new Error("socket hang up"));
  pool.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  const response = await transport().request({ method: "GET", url: `${ORIGIN}/v2/` });
  expect(response.status).toBe(200);
  await response.discard();
  expect(sleeps).toEqual([250, 500]);
});

test("retries exhausted: RegistryError with the spec code, status and a redacted URL", async () => {
  const pool = agent.get(ORIGIN);
  const body = JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "quota exceeded" }] });
  pool.intercept({ path: "/v2/a/blobs/uploads/u?_state=secret", method: "GET" }).reply(429, body).times(3);
  const error = await transport({ retry: { maxAttempts: 3 } }).request({ method: "GET", url: `${ORIGIN}/v2/a/blobs/uploads/u?_state=secret` }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).message).toBe(`GET ${ORIGIN}/v2/a/blobs/uploads/u?_state=REDACTED: 429 TOOMANYREQUESTS: quota exceeded`);
  expect([(error as RegistryError).code, (error as RegistryError).status, (error as RegistryError).retryable]).toEqual(["TOOMANYREQUESTS", 429, true]);
  expect(sleeps).toHaveLength(2);
});

test("a one-shot stream body is not retried", async () => {
  agent.get(ORIGIN).intercept({ path: "/up", method: "PUT" }).reply(503, "");
  const body = new Blob(["abc"]).stream();
  await expect(transport().request({ method: "PUT", url: `${ORIGIN}/up`, body })).rejects.toThrow(`PUT ${ORIGIN}/up: 503: giving up after 1 attempt(s)`);
  expect(sleeps).toEqual([]);
});

test("a body factory makes a stream body retryable", async () => {
  const pool = agent.get(ORIGIN);
  const seen: string[] = [];
  pool.intercept({ path: "/up", method: "PUT" }).reply(503, (opts) => (seen.push(String(opts.body)), ""));
  pool.intercept({ path: "/up", method: "PUT" }).reply(201, (opts) => (seen.push(String(opts.body)), ""));
  const response = await transport().request({ method: "PUT", url: `${ORIGIN}/up`, body: () => new TextEncoder().encode("abc") });
  expect(response.status).toBe(201);
  await response.discard();
  expect(seen).toHaveLength(2);
});

test.each([
  ["another origin drops Authorization", "http://127.0.0.2:9000/storage/blob", undefined],
  ["the same origin keeps Authorization", `${ORIGIN}/storage/blob`, "Bearer t"],
])("a redirect to %s", async (_name, location, expected) => {
  agent.get(ORIGIN).intercept({ path: "/v2/a/blobs/sha256:1", method: "GET" }).reply(307, "", { headers: { location } });
  let seen: unknown = "not called";
  const target = new URL(location);
  agent.get(target.origin).intercept({ path: target.pathname, method: "GET" }).reply(200, (opts) => {
    seen = (opts.headers as Record<string, string>).authorization;
    return "blob";
  });
  const response = await transport().request({ method: "GET", url: `${ORIGIN}/v2/a/blobs/sha256:1`, headers: { authorization: "Bearer t" } });
  expect([await response.text(), response.url, seen]).toEqual(["blob", location, expected]);
});

test("a relative redirect resolves against the request URL; a 303 turns into GET", async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: "/v2/x", method: "POST" }).reply(303, "", { headers: { location: "../y" } });
  pool.intercept({ path: "/y", method: "GET" }).reply(200, "done");
  const response = await transport().request({ method: "POST", url: `${ORIGIN}/v2/x`, body: "data" });
  expect([response.method, response.url, await response.text()]).toEqual(["GET", `${ORIGIN}/y`, "done"]);
});

test("a redirect loop stops after maxRedirects", async () => {
  agent.get(ORIGIN).intercept({ path: "/loop", method: "GET" }).reply(302, "", { headers: { location: "/loop" } }).times(3);
  await expect(transport({ maxRedirects: 2 }).request({ method: "GET", url: `${ORIGIN}/loop` })).rejects.toThrow(`GET ${ORIGIN}/loop: 302: more than 2 redirects`);
});

test("the observer sees every exchange and the gate is released once per exchange", async () => {
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: "/v2/", method: "GET" }).reply(500, "x");
  pool.intercept({ path: "/v2/", method: "GET" }).reply(200, "ok");
  pool.intercept({ path: "/v2/?token=abc", method: "PUT" }).reply(200, "hello");
  const events: RequestEvent[] = [];
  const gateLog: string[] = [];
  const gate = { acquire: async (host: string) => (gateLog.push(`acquire ${host}`), () => void gateLog.push("release")) };
  const t = transport({ observer: (e) => events.push(e), gate });
  await (await t.request({ method: "GET", url: `${ORIGIN}/v2/` })).text();
  await (await t.request({ method: "PUT", url: `${ORIGIN}/v2/?token=abc`, body: "12345" })).text();
  expect(events).toEqual([
    { method: "GET", url: `${ORIGIN}/v2/`, status: 500, bytesSent: 0, bytesReceived: 1 },
    { method: "GET", url: `${ORIGIN}/v2/`, status: 200, bytesSent: 0, bytesReceived: 2 },
    { method: "PUT", url: `${ORIGIN}/v2/?token=REDACTED`, status: 200, bytesSent: 5, bytesReceived: 5 },
  ]);
  expect(gateLog).toEqual(["acquire 127.0.0.1:5000", "release", "acquire 127.0.0.1:5000", "release", "acquire 127.0.0.1:5000", "release"]);
});

describe("timeouts against a real socket on 127.0.0.1", () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      // /headers never answers; /body sends headers and one byte, then stalls.
      if (request.url === "/body") {
        response.writeHead(200, { "content-length": "10" });
        response.write("x");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

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
