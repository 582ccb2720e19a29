import type { RegistryClient } from "../../registry/client";
import { RegistryError } from "../../registry/errors";
import { manifestContents } from "../../registry/manifest-contents";
import type { RepositoryRef } from "../../registry/reference";
import { findReferrers } from "../../registry/referrers";
import { bundleFromLegacy } from "../../sigstore/cosign-legacy";
import { COSIGN_SIMPLE_SIGNING, SIGSTORE_BUNDLE } from "../../sigstore/media-types";
import type { Evidence } from "../../sigstore/verify-evidence";

/** Evidence that could not even be read into a bundle, and why (reported like a failed verification). */
export interface UnreadableEvidence {
  readonly where: string;
  readonly reason: string;
}

/** Options of {@link findEvidence}. */
export interface FindEvidenceOptions {
  /** The repository's tag list, when read: saves reads of a `.sig` tag or fallback index that is not there. */
  readonly tags?: ReadonlySet<string>;
  /** Per-host referrers API support, shared across calls. */
  readonly support?: Map<string, Promise<boolean>>;
}

/**
 * Collects the signatures and attestations of an image in a repository, in both of cosign's forms: every layer
 * of its cosign 2 `sha256-<hex>.sig` manifest (converted to a bundle), and every sigstore bundle attached as an
 * OCI 1.1 referrer (cosign 3), found through the referrers API or the fallback index.
 *
 * @param client the registry client
 * @param repo the repository holding the image
 * @param digest the image digest
 * @param options the known tag list and referrers API support
 * @returns the evidence, and what was found but could not be read
 * @throws RegistryError when the registry cannot be read
 */
export async function findEvidence(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
  options: FindEvidenceOptions = {},
): Promise<{ evidence: Evidence[]; unreadable: UnreadableEvidence[] }> {
  const evidence: Evidence[] = [];
  const unreadable: UnreadableEvidence[] = [];
  const tag = `${digest.replace(":", "-")}.sig`;
  if (options.tags?.has(tag) ?? true) {
    const signature = await client.getManifest(repo, tag).catch((error: unknown) => {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    });
    const contents = signature && manifestContents(signature.bytes, signature.mediaType);
    if (contents?.kind === "image") {
      for (const [index, layer] of contents.layers.entries()) {
        if (layer.mediaType !== COSIGN_SIMPLE_SIGNING) continue;
        const where = `${tag} layer ${index + 1}`;
        const payload = await readBlob(client, repo, layer.digest, layer.size);
        try {
          evidence.push({ where, bundle: bundleFromLegacy(payload, annotationsOf(signature!.bytes, index)), artifact: payload });
        } catch (error) {
          unreadable.push({ where, reason: (error as Error).message });
        }
      }
    }
  }
  const referrers = await findReferrers(client, repo, digest, {
    support: options.support,
    ...(options.tags ? { fallbackTagListed: options.tags.has(digest.replace(":", "-")) } : {}),
  });
  for (const descriptor of referrers.descriptors) {
    if (descriptor.artifactType !== SIGSTORE_BUNDLE) continue;
    const where = `referrer ${descriptor.digest}`;
    try {
      const raw = await client.getManifest(repo, descriptor.digest);
      const contents = manifestContents(raw.bytes, raw.mediaType);
      const layer = contents.kind === "image" ? contents.layers[0] : undefined;
      if (layer === undefined) throw new Error("no bundle layer");
      evidence.push({ where, bundle: JSON.parse(Buffer.from(await readBlob(client, repo, layer.digest, layer.size)).toString("utf8")) });
    } catch (error) {
      unreadable.push({ where, reason: (error as Error).message });
    }
  }
  return { evidence, unreadable };
}

/**
 * Reads a small blob whole (a signature payload, a bundle), verified against its digest.
 *
 * @param client the registry client
 * @param repo the repository
 * @param digest the blob digest
 * @param size its size
 * @returns the bytes
 * @throws RegistryError when it cannot be read or does not match its digest
 */
export async function readBlob(client: RegistryClient, repo: RepositoryRef, digest: string, size: number): Promise<Uint8Array> {
  const { stream } = await client.getBlob(repo, digest, size);
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function annotationsOf(manifestBytes: Uint8Array, layer: number): Record<string, string> {
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as { layers: Array<{ annotations?: Record<string, string> }> };
  return manifest.layers[layer]?.annotations ?? {};
}
