import { recordHead, recordTagList, type Observations, type Read } from "../../lib/promote/plan/observations";

/** What one synthetic repository holds. */
export interface RepositoryContent {
  /** Tag → the digest it points to. */
  readonly tags: Map<string, string>;
  /** Every manifest digest held, tagged or not. */
  readonly digests: Set<string>;
}

/** A synthetic registry inventory: repository (`host/path`) → content; an absent key is an empty repository. */
export type Inventory = Map<string, RepositoryContent>;

/**
 * Plays the registries: answers one read the planner asked for from the inventory and records the answer,
 * as the network layer would.
 *
 * @param observations changed in place
 * @param inventory what the registries hold
 * @param read the read to answer
 * @param extension answer tag lists with the GCR/Artifact Registry digest → tags extension
 * @throws Error when the observations reject the answer (see recordTagList / recordHead)
 * @example
 * for (const read of readsNeeded(edges, observations)) answerRead(observations, inventory, read, true);
 */
export function answerRead(observations: Observations, inventory: Inventory, read: Read, extension: boolean): void {
  const content = inventory.get(read.repository);
  if (read.kind === "tags") {
    const tags = content ? [...content.tags.keys()] : [];
    recordTagList(observations, read.repository, tags, extension ? digestTagsOf(content) : undefined);
  } else if (read.reference.startsWith("sha256:")) {
    recordHead(observations, read, content?.digests.has(read.reference) ? read.reference : undefined);
  } else {
    recordHead(observations, read, content?.tags.get(read.reference));
  }
}

function digestTagsOf(content: RepositoryContent | undefined): Map<string, string[]> {
  const digestTags = new Map<string, string[]>();
  if (!content) return digestTags;
  for (const digest of content.digests) digestTags.set(digest, []);
  for (const [tag, digest] of content.tags) digestTags.get(digest)!.push(tag);
  return digestTags;
}
