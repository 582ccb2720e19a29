/**
 * Pushes an OCI 1.1 artifact manifest built here (a sigstore bundle, a signature layer): its blobs from memory,
 * then the manifest by digest. Used for what the promoter itself signs; copied content goes through copy.ts.
 */
import type { ReferrerDescriptor, RegistryClient } from "./client";
import { sha256Digest } from "./digest";
import { OCI_MANIFEST } from "./media-types";
import type { RepositoryRef } from "./reference";

/** The OCI empty descriptor's content and media type (`{}`), the config of artifact manifests. */
export const EMPTY_CONFIG = { mediaType: "application/vnd.oci.empty.v1+json", bytes: new TextEncoder().encode("{}") } as const;

/** A blob to push, with the descriptor fields the manifest gives it. */
export interface ArtifactBlob {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Uploads a small blob unless the repository has it.
 *
 * @param client the registry client
 * @param repo the repository
 * @param bytes the blob
 * @returns its descriptor fields (digest, size)
 * @throws RegistryError when the upload fails
 */
export async function pushBlob(client: RegistryClient, repo: RepositoryRef, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256Digest(bytes);
  if ((await client.headBlob(repo, digest)) === "absent") {
    const session = await client.startUpload(repo);
    await client.uploadBlob(repo, session, digest, bytes.byteLength, new Blob([Buffer.from(bytes)]).stream());
  }
  return { digest, size: bytes.byteLength };
}

/**
 * Serializes an OCI image manifest for an artifact (compact JSON, fields in a fixed order, so the same content
 * always has the same digest).
 *
 * @param parts the artifact type, config and layer descriptors, the subject, annotations
 * @returns the manifest bytes
 */
export function artifactManifest(parts: {
  readonly artifactType?: string;
  readonly config: ReferrerDescriptor;
  readonly layers: readonly ReferrerDescriptor[];
  readonly subject?: ReferrerDescriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}): Uint8Array {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(parts.artifactType !== undefined ? { artifactType: parts.artifactType } : {}),
    config: parts.config,
    layers: parts.layers,
    ...(parts.subject !== undefined ? { subject: parts.subject } : {}),
    ...(parts.annotations !== undefined ? { annotations: parts.annotations } : {}),
  };
  return Buffer.from(JSON.stringify(manifest));
}

/**
 * Pushes blobs, then the manifest holding them, by digest (no tag).
 *
 * @param client the registry client
 * @param repo the repository
 * @param build makes the manifest bytes from the pushed config and layer descriptors
 * @param config the config blob (default: the empty descriptor)
 * @param layers the layer blobs
 * @returns the manifest's descriptor (media type, digest, size)
 * @throws RegistryError when a push fails
 */
export async function pushManifestWithBlobs(
  client: RegistryClient,
  repo: RepositoryRef,
  layers: readonly ArtifactBlob[],
  build: (config: ReferrerDescriptor, layers: readonly ReferrerDescriptor[]) => Uint8Array,
  config: ArtifactBlob = EMPTY_CONFIG,
): Promise<ReferrerDescriptor> {
  const configDescriptor = { mediaType: config.mediaType, ...(await pushBlob(client, repo, config.bytes)) };
  const layerDescriptors: ReferrerDescriptor[] = [];
  for (const layer of layers) {
    const pushed = await pushBlob(client, repo, layer.bytes);
    layerDescriptors.push({ mediaType: layer.mediaType, ...pushed, ...(layer.annotations ? { annotations: layer.annotations } : {}) });
  }
  const bytes = build(configDescriptor, layerDescriptors);
  const digest = sha256Digest(bytes);
  await client.putManifest(repo, digest, bytes, OCI_MANIFEST);
  return { mediaType: OCI_MANIFEST, digest, size: bytes.byteLength };
}
