import type { PromotionEdge } from "./edges";
import type { Observations, Read } from "./observations";
import { planRound } from "./plan-rounds";

/**
 * The registry reads still needed before the plan can be decided. Call it, perform the reads (in parallel),
 * record the answers, and call it again until it returns nothing; each round depends on the previous one:
 *
 * 1. the tag list of every destination and source repository, once;
 * 2. HEADs of wanted tags present in a destination (unless the GCR/Artifact Registry extension already gave
 *    their digests), HEAD of the digest where no wanted tag is present (tagless promotions too), and HEADs of
 *    the source signature tags (`sha256-<hex>.sig`/`.att`) of promoted digests;
 * 3. HEAD of the digest where every present wanted tag turned out to point elsewhere, and the destination
 *    reads of signature edges;
 * 4. HEAD of the digest in the source, only for edges that need a copy.
 *
 * A rerun after a complete promotion therefore reads each repository's tag list and HEADs one tag per edge
 * (none with the extension), and writes nothing.
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
