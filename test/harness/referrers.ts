import { createHash } from "node:crypto";
import { MEDIA_TYPES } from "./media-types";
import type { WrittenManifest } from "./oci-layout";

/** One OCI 1.1 referrer to attach: an artifact manifest with one layer. */
export interface ReferrerSpec {
  /** The manifest's `artifactType` (also the layer's media type). */
  readonly artifactType: string;
  /** The layer's bytes (a bundle's JSON, an SBOM). */
  readonly payload: Buffer;
  /** Annotations of the manifest (copied into the fallback index entry, as cosign does). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A referrer as written: its manifest and the descriptor a referrers index lists it with. */
export interface WrittenReferrer extends WrittenManifest {
  readonly descriptor: Record<string, unknown>;
}

/** What {@link pushReferrers} pushed. */
export interface PushedReferrers {
  readonly referrers: readonly WrittenReferrer[];
  /** The `sha256-<hex>` fallback index listing them, as pushed. */
  readonly index: WrittenManifest;
}

const EMPTY = Buffer.from("{}");

/**
 * Attaches referrers to an image the way cosign 3 does on a registry without the referrers API (distribution
 * 2.8): each an artifact manifest whose `subject` is the image, listed in an OCI index tagged `sha256-<hex>`.
 * Pushed with plain distribution API calls from here (Debian's skopeo refuses artifact indexes when asked to
 * preserve digests), byte-for-byte; anonymous registries on loopback only.
 *
 * @param repository `HOST/REPO` of the image
 * @param subject the image's manifest (digest, media type, size)
 * @param specs the referrers, in index order
 * @returns the referrers and the index
 * @throws {Error} when the registry refuses a write
 */
export async function pushReferrers(
  repository: string,
  subject: Pick<WrittenManifest, "digest" | "mediaType" | "size">,
  specs: readonly ReferrerSpec[],
): Promise<PushedReferrers> {
  const config = await putBlob(repository, EMPTY);
  const referrers: WrittenReferrer[] = [];
  for (const spec of specs) {
    const layer = await putBlob(repository, spec.payload);
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.oci.manifest,
      artifactType: spec.artifactType,
      config: { mediaType: "application/vnd.oci.empty.v1+json", ...config },
      layers: [{ mediaType: spec.artifactType, ...layer }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    };
    const written = await putManifest(repository, MEDIA_TYPES.oci.manifest, Buffer.from(JSON.stringify(manifest)));
    const descriptor = {
      mediaType: written.mediaType, digest: written.digest, size: written.size, artifactType: spec.artifactType,
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    };
    referrers.push({ ...written, descriptor });
  }
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.oci.index,
    manifests: referrers.map((referrer) => referrer.descriptor),
  };
  const written = await putManifest(repository, MEDIA_TYPES.oci.index, Buffer.from(JSON.stringify(index)), subject.digest.replace(":", "-"));
  return { referrers, index: written };
}

/**
 * Uploads a blob to an anonymous loopback registry (`POST` then `PUT ?digest=`).
 *
 * @param repository `HOST/REPO`
 * @param bytes the blob
 * @returns its digest and size
 * @throws {Error} when the registry does not answer 202 then 201
 */
export async function putBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const { base, path } = loopbackRepository(repository);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const started = await fetch(`${base}/v2/${path}/blobs/uploads/`, { method: "POST" });
  if (started.status !== 202) throw new Error(`POST ${repository} blob upload: ${started.status}`);
  const location = new URL(started.headers.get("location")!, base);
  location.searchParams.set("digest", digest);
  const done = await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } });
  if (done.status !== 201) throw new Error(`PUT ${repository} blob ${digest}: ${done.status}`);
  return { digest, size: bytes.length };
}

/**
 * PUTs manifest bytes to an anonymous loopback registry, by digest or under a tag.
 *
 * @param repository `HOST/REPO`
 * @param mediaType the manifest's media type
 * @param bytes the exact manifest bytes
 * @param tag the tag, or by digest when absent
 * @returns the manifest as written
 * @throws {Error} when the registry does not answer 201
 */
export async function putManifest(repository: string, mediaType: string, bytes: Buffer, tag?: string): Promise<WrittenManifest> {
  const { base, path } = loopbackRepository(repository);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const response = await fetch(`${base}/v2/${path}/manifests/${tag ?? digest}`, { method: "PUT", body: bytes, headers: { "content-type": mediaType } });
  if (response.status !== 201) throw new Error(`PUT ${repository}:${tag ?? digest}: ${response.status} ${await response.text()}`);
  return { mediaType, digest, size: bytes.length, bytes };
}

/**
 * The base URL and path of a repository on a loopback registry.
 *
 * @param repository `HOST/REPO`
 * @returns `http://HOST` and `REPO`
 */
export function loopbackRepository(repository: string): { base: string; path: string } {
  const slash = repository.indexOf("/");
  return { base: `http://${repository.slice(0, slash)}`, path: repository.slice(slash + 1) };
}
