/**
 * The client and copy against real docker-registry processes on 127.0.0.1, checked with skopeo as an
 * independent reader.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyImage, tagImage, type CopyEvent } from "../../lib/registry/copy";
import { RegistryClient } from "../../lib/registry/client";
import { sha256Digest } from "../../lib/registry/digest";
import { RegistryError } from "../../lib/registry/errors";
import type { RepositoryRef } from "../../lib/registry/reference";
import { writeIndex } from "../harness/oci-layout";
import { startRegistry, type HarnessRegistry } from "../harness/registry";
import { seedLayout } from "../harness/skopeo";
import { runCommand } from "../harness/run-command";
import { pushBlob, pushTestIndex, type PushedIndex } from "./test-images";

let first: HarnessRegistry;
let second: HarnessRegistry;
let pushed: PushedIndex;
const client = new RegistryClient({ timeoutMs: 20_000 });
const repo = (host: string, path: string): RepositoryRef => ({ host, path });

/** sha256 of what skopeo reads for repo@reference: equals the digest only if the bytes are identical. */
async function skopeoDigest(ref: RepositoryRef, reference: string): Promise<string> {
  const separator = reference.startsWith("sha256:") ? "@" : ":";
  const { stdout } = await runCommand("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref.host}/${ref.path}${separator}${reference}`]);
  return `sha256:${createHash("sha256").update(stdout).digest("hex")}`;
}

beforeAll(async () => {
  [first, second] = await Promise.all([startRegistry(), startRegistry()]);
  pushed = await pushTestIndex(client, repo(first.host, "staging/app"), "integration");
});

afterAll(async () => {
  await Promise.all([first?.dispose(), second?.dispose()]);
});

test("an index pushed by the client reads back byte-identical through skopeo", async () => {
  const source = repo(first.host, "staging/app");
  expect(await skopeoDigest(source, pushed.index)).toBe(pushed.index);
  for (const child of pushed.children) expect(await skopeoDigest(source, child)).toBe(child);
});

test("copy to another repository on the same host mounts every blob", async () => {
  const events: CopyEvent[] = [];
  const destination = repo(first.host, "prod/app");
  const result = await copyImage(client, repo(first.host, "staging/app"), destination, pushed.index, { onEvent: (e) => events.push(e) });
  const { manifest: copied, ...counts } = result;
  expect(counts).toEqual({ manifestsWritten: 3, manifestsPresent: 0, blobsUploaded: 0, blobsMounted: 6, blobsPresent: 0, bytesUploaded: 0 });
  expect(copied?.digest).toBe(pushed.index);
  expect(events.at(-1)).toEqual({ kind: "manifest", digest: pushed.index, outcome: "written" });
  expect(await skopeoDigest(destination, pushed.index)).toBe(pushed.index);
});

test("copy to a second registry streams every blob, then a tag resolves to the same digest", async () => {
  const destination = repo(second.host, "mirror/nested/app");
  const result = await copyImage(client, repo(first.host, "staging/app"), destination, pushed.index);
  expect(result.blobsUploaded).toBe(6);
  expect(result.manifestsWritten).toBe(3);
  await tagImage(client, destination, pushed.index, "v1.10");
  expect(await skopeoDigest(destination, pushed.index)).toBe(pushed.index);
  expect(await skopeoDigest(destination, "v1.10")).toBe(pushed.index);
  for (const child of pushed.children) expect(await skopeoDigest(destination, child)).toBe(child);
  expect(await client.listTags(destination)).toEqual({ tags: ["v1.10"], manifests: undefined });
});

test("a layer every platform of an index shares is uploaded once per destination, not once per platform", async () => {
  const layout = await mkdtemp(join(tmpdir(), "shared-layer-"));
  const index = await writeIndex(layout, "shared", {
    seed: "shared-layer",
    platforms: ["linux/amd64", "linux/arm64", "linux/s390x"],
    layers: [{ size: 4096, seed: "shared-base" }, { size: 1024 }],
  });
  await seedLayout(layout, "shared", `${first.host}/staging/shared:seed`);
  const uploads: string[] = [];

  const result = await copyImage(client, repo(first.host, "staging/shared"), repo(second.host, "mirror/shared"), index.digest, {
    onEvent: (event) => void (event.kind === "blob" && event.outcome === "uploaded" && uploads.push(event.digest)),
  });

  // 3 configs + 3 own layers + the shared one; every blob once.
  expect(uploads).toHaveLength(7);
  expect(new Set(uploads).size).toBe(7);
  expect(result.blobsUploaded).toBe(7);
  expect(await skopeoDigest(repo(second.host, "mirror/shared"), index.digest)).toBe(index.digest);
  await rm(layout, { recursive: true, force: true });
});

test("a second copy writes nothing", async () => {
  const result = await copyImage(client, repo(first.host, "staging/app"), repo(second.host, "mirror/nested/app"), pushed.index);
  expect(result).toEqual({ manifestsWritten: 0, manifestsPresent: 1, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 0, bytesUploaded: 0 });
});

test("a blob above the chunk threshold is uploaded in PATCH chunks and reads back intact", async () => {
  const chunked = new RegistryClient({ chunkThresholdBytes: 1000, chunkSizeBytes: 300 });
  const target = repo(first.host, "chunked/app");
  const bytes = randomBytes(2500);
  const { digest } = await pushBlob(chunked, target, bytes, "application/octet-stream");
  expect(await client.headBlob(target, digest)).toEqual({ size: 2500 });
  const { stream } = await client.getBlob(target, digest, 2500);
  expect(Buffer.from(await new Response(stream).arrayBuffer()).equals(bytes)).toBe(true);
});

test("head of an absent manifest is absent and tags of a missing repository are empty", async () => {
  const target = repo(first.host, "staging/app");
  expect(await client.headManifest(target, sha256Digest(new Uint8Array([1])))).toBe("absent");
  expect(await client.headBlob(target, sha256Digest(new Uint8Array([1])))).toBe("absent");
  expect(await client.listTags(repo(first.host, "never/pushed"))).toEqual({ tags: [], manifests: undefined });
  await expect(client.getManifest(target, "no-such-tag")).rejects.toThrow(
    `GET http://${first.host}/v2/staging/app/manifests/no-such-tag: 404 MANIFEST_UNKNOWN: manifest GET failed: manifest unknown`,
  );
});

test("uploading bytes that do not match the digest is refused by the registry", async () => {
  const target = repo(first.host, "staging/app");
  const session = await client.startUpload(target);
  const error = await client.uploadBlob(target, session, sha256Digest(new Uint8Array([9])), 3, new Blob([new Uint8Array([1, 2, 3])]).stream()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).code).toBe("DIGEST_INVALID");
  expect((error as RegistryError).status).toBe(400);
});

test("a manifest PUT naming blobs the registry lacks: the error names every missing blob the registry reported", async () => {
  const config = `sha256:${"c".repeat(64)}`;
  const layer = `sha256:${"d".repeat(64)}`;
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer, size: 3 }],
  }));
  const error = await client.putManifest(repo(second.host, "missing/blobs"), "v1", manifest, "application/vnd.oci.image.manifest.v1+json").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).message).toMatch(/^PUT http:\/\/127\.0\.0\.1:\d+\/v2\/missing\/blobs\/manifests\/v1: 400 MANIFEST_BLOB_UNKNOWN: manifest PUT failed: /);
  // distribution answers with one entry per missing blob; the first alone would hide the others.
  expect((error as RegistryError).message).toContain(config);
  expect((error as RegistryError).message).toContain(layer);
});
