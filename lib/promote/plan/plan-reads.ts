import type { PromotionEdge } from "./edges";
import type { Observations, Read } from "./observations";
import { planRound } from "./plan-rounds";

/**
 * The registry reads still needed before the plan can be decided. Call it, perform the reads (in parallel),
 * record the answers, and call it again until it returns nothing; each round depends on the previous one:
 *
 * 1. the tag list of every source repository and of every destination on Google's registries (GCR, Artifact
 *    Registry), once (see `repositoriesToList`), and with them a HEAD of every wanted tag in the other
 *    destinations, which are read tag by tag;
 * 2. HEADs of the wanted tags a destination's list names (unless the GCR/Artifact Registry extension already
 *    gave their digests); HEAD of the digest where no wanted tag points to it (tagless promotions too); and
 *    HEADs of the source signature tags (`sha256-<hex>.sig`/`.att`) of promoted digests;
 * 3. HEAD of the digest where every wanted tag turned out absent or pointing elsewhere, and the destination
 *    reads of signature edges;
 * 4. HEAD of the digest in the source, only for edges that need a copy.
 *
 * A rerun after a complete promotion therefore reads, in one round, each staging repository's tag list and, per
 * destination repository, its tag list (Google's registries) or one HEAD per wanted tag (others), and writes
 * nothing (a second round only where staging holds signatures).
 *
 * @param edges the promotion edges (from buildEdges)
 * @param observations what has been read so far
 * @returns the reads to perform next, without duplicates, tag lists first, then by repository and reference
 * @example
 * const observations = emptyObservations();
 * for (let reads = readsNeeded(edges, observations); reads.length > 0; reads = readsNeeded(edges, observations)) {
 *   await Promise.all(reads.map((read) => perform(read, observations)));
 * }
 */
export function readsNeeded(edges: readonly PromotionEdge[], observations: Observations): Read[] {
  return [...planRound(edges, observations).reads];
}

/**
 * A stable text for a read, e.g. `head 127.0.0.1:5000/foo sha256:…`, for sorting, deduplicating and messages.
 *
 * @returns `tags <repository>`, `head <repository> <reference>` or `children <repository> <digest>`
 */
export function readKey(read: Read): string {
  return read.kind === "tags" ? `tags ${read.repository}` : `${read.kind} ${read.repository} ${read.reference}`;
}
