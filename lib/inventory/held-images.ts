import { isIndexMediaType } from "../registry/media-types";
import type { ManifestLinks } from "./manifest-links";
import type { RepositoryInventory } from "./read-inventory";
import { signatureSubject } from "./signature-tags";

/**
 * The images a repository holds as an `images.yaml` would list them: every tagged digest with its tags, and,
 * where the registry lists untagged manifests too, every untagged one that is an image in its own right. Left
 * out: cosign signature and attestation tags (`sha256-<hex>.sig`/`.att`, which travel with their image) and the
 * digests only they point to; untagged children of an index (the platform images of a multi-arch image); untagged
 * manifests attached to another by `subject` (signatures, attestations, SBOMs stored as OCI referrers).
 *
 * Telling children and referrers apart needs the manifests of the repository's indexes and of its untagged
 * manifests, read through `links` (once per digest).
 *
 * @param inventory what the repository holds
 * @param links the shared manifest reader
 * @param images digests known to be images already (e.g. wanted by a manifest): kept untagged without being read
 * @returns digest → tags (sorted as the registry listed them; `[]` for an untagged image)
 * @throws RegistryError when a manifest that must be read cannot be
 * @example await heldImages(await readInventory(client, repository, limit), links) // → Map { "sha256:…" => ["v1"] }
 */
export async function heldImages(
  inventory: RepositoryInventory,
  links: ManifestLinks,
  images: ReadonlySet<string> = new Set(),
): Promise<Map<string, string[]>> {
  const held = new Map<string, string[]>();
  const tagged = new Set<string>();
  for (const [tag, digest] of inventory.tags) {
    tagged.add(digest);
    if (signatureSubject(tag) !== undefined) continue;
    const tags = held.get(digest);
    if (tags) tags.push(tag);
    else held.set(digest, [tag]);
  }
  const untagged = [...inventory.manifests.keys()].filter((digest) => !tagged.has(digest));
  for (const digest of untagged.filter((digest) => images.has(digest))) held.set(digest, []);
  const unknown = untagged.filter((digest) => !images.has(digest));
  if (unknown.length === 0) return held;
  const indexes = [...inventory.manifests].filter(([, mediaType]) => mediaType === "" || isIndexMediaType(mediaType)).map(([digest]) => digest);
  const children = new Set((await Promise.all(indexes.map((digest) => links.of(inventory.repository, digest)))).flatMap((link) => link.children));
  const candidates = unknown.filter((digest) => !children.has(digest));
  const attached = await Promise.all(candidates.map(async (digest) => (await links.of(inventory.repository, digest)).subject !== undefined));
  candidates.forEach((digest, index) => {
    if (!attached[index]) held.set(digest, []);
  });
  return held;
}
