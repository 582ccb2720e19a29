import type { RegistryClient, RawManifest } from "../../registry/client";
import { copyImageToEach, tagImage, type DestinationResult } from "../../registry/copy";
import { createLimiter, type Limiter } from "../../registry/limit";
import { parseRepository, type RepositoryRef } from "../../registry/reference";
import type { EdgeDecision } from "../plan/assess-edge";
import type { Progress } from "../progress";
import { HostBreaker, isTransientFailure, unreachableHostOf } from "./host-breaker";

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Source images worked on at once (each to all its destinations, or one tag decision); default {@link DEFAULT_IMAGE_CONCURRENCY}. */
  readonly concurrency?: number;
  /** Blobs copied at once within one image; default 4. */
  readonly blobConcurrency?: number;
  /** Where to show progress. */
  readonly progress?: Progress;
  /**
   * Images in a row that may fail on one destination host with a network error or timeout (each already
   * retried) before the host's remaining images are failed without trying; default 2.
   */
  readonly unreachableAfter?: number;
  /**
   * Attempts per image: one that failed on a transient error (retries exhausted, a reset, a timeout) on a host
   * still serving is tried again, as soon as its pause is over, while the others go on; default
   * {@link DEFAULT_IMAGE_ATTEMPTS}.
   */
  readonly imageAttempts?: number;
  /** Pause before an image's next attempt, times the attempts made; default 2 s (a registry in trouble gets a breath). */
  readonly imageRetryDelayMs?: number;
  /** Add the images to the progress phase under way rather than start a "promoting" phase (for a plan carried out in parts). */
  readonly continuePhase?: boolean;
  /** The image slots, when parts of a plan carried out at once share them; default `concurrency` slots of this call's own. */
  readonly slots?: Limiter;
}

/**
 * Images worked on at once by default. With up to 4 blobs each, 64 requests are in flight: at the 250 ms a request
 * to a registry in another region takes, enough to keep a host at the default --max-rps (250/s), so the rate
 * limit, not waiting, sets the pace; and an image waiting out a `Retry-After` holds up a sixteenth of the work.
 */
export const DEFAULT_IMAGE_CONCURRENCY = 16;

/** Attempts per image by default: the first, and two more for an image that failed on transient errors. */
export const DEFAULT_IMAGE_ATTEMPTS = 3;

/** What executing a plan did, in totals. */
export interface ExecutionTotals {
  /** Images copied (manifest trees written). */
  imagesCopied: number;
  /** Tags written. */
  tagsWritten: number;
  /** Blob bytes streamed to destinations (mounted and present blobs excluded). */
  bytesUploaded: number;
  /** Blobs mounted from another repository on the same host. */
  blobsMounted: number;
}

/** The result of {@link executePlan}. */
export interface Execution {
  /** The decisions that could not be carried out → why. */
  readonly failures: ReadonlyMap<EdgeDecision, string>;
  /** Failed decisions whose destination host could not be reached → that host (a subset of `failures`). */
  readonly unreachable: ReadonlyMap<EdgeDecision, string>;
  /** Totals of what was written. */
  readonly totals: ExecutionTotals;
}

/**
 * Carries out the `copy` and `tag` decisions of a plan. Each image is copied whole, children before parents,
 * and only then tagged, so a destination tag never points at an incomplete image. The copy decisions of one
 * source image are carried out together, so each source blob is read once for all its destinations. A failed
 * image, or a failed destination of an image, does not stop the others, and one that failed on a transient error
 * (its requests' retries exhausted) is tried again after a pause, while its host is still serving.
 *
 * @param client the registry client
 * @param decisions the plan's decisions (`skip` and `fail` ones are ignored)
 * @param options concurrency and progress
 * @returns which decisions failed, and totals
 * @example const { failures, totals } = await executePlan(client, plan.decisions, { concurrency: 8 });
 */
