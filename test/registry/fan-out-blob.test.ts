/**
 * copyImageToMany and copyBlobToMany against real docker-registry processes on 127.0.0.1: each source blob is
 * read once for all destinations, and a failing destination is reported alone.
 */
import { RegistryClient } from "../../lib/registry/client";
import { copyImageToMany, type DestinationResult } from "../../lib/registry/copy";
import { copyBlobToMany } from "../../lib/registry/fan-out-blob";
import type { RequestEvent } from "../../lib/registry/transport";
import type { RepositoryRef } from "../../lib/registry/reference";
import { startRegistry, type HarnessRegistry } from "../harness/registry";
import { pushTestIndex, type PushedIndex } from "./test-images";
import { findFreePort } from "../harness/free-port";

let staging: HarnessRegistry;
let east: HarnessRegistry;
let west: HarnessRegistry;
let pushed: PushedIndex;
/** Sum of the sizes of every blob of the pushed index. */
let blobBytes: number;
const requests: RequestEvent[] = [];
const client = new RegistryClient({ timeoutMs: 20_000, sleep: async () => undefined, observer: (event) => requests.push(event) });
const repo = (host: string, path: string): RepositoryRef => ({ host, path });

const counts = (outcome: DestinationResult) => {
  if (!outcome.ok) throw outcome.error;
  const { manifest: _manifest, ...rest } = outcome.result;
  return rest;
};

beforeAll(async () => {
  [staging, east, west] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  pushed = await pushTestIndex(client, repo(staging.host, "staging/app"), "fan-out");
  const sizes = await Promise.all(pushed.blobs.map((digest) => client.headBlob(repo(staging.host, "staging/app"), digest)));
  blobBytes = sizes.reduce((sum, head) => sum + (head === "absent" ? Number.NaN : head.size), 0);
});

afterAll(async () => {
  await Promise.all([staging?.dispose(), east?.dispose(), west?.dispose()]);
});

beforeEach(() => {
  requests.length = 0;
});

test("copying to two registries and the staging host reads every source blob once, and mounts on the staging host", async () => {
  const source = repo(staging.host, "staging/app");
  const destinations = [repo(east.host, "prod/app"), repo(west.host, "prod/app"), repo(staging.host, "prod/app")];
  const outcomes = await copyImageToMany(client, source, destinations, pushed.index);

  const uploaded = { manifestsWritten: 3, manifestsPresent: 0, blobsUploaded: 6, blobsMounted: 0, blobsPresent: 0 };
  expect(counts(outcomes[0]!)).toEqual({ ...uploaded, bytesUploaded: blobBytes });
  expect(counts(outcomes[1]!)).toEqual(counts(outcomes[0]!));
  expect(counts(outcomes[2]!)).toEqual({ manifestsWritten: 3, manifestsPresent: 0, blobsUploaded: 0, blobsMounted: 6, blobsPresent: 0, bytesUploaded: 0 });
  for (const outcome of outcomes) expect(outcome.ok && outcome.result.manifest?.digest).toBe(pushed.index);

  const blobGets = requests.filter((event) => event.method === "GET" && event.url.includes("/blobs/")).map((event) => event.url).sort();
  expect(blobGets).toEqual(pushed.blobs.map((digest) => `http://${source.host}/v2/${source.path}/blobs/${digest}`).sort());
  for (const destination of destinations) expect(await client.headManifest(destination, pushed.index)).toMatchObject({ digest: pushed.index });
});

test("a destination host that is down fails alone; the other still gets the whole image", async () => {
  const down = repo(`127.0.0.1:${await findFreePort()}`, "prod/app");
  const outcomes = await copyImageToMany(client, repo(staging.host, "staging/app"), [down, repo(east.host, "other/app")], pushed.index);

  expect(outcomes[0]!.ok).toBe(false);
  expect((outcomes[0] as { error: Error }).error.message).toMatch(new RegExp(`^HEAD http://${down.host}/v2/prod/app/manifests/${pushed.index}: NETWORK: `));
  expect(counts(outcomes[1]!)).toEqual({ manifestsWritten: 3, manifestsPresent: 0, blobsUploaded: 6, blobsMounted: 0, blobsPresent: 0, bytesUploaded: blobBytes });
});

test("an image already in a destination is only HEADed there", async () => {
  const outcomes = await copyImageToMany(client, repo(staging.host, "staging/app"), [repo(east.host, "prod/app")], pushed.index);
  expect(counts(outcomes[0]!)).toEqual({ manifestsWritten: 0, manifestsPresent: 1, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 0, bytesUploaded: 0 });
  expect(outcomes[0]!.ok && outcomes[0]!.result.manifest).toBeUndefined();
  expect(requests.map((event) => event.method)).toEqual(["HEAD"]);
});

describe("copyBlobToMany", () => {
  test("a blob missing from the source fails every destination that needs it, not the one that has it", async () => {
    const missing = { mediaType: "application/octet-stream", digest: `sha256:${"0".repeat(64)}`, size: 4 };
    const has = pushed.blobs[0]!;
    const results = await Promise.all(copyBlobToMany(client, repo(staging.host, "staging/app"), [repo(east.host, "x/app"), repo(west.host, "y/app")], missing, 1).results);
    const message = `GET http://${staging.host}/v2/staging/app/blobs/${missing.digest}: 404 BLOB_UNKNOWN: blob GET failed: blob unknown to registry (${missing.digest})`;
    expect(results.map((result) => (result as { error: Error }).error.message)).toEqual([message, message]);
    const present = await Promise.all(copyBlobToMany(client, repo(staging.host, "staging/app"), [repo(east.host, "prod/app")], { mediaType: "x", digest: has, size: 0 }, 1).results);
    expect(present).toEqual([{ outcome: "present" }]);
  });

  test("a foreign layer is left to its URLs without any request", async () => {
    const foreign = { mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", digest: `sha256:${"1".repeat(64)}`, size: 9, urls: ["https://example.invalid/l"] };
    const results = await Promise.all(copyBlobToMany(client, repo(staging.host, "staging/app"), [repo(east.host, "a"), repo(west.host, "b")], foreign, 3).results);
    expect(results).toEqual([{ outcome: "foreign" }, { outcome: "foreign" }]);
    expect(requests).toEqual([]);
  });
});
