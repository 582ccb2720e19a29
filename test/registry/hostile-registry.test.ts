/**
 * The client against registries that answer with too much, forever, in circles or too slowly. Each case would
 * hang, exhaust memory or overflow the stack without its bound; each must end with a clear error (or the right
 * answer) in bounded memory. Servers are real sockets on 127.0.0.1 that stream their answers lazily.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RegistryClient } from "../../lib/registry/client";
import { RegistryError } from "../../lib/registry/errors";
import { copyBlobToMany, IN_MEMORY_UPLOAD_BYTES } from "../../lib/registry/fan-out-blob";
import type { RepositoryRef } from "../../lib/registry/reference";
import { startLoopbackServer, type LoopbackServer } from "../harness/loopback-server";
import { peakRssDuring } from "../support/peak-memory";
import { startRegistry } from "../harness/registry";

const DIGEST = `sha256:${"a".repeat(64)}`;
let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<RepositoryRef> {
  server = await startLoopbackServer(handler);
  return { host: server.host, path: "prod/app" };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error("expected a RegistryError");
}

/** Writes `chunks` one after the other, waiting for the socket to drain: a lazily generated endless or huge body. */
function stream(response: ServerResponse, next: () => string | undefined): void {
  const pump = (): void => {
    for (let chunk = next(); chunk !== undefined; chunk = next()) if (!response.write(chunk)) return void response.once("drain", pump);
    response.end();
  };
  response.on("close", () => response.destroy());
  pump();
}

describe("manifests are read up to 4 MiB, the limit registries apply", () => {
  test("an endless manifest body (a registry serving /dev/zero) stops at the limit, in bounded memory", async () => {
    const repo = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      const zeros = "\0".repeat(64 * 1024);
      stream(response, () => zeros);
    });
    const { result: error, beforeMiB, peakMiB } = await peakRssDuring(() => failure(new RegistryClient().getManifest(repo, "v1")));
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toBe(`GET http://${repo.host}/v2/prod/app/manifests/v1: 200 TOO_LARGE: a manifest larger than 4 MiB, the limit registries apply; not read`);
    expect(peakMiB - beforeMiB).toBeLessThan(64);
  });

  test("a manifest announced at 2 GiB is refused before its body is read", async () => {
    let sent = 0;
    const repo = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "content-length": String(2 * 1024 ** 3) });
      const chunk = "{".repeat(64 * 1024);
      stream(response, () => ((sent += chunk.length), sent > 2 * 1024 ** 3 ? undefined : chunk));
    });
    const error = await failure(new RegistryClient().getManifest(repo, "v1"));
    expect(error.code).toBe("TOO_LARGE");
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  test("a Docker schema 1 manifest is named as unsupported, not as corrupted", async () => {
    const repo = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws" });
      response.end(JSON.stringify({ schemaVersion: 1, name: "prod/app", tag: "v1", fsLayers: [], signatures: [] }));
    });
    const error = await failure(new RegistryClient().getManifest(repo, DIGEST));
    expect(error.message).toBe(
      `GET http://${repo.host}/v2/prod/app/manifests/${DIGEST}: 200 UNSUPPORTED_SCHEMA1: Docker schema 1 manifest: schema 1 is not supported ` +
        "(deprecated since 2017; rebuild and push the image with a current tool)",
    );
  });
});

describe("tag lists", () => {
  /** A one-page tag list of `thousands` × 1,000 tags; the middle chunks repeat one string, so the server makes no garbage. */
  const tagList = (thousands: number, first: readonly string[], last: readonly string[]) => (response: ServerResponse) => {
    response.writeHead(200, { "content-type": "application/json" });
    const middle = Array.from({ length: 1000 }, (_, k) => `,"t${k}"`).join("");
    let i = -1;
    stream(response, () => {
      i++;
      if (i === 0) return `{"name":"prod/app","tags":[${first.map((tag) => JSON.stringify(tag)).join(",")}`;
      if (i < thousands) return middle;
      if (i === thousands) return `${last.map((tag) => `,${JSON.stringify(tag)}`).join("")}]}`;
      return undefined;
    });
  };

  test("3,000,000 tags in one page: read as they stream, only the wanted ones kept, memory bounded", async () => {
    const repo = await serve((_request, response) => tagList(3000, ["v7", "v8"], ["v2999999"])(response));
    const wanted = new Set(["v7", "v2999999"]);
    const { result, beforeMiB, peakMiB } = await peakRssDuring(() => new RegistryClient().listTags(repo, { keep: (tag) => wanted.has(tag) }));
    expect(result).toEqual({ tags: ["v7", "v2999999"], manifests: undefined });
    // The page is 27 MB of JSON; read whole and parsed (even without the old spread), it peaks ~210 MiB higher.
    expect(peakMiB - beforeMiB).toBeLessThan(64);
  }, 120_000);

  test("200,000 tags all kept: no stack overflow (the old spread of every tag into push)", async () => {
    const repo = await serve((_request, response) => tagList(200, ["first"], ["last"])(response));
    const { tags } = await new RegistryClient().listTags(repo);
    expect(tags).toHaveLength(199_002);
    expect(tags[199_001]).toBe("last");
  }, 60_000);

  test("a Link header pointing at its own page stops with an error instead of looping", async () => {
    let requests = 0;
    const repo = await serve((_request, response) => {
      requests++;
      response.writeHead(200, { "content-type": "application/json", link: '</v2/prod/app/tags/list>; rel="next"' });
      response.end(JSON.stringify({ name: "prod/app", tags: ["a"] }));
    });
    const error = await failure(new RegistryClient().listTags(repo));
    expect(error.code).toBe("PAGINATION_LOOP");
    expect(error.message).toBe(`GET http://${repo.host}/v2/prod/app/tags/list: PAGINATION_LOOP: pagination came back to a page already read; the listing was stopped`);
    expect(requests).toBe(1);
  });

  test("pages under ever new URLs that repeat the same tags stop with an error", async () => {
    let page = 0;
    const repo = await serve((_request, response) => {
      page++;
      response.writeHead(200, { "content-type": "application/json", link: `</v2/prod/app/tags/list?n=2&last=b&page=${page}>; rel="next"` });
      response.end(JSON.stringify({ name: "prod/app", tags: ["a", "b"] }));
    });
    const error = await failure(new RegistryClient().listTags(repo));
    expect(error.message).toContain("PAGINATION_LOOP: pagination does not advance (an empty page, or the same page again); the listing was stopped");
    expect(page).toBe(2);
  });

  test("an answer that is not a tag list is an error naming it, not a crash", async () => {
    const repo = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"name":"prod/app","tags":[1,2,3]}');
    });
    expect((await failure(new RegistryClient().listTags(repo))).message).toContain("BAD_TAG_LIST: not a tag list: a tag must be a string");
  });
});

