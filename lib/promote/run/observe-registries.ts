import type { RegistryClient } from "../../registry/client";
import { createLimiter } from "../../registry/limit";
import { parseRepository } from "../../registry/reference";
import type { PromotionEdge } from "../plan/edges";
import { RegistryError } from "../../registry/errors";
import { manifestContents } from "../../registry/manifest-contents";
import { emptyObservations, recordChildren, recordHead, recordTagList, type Observations, type Read } from "../plan/observations";
import { SIGNATURE_TAG_SUFFIXES } from "../plan/signature-edges";
import { readKey, readsNeeded } from "../plan/plan-reads";
import { decidedSoFar } from "../plan/plan-rounds";
import type { EdgeDecision } from "../plan/assess-edge";
import type { Progress } from "../progress";
import { HostBreaker, isTransientFailure, unreachableHostOf } from "./host-breaker";

/** What was learned about the registries an edge set touches. */
export interface ObservedRegistries {
  /** Every answer recorded, enough for `decidePlan` on {@link ObservedRegistries.reachableEdges}. */
  readonly observations: Observations;
  /** The edges whose repositories could all be read. */
  readonly reachableEdges: readonly PromotionEdge[];
  /** Repositories that could not be read → why; their edges are left out, to be reported failed. */
  readonly unreadable: ReadonlyMap<string, string>;
  /** Unreadable repositories whose host could not be reached → that host (a subset of `unreadable`). */
  readonly unreachableHosts: ReadonlyMap<string, string>;
}

/** Options of {@link observeRegistries}. */
export interface ObserveOptions {
  /** Reads in flight at once; default 64 (small reads are latency-bound; per-host caps still apply). */
  readonly concurrency?: number;
  /** Where to show progress. */
  readonly progress?: Progress;
  /** Reads in a row that may fail on one host with a network error or timeout before its other reads are skipped; default 2. */
  readonly unreachableAfter?: number;
  /** Attempts per read, each a full set of the request's retries, on transient failures; default {@link DEFAULT_READ_ATTEMPTS}. */
  readonly readAttempts?: number;
  /** Pause before a read's next attempt, times the attempts made; default 1 s. */
  readonly readRetryDelayMs?: number;
  /**
   * Called once, when the reads still out fill no more than a sixteenth of the concurrency (the slowest ones,
   * waiting out retries), with the decisions already made and how many reads are still out: the caller can carry
   * those decisions out meanwhile (the observations are the ones being filled). The result still holds every decision.
   */
  readonly onTail?: (decided: readonly EdgeDecision[], readsLeft: number, observations: Observations) => void;
}

/** Attempts per read by default: the first, and two more after a transient failure. */
export const DEFAULT_READ_ATTEMPTS = 3;

/**
 * Performs the reads the planner asks for until the plan can be decided: each listed repository's tag list
 * once, then only the manifest HEADs the answers cannot settle. Reads are pipelined, not done in rounds: as soon
 * as the reads in flight no longer fill the concurrency, the planner is asked again and the reads that the
 * answers so far call for are started, so one read waiting out its retries (a `Retry-After`, a backoff) holds
 * up only the edges that need it. A repository that cannot be read (its registry down, access denied) does not
 * stop the others: its edges are set aside and reported.
 *
 * @param client the registry client
 * @param edges the promotion edges
 * @param options concurrency and progress
 * @returns the observations, the edges they settle, and the repositories that could not be read
 */
