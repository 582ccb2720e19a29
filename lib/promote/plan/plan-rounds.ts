import { isGoogleHost, parseRepository } from "../../registry/reference";
import { assessEdge, type EdgeDecision } from "./assess-edge";
import { compareText, type PromotionEdge } from "./edges";
import { childrenKey, observationJournal, type Observations, type Read } from "./observations";
import { expandSignatureEdges, type ExpandedEdges } from "./signature-edges";

/** The outcome of one planning round: the reads still needed, or (when none are) every decision. */
export interface PlanRound {
  /** Reads to perform next, tag lists first, then by repository and reference; empty when all is decided. */
  readonly reads: readonly Read[];
  /** One decision per edge (signature edges included), sorted by destination then digest; only when no read is needed. */
  readonly decisions?: readonly EdgeDecision[];
}

/** What earlier rounds over one (edges, observations) pair established. */
interface RoundState {
  /** The edges with their signature edges; recomputed until no signature tag is left to resolve. */
  expanded?: ExpandedEdges;
  /** Decisions made so far, by edge: a decided edge is not assessed again. */
  readonly decided: Map<PromotionEdge, EdgeDecision>;
  /** Edges of {@link RoundState.expanded} not decided yet. */
  pending: readonly PromotionEdge[];
  /** The reads handed out by the last round, repository → references. */
  handedOut: ReadonlyMap<string, ReadonlyMap<string, Read>>;
  /** How much of the observations' journal this state has accounted for. */
  journalSeen: number;
}

const states = new WeakMap<readonly PromotionEdge[], WeakMap<Observations, RoundState>>();

/**
 * Runs one planning round: the reads still needed, or every decision once nothing is. Rounds over the same
 * edge list and observations build on each other, which is what makes planning at registry.k8s.io's size
 * quick: an edge decided in one round is not assessed again, and signature edges stop being re-derived once
 * every source signature tag is resolved.
 *
 * That is sound because a decision depends only on answers about its own repositories, tags and digest, and
 * the next round checks (from the observations' journal) that only reads it handed out were recorded since;
 * any other change (a tag list read again, an answer nobody asked for) discards what was established and
 * the round starts over from the observations alone.
 *
 * @param edges the promotion edges (from buildEdges); never changed once built
 * @param observations what has been read so far, changed only through recordTagList and recordHead
 * @returns the reads needed next, or the decisions
 * @throws Error when a source of an edge has not been listed (never: tag lists are asked for first)
 * @example
 * let round = planRound(edges, observations);
 * while (round.reads.length > 0) { await perform(round.reads); round = planRound(edges, observations); }
 * round.decisions; // every decision
 */
export function planRound(edges: readonly PromotionEdge[], observations: Observations): PlanRound {
  const lists: Read[] = repositoriesToList(edges)
    .filter((repository) => !observations.get(repository)?.listed)
    .map((repository) => ({ kind: "tags", repository }));
  // Destinations read tag by tag need no list: their reads go out with the lists, so a rerun is one round of
  // reads (staging lists on one host, destination HEADs on the others, at once).
  if (lists.length > 0) return { reads: [...lists, ...unlistedDestinationReads(edges, observations)] };

  const state = stateFor(edges, observations);
  const byRepository = new Map<string, Map<string, Read>>();
  const add = (read: Read): void => {
    if (read.kind === "tags") return;
    let references = byRepository.get(read.repository);
    if (!references) byRepository.set(read.repository, (references = new Map()));
    const key = read.kind === "children" ? childrenKey(read.reference) : read.reference;
    if (!references.has(key)) references.set(key, read);
  };
  if (state.expanded === undefined || state.expanded.needs.length > 0) {
    state.expanded = expandSignatureEdges(edges, observations);
    state.expanded.needs.forEach(add);
    state.pending = state.expanded.edges.filter((edge) => !state.decided.has(edge));
  }
  const stillPending: PromotionEdge[] = [];
  for (const edge of state.pending) {
    const assessment = assessEdge(edge, observations);
    if ("needs" in assessment) {
      assessment.needs.forEach(add);
      stillPending.push(edge);
    } else state.decided.set(edge, assessment.decision);
  }
  state.pending = stillPending;
  state.handedOut = byRepository;
  state.journalSeen = observationJournal(observations).repositories.length;

  // Sorting per repository gives the order of sorting by "head <repository> <reference>" without building a
  // key string per read (a generic registry's second round asks for about a million HEADs).
  const reads: Read[] = [];
  for (const repository of [...byRepository.keys()].sort(compareText)) {
    const references = byRepository.get(repository)!;
    for (const reference of [...references.keys()].sort(compareText)) reads.push(references.get(reference)!);
  }
  if (reads.length > 0) return { reads };
  return { reads, decisions: state.expanded.edges.map((edge) => state.decided.get(edge)!) };
}