describe("every wait is bounded by the request's deadline", () => {
  test("Retry-After: 999999 gives up at once with the deadline named, whatever the retry cap", async () => {
    let requests = 0;
    const repo = await serve((_request, response) => {
      requests++;
      response.writeHead(429, { "retry-after": "999999", "content-type": "application/json" });
      response.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
    });
    const slept: number[] = [];
    const client = new RegistryClient({ timeoutMs: 1000, sleep: async (ms) => void slept.push(ms) });
    const error = await failure(client.headManifest(repo, "v1"));
    expect(error.code).toBe("DEADLINE");
    expect(error.message).toBe(
      `HEAD http://${repo.host}/v2/prod/app/manifests/v1: DEADLINE: gave up: the request's deadline of 5 s, retries and waits included; ` +
        "waiting for the 999999 s the registry asked for (Retry-After) would pass it",
    );
    expect(requests).toBe(1);
    expect(slept).toEqual([]);
  });

  test("a body trickled in just under the inactivity timeout is cut off at the deadline", async () => {
    const repo = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      const timer = setInterval(() => response.write(" "), 100);
      response.on("close", () => clearInterval(timer));
    });
    // Inactivity 1 s (never reached: a byte every 0.1 s), deadline 1.5 s.
    const client = new RegistryClient({ timeoutMs: 1000, requestDeadlineMs: 1500 });
    const error = await failure(client.getManifest(repo, "v1"));
    expect(error.code).toBe("DEADLINE");
    expect(error.message).toContain("gave up: the request's deadline of 2 s, retries and waits included; the answer did not arrive in time");
  });
});

describe("registry error replies", () => {
  test("every entry of an error body is in the message, with its detail: the missing blob is named", async () => {
    const repo = await serve((_request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({
        errors: [
          { code: "MANIFEST_INVALID", message: "manifest invalid", detail: { cause: "unknown" } },
          { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: DIGEST },
        ],
      }));
    });
    const error = await failure(new RegistryClient().putManifest(repo, "v1", new TextEncoder().encode("{}"), "application/vnd.oci.image.manifest.v1+json"));
    expect(error.code).toBe("MANIFEST_INVALID");
    expect(error.message).toBe(
      `PUT http://${repo.host}/v2/prod/app/manifests/v1: 400 MANIFEST_INVALID: manifest PUT failed: manifest invalid; MANIFEST_BLOB_UNKNOWN: blob unknown to registry (${DIGEST})`,
    );
  });

  test("an endless error body is read only as far as an error body needs", async () => {
    let sent = 0;
    const repo = await serve((_request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      const chunk = "x".repeat(64 * 1024);
      stream(response, () => ((sent += chunk.length), sent > 1024 ** 3 ? undefined : chunk));
    });
    const error = await failure(new RegistryClient().putManifest(repo, "v1", new Uint8Array(), "application/vnd.oci.image.manifest.v1+json"));
    expect(error.message).toBe(`PUT http://${repo.host}/v2/prod/app/manifests/v1: 400: manifest PUT failed`);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("a small blob read into memory for its destinations", () => {
  test("a source serving it endlessly is cut off past the descriptor's size, in bounded memory; nothing reaches the destination", async () => {
    const source = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      const zeros = "\0".repeat(64 * 1024);
      stream(response, () => zeros);
    });
    const destination = await startRegistry();
    try {
      const target = { host: destination.host, path: "prod/app" };
      const blob = { mediaType: "application/octet-stream", digest: DIGEST, size: IN_MEMORY_UPLOAD_BYTES };
      const client = new RegistryClient({ retry: { maxAttempts: 1 } });
      const { result: results, beforeMiB, peakMiB } = await peakRssDuring(() => Promise.all(copyBlobToMany(client, source, [target], blob, 2).results));
      const error = (results[0] as { error: RegistryError }).error;
      expect(error).toBeInstanceOf(RegistryError);
      expect(error.code).toBe("DIGEST_MISMATCH");
      expect(error.message).toContain(`GET http://${source.host}/v2/prod/app/blobs/${DIGEST}: 200 DIGEST_MISMATCH: blob bytes hash to (incomplete)`);
      expect(peakMiB - beforeMiB).toBeLessThan(64);
      expect(await client.headBlob(target, DIGEST)).toBe("absent");
    } finally {
      await destination.dispose();
    }
  });
});
