import type { RegistryClient, TagList } from "../registry/client";
import type { Limiter } from "../registry/limit";
import { parseRepository } from "../registry/reference";

/** What one repository holds, as far as its registry tells. */
export interface RepositoryInventory {
  /** `host/path`. */
  readonly repository: string;
  /** Every tag → the digest it points to. */
  readonly tags: ReadonlyMap<string, string>;
  /**
   * Every manifest known → its media type (`""` when the registry did not say). Tagged manifests always;
   * untagged ones only when {@link RepositoryInventory.complete}.
   */
  readonly manifests: ReadonlyMap<string, string>;
  /**
   * True when the registry listed every manifest, tagged or not (the GCR/Artifact Registry tag-list
   * extension); a plain registry shows only what tags point to.
   */
  readonly complete: boolean;
}

/**
 * Reads what a repository holds: its tag list and, unless the registry's tag list already maps digests to tags
 * (GCR/Artifact Registry), one manifest HEAD per tag. A tag deleted between the list and its HEAD is left out.
 *
 * @param client the registry client
 * @param repository `host/path`
 * @param limit bounds the HEADs in flight
 * @param tagList the tag list when already read (while walking a Google registry)
 * @returns the inventory
 * @throws RegistryError when the tag list or a HEAD fails
 * @example const { tags } = await readInventory(client, "127.0.0.1:5000/prod/app", createLimiter(16));
 */
export async function readInventory(client: RegistryClient, repository: string, limit: Limiter, tagList?: TagList): Promise<RepositoryInventory> {
  const ref = parseRepository(repository);
  const list = tagList ?? (await limit(() => client.listTags(ref)));
  const tags = new Map<string, string>();
  const manifests = new Map<string, string>();
  if (list.manifests !== undefined) {
    for (const [digest, info] of list.manifests) {
      manifests.set(digest, info.mediaType ?? "");
      for (const tag of info.tags) tags.set(tag, digest);
    }
    return { repository, tags, manifests, complete: true };
  }
  const heads = await Promise.all(list.tags.map((tag) => limit(() => client.headManifest(ref, tag))));
  list.tags.forEach((tag, index) => {
    const head = heads[index]!;
    if (head === "absent") return;
    tags.set(tag, head.digest);
    manifests.set(head.digest, head.mediaType);
  });
  return { repository, tags, manifests, complete: false };
}
