import type { RegistryClient, RawManifest } from "../../registry/client";
import { copyImage, tagImage, type CopyResult } from "../../registry/copy";
import { createLimiter } from "../../registry/limit";
import { RegistryError } from "../../registry/errors";
import { parseRepository } from "../../registry/reference";
import type { EdgeDecision } from "../plan/assess-edge";
import type { Progress } from "../progress";

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Images (destination repository, digest) worked on at once; default 8. */
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
}

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
  /** Totals of what was written. */
  readonly totals: ExecutionTotals;
}

/**
 * Carries out the `copy` and `tag` decisions of a plan. Each image is copied whole, children before parents,
 * and only then tagged, so a destination tag never points at an incomplete image. A failed image does not
 * stop the others.
 *
 * @param client the registry client
 * @param decisions the plan's decisions (`skip` and `fail` ones are ignored)
 * @param options concurrency and progress
 * @returns which decisions failed, and totals
 */
export async function executePlan(
  client: RegistryClient,
  decisions: readonly EdgeDecision[],
  options: ExecuteOptions = {},
): Promise<Execution> {
  const work = decisions.filter((decision) => decision.action === "copy" || decision.action === "tag");
  const failures = new Map<EdgeDecision, string>();
  const totals: ExecutionTotals = { imagesCopied: 0, tagsWritten: 0, bytesUploaded: 0, blobsMounted: 0 };
  const limit = createLimiter(options.concurrency ?? 8);
  const hosts = new HostBreaker(options.unreachableAfter ?? 2);
  options.progress?.phase("promoting", work.length);
  await Promise.all(
    work.map((decision) =>
      limit(async () => {
        const label = `${decision.edge.destination}@${decision.edge.digest}`;
        const host = parseRepository(decision.edge.destination).host;
        try {
          hosts.check(host);
          await carryOut(client, decision, totals, options);
          hosts.succeeded(host);
          options.progress?.step(label);
        } catch (error) {
          hosts.failed(host, error);
          const message = (error as Error).message;
          failures.set(decision, message);
          options.progress?.step(label, message);
        }
      }),
    ),
  );
  return { failures, totals };
}

async function carryOut(
  client: RegistryClient,
  decision: EdgeDecision,
  totals: ExecutionTotals,
  options: ExecuteOptions,
): Promise<void> {
  const destination = parseRepository(decision.edge.destination);
  const digest = decision.edge.digest;
  let manifest: RawManifest | undefined;
  if (decision.action === "copy") {
    const result: CopyResult = await copyImage(client, parseRepository(decision.source!), destination, digest, {
      concurrency: options.blobConcurrency ?? 4,
      onEvent: (event) => {
        if (event.kind === "blob" && event.outcome === "uploaded") options.progress?.addBytes(event.size);
      },
    });
    totals.imagesCopied++;
    totals.bytesUploaded += result.bytesUploaded;
    totals.blobsMounted += result.blobsMounted;
    manifest = result.manifest;
  }
  for (const tag of decision.addTags) {
    manifest ??= await client.getManifest(destination, digest);
    await tagImage(client, destination, digest, tag, manifest);
    totals.tagsWritten++;
  }
}

/**
 * Stops sending work to a destination host that is down: after `threshold` images in a row failed there with
 * a network error or timeout (each already retried with backoff), the host's remaining images fail at once
 * instead of each spending minutes on retries. Any success resets the count.
 */
class HostBreaker {
  private readonly failuresInARow = new Map<string, number>();
  private readonly lastError = new Map<string, string>();

  constructor(private readonly threshold: number) {}

  /** @throws Error when the host is considered unreachable */
  check(host: string): void {
    if ((this.failuresInARow.get(host) ?? 0) >= this.threshold) {
      throw new Error(`not attempted: ${host} unreachable after ${this.threshold} failed images in a row (last: ${this.lastError.get(host)})`);
    }
  }

  succeeded(host: string): void {
    this.failuresInARow.delete(host);
  }

  failed(host: string, error: unknown): void {
    const unreachable = error instanceof RegistryError && (error.code === "NETWORK" || error.code === "TIMEOUT");
    if (!unreachable) return;
    this.failuresInARow.set(host, (this.failuresInARow.get(host) ?? 0) + 1);
    this.lastError.set(host, error.message);
  }
}