/**
 * The decisions planning rounds over these edges and observations have made so far, while reads for other edges
 * are still out. Each is final (a decision depends only on answers about its own repositories, tags and digest,
 * and answers are never taken back), so it can be carried out before the whole plan is decided.
 *
 * @param edges the edge list the rounds were run on
 * @param observations the observations they were run on
 * @returns the decisions made, in no particular order; none when no round has run on this pair or an answer
 *   nobody asked for was recorded since (the next round starts over)
 */
export function decidedSoFar(edges: readonly PromotionEdge[], observations: Observations): EdgeDecision[] {
  const known = states.get(edges)?.get(observations);
  return known && onlyHandedOutSince(known, observations) ? [...known.decided.values()] : [];
}

// Edge lists are never changed after they are built, so their repositories are collected once per list.
/**
 * The reads edges into destinations that are not listed need while tag lists are still being read: the HEADs of
 * their wanted tags, then of the digest (and of the source digest, once the source is listed), each as soon as
 * the answers before it are in. Sorted by repository and reference, without duplicates.
 */
function unlistedDestinationReads(edges: readonly PromotionEdge[], observations: Observations): Read[] {
  let unlisted = unlistedEdgesCache.get(edges);
  if (!unlisted) {
    const listed = new Set(repositoriesToList(edges));
    unlisted = edges.filter((edge) => !listed.has(edge.destination));
    unlistedEdgesCache.set(edges, unlisted);
  }
  const byKey = new Map<string, Read>();
  for (const edge of unlisted) {
    const assessment = assessEdge(edge, observations);
    if (!("needs" in assessment)) continue;
    for (const read of assessment.needs) if (read.kind !== "tags") byKey.set(readKeyOf(read), read);
  }
  return [...byKey.values()].sort((a, b) => compareText(a.repository, b.repository) || compareText(referenceOf(a), referenceOf(b)));
}

const unlistedEdgesCache = new WeakMap<readonly PromotionEdge[], readonly PromotionEdge[]>();

function referenceOf(read: Read): string {
  return read.kind === "tags" ? "" : read.kind === "children" ? childrenKey(read.reference) : read.reference;
}

function readKeyOf(read: Read): string {
  return `${read.repository} ${referenceOf(read)}`;
}

const toListCache = new WeakMap<readonly PromotionEdge[], readonly string[]>();

/**
 * The repositories read by their tag list: every source (its cosign signature tags and referrers fallback indexes
 * are found there) and every destination on Google's registries, whose list names each manifest with its tags
 * (one request settles the repository, and says which digests are absent). Every other destination is read tag
 * by tag: its list would be followed by a HEAD of each wanted tag it names anyway, so the HEADs alone cost one
 * request less per repository — a rerun, where every tag is in place, costs one request per wanted tag.
 *
 * @param edges the promotion edges
 * @returns the repositories to list, sorted, without duplicates (computed once per list, then cached)
 */
export function repositoriesToList(edges: readonly PromotionEdge[]): readonly string[] {
  let repositories = toListCache.get(edges);
  if (!repositories) {
    const found = new Set<string>();
    let previous: string | undefined;
    for (const edge of edges) {
      if (edge.destination !== previous && listsDigests(edge.destination)) found.add(edge.destination);
      previous = edge.destination;
      for (const claim of edge.claims) found.add(claim.source);
    }
    repositories = [...found].sort(compareText);
    toListCache.set(edges, repositories);
  }
  return repositories;
}

/** Whether a repository's registry answers a tag list with the digest of every manifest (GCR, Artifact Registry). */
function listsDigests(repository: string): boolean {
  return isGoogleHost(parseRepository(repository).host);
}

/** The state of earlier rounds, when the answers recorded since are exactly reads those rounds handed out. */
function stateFor(edges: readonly PromotionEdge[], observations: Observations): RoundState {
  let byObservations = states.get(edges);
  if (!byObservations) states.set(edges, (byObservations = new WeakMap()));
  const known = byObservations.get(observations);
  if (known && onlyHandedOutSince(known, observations)) return known;
  const fresh: RoundState = { decided: new Map(), pending: [], handedOut: new Map(), journalSeen: 0 };
  byObservations.set(observations, fresh);
  return fresh;
}

function onlyHandedOutSince(state: RoundState, observations: Observations): boolean {
  const journal = observationJournal(observations);
  for (let i = state.journalSeen; i < journal.repositories.length; i++) {
    const reference = journal.references[i];
    if (reference === undefined || !state.handedOut.get(journal.repositories[i]!)?.has(reference)) return false;
  }
  return true;
}
