/**
 * Builds small images directly with the client under test (config + 2 layers + manifest, and a 2-platform
 * index), so the integration tests need no image tooling besides the registry.
 */
import { RegistryClient } from "../../lib/registry/client";
import { sha256Digest } from "../../lib/registry/digest";
import { OCI_INDEX, OCI_MANIFEST } from "../../lib/registry/media-types";
import type { RepositoryRef } from "../../lib/registry/reference";

/** What {@link pushTestIndex} pushed. */
export interface PushedIndex {
  /** Digest of the OCI index. */
  readonly index: string;
  /** Digests of the two platform manifests. */
  readonly children: readonly string[];
  /** Digests of every blob (configs and layers). */
  readonly blobs: readonly string[];
}

/**
 * Uploads bytes as a blob with the client (POST, then streamed PUT).
 *
 * @returns the descriptor to put into a manifest
 */
export async function pushBlob(client: RegistryClient, repo: RepositoryRef, bytes: Uint8Array, mediaType: string): Promise<{ mediaType: string; digest: string; size: number }> {
  const digest = sha256Digest(bytes);
  const session = await client.startUpload(repo);
  await client.uploadBlob(repo, session, digest, bytes.byteLength, new Blob([bytes]).stream());
  return { mediaType, digest, size: bytes.byteLength };
}

/**
 * Pushes a 2-platform OCI index whose content depends on `seed`, by digest only.
 *
 * @returns the digests pushed
 */
export async function pushTestIndex(client: RegistryClient, repo: RepositoryRef, seed: string): Promise<PushedIndex> {
  const encode = (text: string) => new TextEncoder().encode(text);
  const children: Array<{ mediaType: string; digest: string; size: number; platform: { os: string; architecture: string } }> = [];
  const blobs: string[] = [];
  for (const architecture of ["amd64", "arm64"]) {
    const config = await pushBlob(client, repo, encode(JSON.stringify({ architecture, os: "linux", seed })), "application/vnd.oci.image.config.v1+json");
    const layers = [
      await pushBlob(client, repo, encode(`${seed} ${architecture} layer one`), "application/vnd.oci.image.layer.v1.tar"),
      await pushBlob(client, repo, encode(`${seed} ${architecture} layer two`.repeat(100)), "application/vnd.oci.image.layer.v1.tar"),
    ];
    blobs.push(config.digest, ...layers.map((l) => l.digest));
    // Two-space indentation on purpose: a client that re-serialised the JSON would change the digest.
    const manifest = encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }, null, 2));
    const digest = await client.putManifest(repo, sha256Digest(manifest), manifest, OCI_MANIFEST);
    children.push({ mediaType: OCI_MANIFEST, digest, size: manifest.byteLength, platform: { os: "linux", architecture } });
  }
  const index = encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }, null, 3));
  const digest = await client.putManifest(repo, sha256Digest(index), index, OCI_INDEX);
  return { index: digest, children: children.map((c) => c.digest), blobs };
}