export async function executePlan(
  client: RegistryClient,
  decisions: readonly EdgeDecision[],
  options: ExecuteOptions = {},
): Promise<Execution> {
  const work = decisions.filter((decision) => decision.action === "copy" || decision.action === "tag");
  const failures = new Map<EdgeDecision, string>();
  const unreachable = new Map<EdgeDecision, string>();
  const totals: ExecutionTotals = { imagesCopied: 0, tagsWritten: 0, bytesUploaded: 0, blobsMounted: 0 };
  const limit = options.slots ?? createLimiter(options.concurrency ?? DEFAULT_IMAGE_CONCURRENCY);
  const hosts = new HostBreaker(options.unreachableAfter ?? 2, "images");
  const label = (decision: EdgeDecision): string => `${decision.edge.destination}@${decision.edge.digest}`;
  const finish = (decision: EdgeDecision, error?: unknown): void => {
    if (error === undefined) return options.progress?.step(label(decision));
    const message = (error as Error).message;
    failures.set(decision, message);
    const unreachableHost = unreachableHostOf(error);
    if (unreachableHost !== undefined) unreachable.set(decision, unreachableHost);
    options.progress?.step(label(decision), message);
  };
  const attempts = options.imageAttempts ?? DEFAULT_IMAGE_ATTEMPTS;
  // One attempt at a group (one source image to its destinations, or one tag decision); what failed on a
  // transient error is tried again after a pause, outside the concurrency limit, while the other groups go on.
  const runGroup = async (group: readonly EdgeDecision[], attempt: number): Promise<void> => {
    const again: EdgeDecision[] = [];
    await limit(async () => {
      const attempted: Array<{ decision: EdgeDecision; destination: RepositoryRef }> = [];
      for (const decision of group) {
        const destination = parseRepository(decision.edge.destination);
        try {
          hosts.check(destination.host);
          attempted.push({ decision, destination });
        } catch (error) {
          finish(decision, error);
        }
      }
      const copies = await copyAll(client, attempted, options);
      // Each destination is tagged as soon as its own copy is in, whatever the others are still doing.
      await Promise.all(attempted.map(async ({ decision, destination }, index) => {
        try {
          const copy = await copies[index];
          if (copy !== undefined && !copy.ok) throw copy.error;
          if (copy?.ok) {
            totals.imagesCopied++;
            totals.bytesUploaded += copy.result.bytesUploaded;
            totals.blobsMounted += copy.result.blobsMounted;
          }
          await addTags(client, decision, destination, copy?.ok ? copy.result.manifest : undefined, totals);
          hosts.succeeded(destination.host);
          finish(decision);
        } catch (error) {
          hosts.failed(destination.host, error);
          if (attempt < attempts && isTransientFailure(error) && !hosts.isDown(destination.host)) {
            again.push(decision);
            options.progress?.note(`retrying later (attempt ${attempt + 1} of ${attempts}) ${label(decision)}: ${(error as Error).message}`);
          } else finish(decision, error);
        }
      }));
    });
    if (again.length === 0) return;
    await sleep((options.imageRetryDelayMs ?? 2000) * attempt);
    await runGroup(again, attempt + 1);
  };

  if (options.continuePhase) options.progress?.more(work.length);
  else options.progress?.phase("promoting", work.length);
  await Promise.all(groupBySourceImage(work).map((group) => runGroup(group, 1)));
  return { failures, unreachable, totals };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Copy decisions of the same source image (source repository and digest) form one group, so the image is read
 * once for all its destinations; every other decision is a group of its own. Groups keep the plan's order.
 */
function groupBySourceImage(decisions: readonly EdgeDecision[]): EdgeDecision[][] {
  const groups = new Map<string, EdgeDecision[]>();
  decisions.forEach((decision, index) => {
    const key = decision.action === "copy" ? `${decision.source}@${decision.edge.digest}` : `#${index}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [decision]);
    else group.push(decision);
  });
  return [...groups.values()];
}

/**
 * Copies the image of the group's `copy` decisions to all their destinations: per decision, a promise of its
 * destination's result (undefined for `tag` decisions), each settling on its own.
 */
async function copyAll(
  client: RegistryClient,
  attempted: ReadonlyArray<{ decision: EdgeDecision; destination: RepositoryRef }>,
  options: ExecuteOptions,
): Promise<Array<Promise<DestinationResult> | undefined>> {
  const copying = attempted.filter(({ decision }) => decision.action === "copy");
  if (copying.length === 0) return attempted.map(() => undefined);
  const { decision } = copying[0]!;
  const results = await copyImageToEach(client, parseRepository(decision.source!), copying.map(({ destination }) => destination), decision.edge.digest, {
    concurrency: options.blobConcurrency ?? 4,
    onEvent: (event) => {
      if (event.kind === "blob" && event.outcome === "uploaded") options.progress?.addBytes(event.size);
    },
  });
  return attempted.map((entry) => (entry.decision.action === "copy" ? results[copying.indexOf(entry)] : undefined));
}

/** Writes the decision's new tags, one after another, after its image is complete in the destination. */
async function addTags(
  client: RegistryClient,
  decision: EdgeDecision,
  destination: RepositoryRef,
  copied: RawManifest | undefined,
  totals: ExecutionTotals,
): Promise<void> {
  let manifest = copied;
  for (const tag of decision.addTags) {
    manifest ??= await client.getManifest(destination, decision.edge.digest);
    await tagImage(client, destination, decision.edge.digest, tag, manifest);
    totals.tagsWritten++;
  }
}
