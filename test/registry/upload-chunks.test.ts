import { RegistryClient } from "../../lib/registry/client";
import { sha256Digest } from "../../lib/registry/digest";
import type { RepositoryRef } from "../../lib/registry/reference";
import { chunksOf, sliceStream } from "../../lib/registry/upload-helpers";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const streamOf = (...pieces: string[]) => new ReadableStream<Uint8Array>({
  start(controller) {
    for (const piece of pieces) controller.enqueue(encode(piece));
    controller.close();
  },
});

describe("chunksOf", () => {
  test("every chunk is a view of one reused buffer of the chunk size", async () => {
    const buffers = new Set<ArrayBufferLike>();
    const chunks: string[] = [];
    for await (const chunk of chunksOf(streamOf("abcdefghij", "k", "lmnopq"), 4)) {
      buffers.add(chunk.buffer);
      chunks.push(decode(chunk));
    }
    expect(chunks).toEqual(["abcd", "efgh", "ijkl", "mnop", "q"]);
    expect([...buffers].map((buffer) => buffer.byteLength)).toEqual([4]);
  });

  test("an empty stream yields nothing", async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of chunksOf(streamOf(), 4)) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });

  test.each([0, -1, 1.5, Number.NaN])("a chunk size of %s is refused", async (size) => {
    await expect(chunksOf(streamOf("abc"), size).next()).rejects.toThrow(new RangeError(`chunk size must be a positive integer, got ${size}`));
  });
});

describe("sliceStream", () => {
  test("yields consecutive views of the bytes, none larger than the slice", async () => {
    const bytes = encode("abcdefg");
    const slices: Uint8Array[] = [];
    for await (const slice of sliceStream(bytes, 3)) slices.push(slice);
    expect(slices.map(decode)).toEqual(["abc", "def", "g"]);
    expect(slices.every((slice) => slice.buffer === bytes.buffer)).toBe(true);
  });

  test.each([0, 2.5])("a slice size of %s is refused", (size) => {
    expect(() => sliceStream(encode("a"), size)).toThrow(new RangeError(`slice size must be a positive integer, got ${size}`));
  });
});

describe("chunked blob upload", () => {
  const blob = encode("0123456789");
  const digest = sha256Digest(blob);
  let origin: ScriptedOrigin;
  let repo: RepositoryRef;
  beforeEach(async () => {
    origin = await startScriptedOrigin();
    repo = { host: origin.host, path: "prod/app" };
  });
  afterEach(async () => {
    await origin.close();
    expect(origin.unmatched).toEqual([]);
  });

  test("sends PATCH chunks with their ranges, resends a refused chunk's bytes, then completes with PUT", async () => {
    const patches: string[] = [];
    const patch = (from: string, to: string, range: string) =>
      origin.intercept({ path: `/v2/prod/app/blobs/uploads/${from}`, method: "PATCH" }).reply(202, (request) => {
        patches.push(`${request.headers["content-range"]} ${request.body.toString()}`);
        return "";
      }, { headers: { location: `/v2/prod/app/blobs/uploads/${to}`, range } });
    patch("u0", "u1", "0-3");
    origin.intercept({ path: "/v2/prod/app/blobs/uploads/u1", method: "PATCH" }).reply(503, "");
    patch("u1", "u2", "0-7");
    patch("u2", "u3", "0-9");
    origin.intercept({ path: `/v2/prod/app/blobs/uploads/u3?digest=${encodeURIComponent(digest)}`, method: "PUT" })
      .reply(201, "", { headers: { "docker-content-digest": digest } });
    const client = new RegistryClient({ sleep: async () => {}, chunkThresholdBytes: 4, chunkSizeBytes: 4 });
    await client.uploadBlob(repo, { location: `${origin.url}/v2/prod/app/blobs/uploads/u0` }, digest, blob.length, streamOf("01234", "56789"));
    expect(patches).toEqual(["0-3 0123", "4-7 4567", "8-9 89"]);
  });

  test("a registry that acknowledges fewer bytes than were sent fails the upload", async () => {
    origin.intercept({ path: "/v2/prod/app/blobs/uploads/u0", method: "PATCH" })
      .reply(202, "", { headers: { location: "/v2/prod/app/blobs/uploads/u1", range: "0-1" } });
    const client = new RegistryClient({ sleep: async () => {}, chunkThresholdBytes: 4, chunkSizeBytes: 4 });
    const upload = client.uploadBlob(repo, { location: `${origin.url}/v2/prod/app/blobs/uploads/u0` }, digest, blob.length, streamOf("0123456789"));
    await expect(upload).rejects.toThrow(`PATCH ${origin.url}/v2/prod/app/blobs/uploads/u0: 202 BLOB_UPLOAD_INVALID: registry acknowledged 2 bytes, 4 were sent`);
  });
});
