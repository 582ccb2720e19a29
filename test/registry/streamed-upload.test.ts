import type { IncomingMessage } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { RegistryError } from "../../lib/registry/errors";
import { Transport } from "../../lib/registry/transport";
import { startLoopbackServer, type LoopbackServer } from "../harness/loopback-server";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

// A full collection on demand, so the test can tell which uploaded chunks are still referenced.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const CHUNK_BYTES = 1024 * 1024;
const CHUNKS = 32;

/** A source stream of fresh 1 MiB chunks, each watched by a WeakRef. */
function watchedSource(): { stream: ReadableStream<Uint8Array>; chunks: Array<WeakRef<Uint8Array>> } {
  const chunks: Array<WeakRef<Uint8Array>> = [];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (chunks.length === CHUNKS) return controller.close();
      const chunk = new Uint8Array(CHUNK_BYTES).fill(chunks.length);
      chunks.push(new WeakRef(chunk));
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, chunks };
}

describe("a streamed request body over a real connection", () => {
  let server: LoopbackServer;
  let origin: string;
  // The server holds its answer until the test has looked at memory: the request is still in flight then.
  let received: (bytes: number) => void;
  let answer: () => void;

  beforeAll(async () => {
    server = await startLoopbackServer((request: IncomingMessage, response) => {
      let bytes = 0;
      request.on("data", (piece: Buffer) => void (bytes += piece.byteLength));
      request.on("end", () => {
        answer = () => response.writeHead(201).end();
        received(bytes);
      });
    });
    origin = server.url;
  });
  afterAll(() => server.close());

  test("is not kept in memory while the request is in flight (no copy is held to follow a redirect)", async () => {
    const { stream, chunks } = watchedSource();
    const allReceived = new Promise<number>((resolve) => (received = resolve));
    const pending = new Transport().request({ method: "PUT", url: `${origin}/upload`, headers: { "content-length": String(CHUNK_BYTES * CHUNKS) }, body: stream });
    expect(await allReceived).toBe(CHUNK_BYTES * CHUNKS);
    // Let the last chunk's read finish, so no stack frame holds it, then collect.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    const alive = chunks.filter((chunk) => chunk.deref() !== undefined).length;
    answer();
    const response = await pending;
    await response.discard();
    expect(chunks).toHaveLength(CHUNKS);
    // Teeing would keep all 32 alive in the branch nobody reads; the last one may still sit in a socket buffer.
    expect(alive).toBeLessThanOrEqual(2);
    expect(response.status).toBe(201);
  });
});

describe("a redirect answer to a streamed body", () => {
  let origin: ScriptedOrigin;
  beforeEach(async () => (origin = await startScriptedOrigin()));
  afterEach(async () => {
    await origin.close();
    expect(origin.unmatched).toEqual([]);
  });

  test.each([
    ["a one-shot stream", () => new Blob(["abc"]).stream()],
    ["a stream factory", () => () => new Blob(["abc"]).stream()],
  ])("with %s fails with REDIRECTED_STREAM, not retried", async (_name, makeBody) => {
    let sleeps = 0;
    origin.intercept({ path: "/up", method: "PUT" }).reply(307, "", { headers: { location: `${origin.url}/elsewhere` } });
    const transport = new Transport({ sleep: async () => void sleeps++ });
    const error = await transport.request({ method: "PUT", url: `${origin.url}/up`, body: makeBody() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toBe(`PUT ${origin.url}/up: REDIRECTED_STREAM: redirected, but a streamed body cannot be sent again`);
    expect([(error as RegistryError).retryable, sleeps]).toEqual([false, 0]);
  });

  test("a byte body still follows the redirect by hand", async () => {
    origin.intercept({ path: "/up", method: "PUT" }).reply(307, "", { headers: { location: `${origin.url}/elsewhere` } });
    let body = "";
    origin.intercept({ path: "/elsewhere", method: "PUT" }).reply(201, (request) => ((body = request.body.toString()), ""));
    const response = await new Transport().request({ method: "PUT", url: `${origin.url}/up`, body: "abc" });
    await response.discard();
    expect([response.status, response.url, body]).toEqual([201, `${origin.url}/elsewhere`, "abc"]);
  });
});
