import { compareText, type PromotionEdge } from "./edges";
import { digestState, type Observations, type Read } from "./observations";

/** A wanted tag that already points to another digest in the destination: tags are never moved. */
export interface RefusedTag {
  readonly tag: string;
  /** The digest the destination tag points to now. */
  readonly current: string;
  /** Why, when it is not the plain rule that tags are never moved (e.g. a signature tag that would lose signatures). */
  readonly reason?: string;
}

/** What will be done for one (destination repository, digest). */
export interface EdgeDecision {
  readonly edge: PromotionEdge;
  /**
   * `copy`: the digest is absent, copy it from {@link EdgeDecision.source}, then add the tags;
   * `tag`: the digest is there, add the missing tags; `skip`: nothing to write;
   * `fail`: the digest is absent here and in every source (see {@link EdgeDecision.error}).
   */
  readonly action: "copy" | "tag" | "skip" | "fail";
  /** The source repository to copy from (only for `copy`). */
  readonly source?: string;
  /** Tags to write after the manifest is in place, sorted (none for `fail`). */
  readonly addTags: readonly string[];
  /** Wanted tags already pointing at this digest, sorted. */
  readonly presentTags: readonly string[];
  /** Wanted tags refused because they point elsewhere, sorted by tag. */
  readonly refusedTags: readonly RefusedTag[];
  /** Signature tags moved to this digest, from the digest they pointed to (it held a subset of its signatures). */
  readonly movedTags?: readonly RefusedTag[];
  /** Why the edge failed (only for `fail`). */
  readonly error?: string;
  /** For `fail`: the registry host that could not be reached, when that is why (so reports can say it once per host). */
  readonly unreachableHost?: string;
}

/** Either the reads still needed to decide an edge, or the decision. */
export type Assessment = { readonly needs: readonly Read[] } | { readonly decision: EdgeDecision };

/**
 * Decides one edge from the observations, or says which reads are still missing. The destination is read
 * first; the source is asked about the digest only when a copy is needed, because a staging registry may
 * rightly have dropped an image long since promoted.
 *
 * A refused tag affects that tag only: the digest is still copied and its other tags still written.
 *
 * A listed destination settles every tag its list does not name (absent); one read tag by tag (never listed)
 * needs a HEAD of each wanted tag. A source is read only once listed (its list is asked for first).
 *
 * @param edge the edge to decide
 * @param observations what has been read so far
 * @returns the reads needed next, or the decision
 */
export function assessEdge(edge: PromotionEdge, observations: Observations): Assessment {
  const destination = observations.get(edge.destination);
  const listed = destination?.listed === true;

  // One pass over the tags, allocating only what is not empty: most edges at scale are settled and skipped.
  const known = destination?.tags ?? NO_TAGS;
  let unknown: Read[] | undefined;
  let present = 0;
  let refused: RefusedTag[] | undefined;
  let add: string[] | undefined;
  for (const tag of edge.tags) {
    const current = known.get(tag);
    if (current === edge.digest) present++;
    else if (current !== undefined) (refused ??= []).push({ tag, current });
    else if (known.has(tag) || !(listed || destination?.absentTags.has(tag) === true)) {
      (unknown ??= []).push({ kind: "head", repository: edge.destination, reference: tag });
    } else (add ??= []).push(tag);
  }
  if (unknown) return { needs: unknown };
  const presentTags =
    present === edge.tags.length ? edge.tags : present === 0 ? NONE : edge.tags.filter((tag) => known.get(tag) === edge.digest);
  const refusedTags = refused ?? NO_REFUSALS;
  const addTags = add ?? NONE;

  const here = present > 0 ? "present" : digestState(observations, edge.destination, edge.digest);
  if (here === "unknown") return { needs: digestReads(edge, observations) };
  if (here === "present") {
    return { decision: { edge, action: addTags.length > 0 ? "tag" : "skip", addTags, presentTags, refusedTags } };
  }

  const sources = sourcesOf(edge);
  for (const source of sources) {
    if (!observations.get(source)?.listed) return { needs: [{ kind: "tags", repository: source }] };
    const state = digestState(observations, source, edge.digest);
    if (state === "present") return { decision: { edge, action: "copy", source, addTags, presentTags, refusedTags } };
    if (state === "unknown") return { needs: [{ kind: "head", repository: source, reference: edge.digest }] };
  }
  return {
    decision: {
      edge,
      action: "fail",
      addTags: NONE,
      presentTags,
      refusedTags,
      error: `${edge.digest} not found in ${sources.join(", ")}`,
    },
  };
}

/**
 * The HEAD of the digest in the destination, where no wanted tag settled it. When the edge has tags and none
 * points at the digest, the image is most likely new there, and its source is asked at the same time (the next
 * question anyway): one round of reads less on the way to a copy, for one HEAD too many where the digest turns
 * out to be there untagged.
 */
function digestReads(edge: PromotionEdge, observations: Observations): Read[] {
  const reads: Read[] = [{ kind: "head", repository: edge.destination, reference: edge.digest }];
  if (edge.tags.length === 0) return reads;
  const source = sourcesOf(edge)[0]!;
  const observation = observations.get(source);
  if (observation?.listed && digestState(observations, source, edge.digest) === "unknown") {
    reads.push({ kind: "head", repository: source, reference: edge.digest });
  }
  return reads;
}

const NONE: readonly string[] = Object.freeze([]);
const NO_TAGS: ReadonlyMap<string, string | undefined> = new Map();
const NO_REFUSALS: readonly RefusedTag[] = Object.freeze([]);

/**
 * The distinct source repositories of an edge's claims, sorted.
 *
 * @param edge a promotion edge
 * @returns the claims' sources without duplicates, sorted (no copy work for the usual single claim)
 */
export function sourcesOf(edge: PromotionEdge): readonly string[] {
  if (edge.claims.length === 1) return [edge.claims[0]!.source];
  return [...new Set(edge.claims.map((claim) => claim.source))].sort(compareText);
}