export async function observeRegistries(
  client: RegistryClient,
  edges: readonly PromotionEdge[],
  options: ObserveOptions = {},
): Promise<ObservedRegistries> {
  const observations = emptyObservations();
  const unreadable = new Map<string, string>();
  const unreachableHosts = new Map<string, string>();
  const concurrency = options.concurrency ?? 64;
  const limit = createLimiter(concurrency);
  const hosts = new HostBreaker(options.unreachableAfter ?? 2, "reads");
  const keep = tagsWorthKeeping(edges);
  const readAttempts = options.readAttempts ?? DEFAULT_READ_ATTEMPTS;
  const retryDelayMs = options.readRetryDelayMs ?? 1000;
  const inFlight = new Set<string>();
  let wake = (): void => {};
  let settled = new Promise<void>((resolve) => (wake = resolve));
  const start = (read: Read, attempt = 1): void => {
    const key = readKey(read);
    inFlight.add(key);
    let retryAfterMs: number | undefined;
    void limit(async () => {
      const host = parseRepository(read.repository).host;
      try {
        hosts.check(host);
        await perform(client, observations, read, keep);
        hosts.succeeded(host);
        options.progress?.step(key);
      } catch (error) {
        hosts.failed(host, error);
        const message = (error as Error).message;
        // A read whose retries ran out on a transient error is tried again a little later, as an image is.
        if (attempt < readAttempts && isTransientFailure(error) && !hosts.isDown(host)) {
          retryAfterMs = retryDelayMs * attempt;
          options.progress?.note(`retrying later (attempt ${attempt + 1} of ${readAttempts}) ${key}: ${message}`);
          return;
        }
        if (!unreadable.has(read.repository)) {
          unreadable.set(read.repository, message);
          const unreachableHost = unreachableHostOf(error);
          if (unreachableHost !== undefined) unreachableHosts.set(read.repository, unreachableHost);
        }
        options.progress?.step(key, message);
      }
    }).finally(() => {
      // A read to try again stays in flight meanwhile, so the planner's asking again does not start it twice.
      if (retryAfterMs !== undefined) return void setTimeout(() => start(read, attempt + 1), retryAfterMs);
      inFlight.delete(key);
      wake();
    });
  };
  let reachableEdges = edges;
  let unreadableSeen = 0;
  let started = 0;
  let tailTold = false;
  for (;;) {
    if (unreadable.size > unreadableSeen) {
      unreadableSeen = unreadable.size;
      reachableEdges = reachableEdges.filter((edge) => !touchesAny(edge, unreadable));
    }
    // Round-robin over hosts, so a host that is down is found out in the first wave, not after every other host.
    const fresh = interleaveByHost(readsNeeded(reachableEdges, observations).filter((read) => !inFlight.has(readKey(read))));
    if (fresh.length > 0) {
      if (started === 0) options.progress?.phase("reading registries", fresh.length);
      else options.progress?.more(fresh.length);
      started += fresh.length;
      for (const read of fresh) start(read);
    }
    if (inFlight.size === 0) break;
    if (options.onTail !== undefined && !tailTold && inFlight.size <= Math.max(1, Math.floor(concurrency / 16))) {
      const decided = decidedSoFar(reachableEdges, observations);
      if (decided.length > 0) {
        tailTold = true;
        options.onTail(decided, inFlight.size, observations);
      }
    }
    // Ask the planner again once the reads in flight no longer keep every slot busy (asking after every answer
    // of a million-read wave would cost more than the reads), and not more often than every few milliseconds.
    do {
      await settled;
      settled = new Promise<void>((resolve) => (wake = resolve));
    } while (inFlight.size > concurrency);
    if (inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, REPLAN_INTERVAL_MS));
  }
  return { observations, reachableEdges, unreadable, unreachableHosts };
}

/** The least time between two askings of the planner while reads are in flight. */
const REPLAN_INTERVAL_MS = 10;

/**
 * Which listed tags the planner can ever look at: those some edge wants, cosign signature, attestation and SBOM
 * tags (`sha256-<hex>.sig`/`.att`/`.sbom`) and referrers fallback indexes (`sha256-<hex>`), whose edges only
 * appear once a source is read. A repository with millions of other tags then costs the memory of these alone.
 */
function tagsWorthKeeping(edges: readonly PromotionEdge[]): (tag: string) => boolean {
  const wanted = new Set<string>();
  for (const edge of edges) for (const tag of edge.tags) wanted.add(tag);
  return (tag) => wanted.has(tag) || ATTACHMENT_TAG.test(tag);
}

const ATTACHMENT_TAG = new RegExp(`^sha256-[0-9a-f]{64}(${SIGNATURE_TAG_SUFFIXES.map((suffix) => suffix.replace(".", "\\.")).join("|")})?$`);

async function perform(client: RegistryClient, observations: Observations, read: Read, keep: (tag: string) => boolean): Promise<void> {
  const repository = parseRepository(read.repository);
  if (read.kind === "tags") {
    const list = await client.listTags(repository, { keep });
    const digestTags = list.manifests && new Map([...list.manifests].map(([digest, info]) => [digest, info.tags]));
    recordTagList(observations, read.repository, list.tags, digestTags);
    return;
  }
  if (read.kind === "children") {
    // A digest staging no longer holds has no children to find signatures for; its edge settles the rest.
    const raw = await client.getManifest(repository, read.reference).catch((error: unknown) => {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    });
    const contents = raw && manifestContents(raw.bytes, raw.mediaType);
    recordChildren(observations, read, contents?.kind === "index" ? contents.children.map((child) => child.digest) : []);
    return;
  }
  const head = await client.headManifest(repository, read.reference);
  recordHead(observations, read, head === "absent" ? undefined : head.digest);
}

/** Whether an edge reads or writes any of the given repositories. */
export function touchesAny(edge: PromotionEdge, repositories: ReadonlyMap<string, unknown>): boolean {
  return repositories.has(edge.destination) || edge.claims.some((claim) => repositories.has(claim.source));
}

/** Orders reads so that consecutive ones go to different hosts, keeping each host's own order. */
function interleaveByHost(reads: readonly Read[]): Read[] {
  const byHost = new Map<string, Read[]>();
  for (const read of reads) {
    const host = parseRepository(read.repository).host;
    const list = byHost.get(host);
    if (list) list.push(read);
    else byHost.set(host, [read]);
  }
  const lists = [...byHost.values()];
  const ordered: Read[] = [];
  for (let index = 0; ordered.length < reads.length; index++) {
    for (const list of lists) if (index < list.length) ordered.push(list[index]!);
  }
  return ordered;
}
