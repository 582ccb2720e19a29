import type { RegistryClient } from "../../registry/client";
import { copyImage } from "../../registry/copy";
import { createLimiter } from "../../registry/limit";
import { parseRepository } from "../../registry/reference";
import { fallbackTag, findReferrers, listInFallbackIndex, type Referrers } from "../../registry/referrers";
import type { EdgeDecision } from "../plan/assess-edge";
import { sourcesOf } from "../plan/assess-edge";
import type { Observations } from "../plan/observations";
import type { Progress } from "../progress";

/** What happened to the referrers of one promoted image in one destination. */
export interface ReferrerItem {
  /** Projects that promote the image. */
  readonly projects: readonly string[];
  readonly destination: string;
  /** The referrers' subject: the promoted image's digest, or one of its children's (an index's platform images). */
  readonly digest: string;
  /** `carried`: written now; `missing`: would be written (dry run); `failed`: see `message`. */
  readonly outcome: "carried" | "missing" | "failed";
  /** The referrer manifests concerned (those missing from the destination). */
  readonly referrers: readonly string[];
  readonly message?: string;
}

/** Options of {@link carryReferrers}. */
export interface CarryReferrersOptions {
  /** Write; without it only report what is missing. */
  readonly confirm: boolean;
  /** Artifact types carried (a referrer with another or no `artifactType` is left alone). */
  readonly artifactTypes: readonly string[];
  /** Images handled at once; default 8. */
  readonly concurrency?: number;
  readonly progress?: Progress;
}

/**
 * Carries OCI 1.1 referrers (cosign 3 bundles, attestations, SBOMs) of every image promoted or already promoted,
 * and of the children of an index where planning read them: the referrers of each such digest in staging whose artifact type is carried and that the destination lacks are copied
 * byte-identical, then listed — by the registry itself where it has the referrers API, else in the destination's
 * `sha256-<hex>` fallback index (merged, never overwritten). Images skipped as already promoted are included, so a
 * referrer that failed after its image was copied is completed by the next run. A rerun writes nothing.
 *
 * @param client the registry client
 * @param decisions the final decisions (failed ones and signature-tag edges are ignored)
 * @param observations the tag lists read while planning (they say where a fallback index exists, saving reads)
 * @param options dry run or confirm, artifact types, concurrency
 * @returns one item per (destination, image) whose referrers were or would be written, or failed
 */
export async function carryReferrers(
  client: RegistryClient,
  decisions: readonly EdgeDecision[],
  observations: Observations,
  options: CarryReferrersOptions,
): Promise<ReferrerItem[]> {
  const carried = new Set(options.artifactTypes);
  const images = decisions.filter((decision) => decision.edge.signatureOf === undefined && decision.action !== "fail");
  const support = new Map<string, Promise<boolean>>();
  const limit = createLimiter(options.concurrency ?? 8);
  const items: ReferrerItem[] = [];
  options.progress?.phase("referrers", images.length);
  const listed = (repository: string, digest: string): boolean | undefined => {
    const observation = observations.get(repository);
    return observation?.listed ? observation.tags.has(fallbackTag(digest)) : undefined;
  };
  // One lookup per staging digest, however many destinations it goes to (a registry with the referrers API
  // answers each lookup with a request; one without it answers from the tag lists already read).
  const lookups = new Map<string, Promise<Referrers>>();
  const sourceReferrers = (source: string, subject: string): Promise<Referrers> => {
    const key = `${source}@${subject}`;
    let lookup = lookups.get(key);
    if (!lookup) {
      lookup = findReferrers(client, parseRepository(source), subject, { fallbackTagListed: listed(source, subject), support });
      lookups.set(key, lookup);
    }
    return lookup;
  };
  const carry = async (decision: EdgeDecision, subject: string): Promise<void> => {
    const { destination } = decision.edge;
    const projects = [...new Set(decision.edge.claims.map((claim) => claim.project))];
    try {
      const source = sourcesOf(decision.edge)[0]!;
      const sourceRef = parseRepository(source);
      const found = await sourceReferrers(source, subject);
      const wanted = found.descriptors.filter((descriptor) => descriptor.artifactType !== undefined && carried.has(descriptor.artifactType));
      if (wanted.length === 0) return;
      const destinationRef = parseRepository(destination);
      // A copy decision's image is not in the destination yet during a dry run: all its referrers are missing.
      const present = options.confirm || decision.action !== "copy"
        ? await findReferrers(client, destinationRef, subject, { fallbackTagListed: listed(destination, subject), support })
        : { via: "fallback" as const, descriptors: [] };
      const have = new Set(present.descriptors.map((descriptor) => descriptor.digest));
      const missing = wanted.filter((descriptor) => !have.has(descriptor.digest));
      if (missing.length === 0) return;
      const referrers = missing.map((descriptor) => descriptor.digest);
      if (!options.confirm) return void items.push({ projects, destination, digest: subject, outcome: "missing", referrers });
      for (const descriptor of missing) await copyImage(client, sourceRef, destinationRef, descriptor.digest);
      if (present.via === "fallback") {
        const whenAbsent = wanted.length === found.descriptors.length ? found.fallbackIndex : undefined;
        await listInFallbackIndex(client, destinationRef, subject, wanted, whenAbsent === undefined ? {} : { whenAbsent });
      }
      items.push({ projects, destination, digest: subject, outcome: "carried", referrers });
    } catch (error) {
      items.push({ projects, destination, digest: subject, outcome: "failed", referrers: [], message: (error as Error).message });
    }
  };
  await Promise.all(images.map((decision) => limit(async () => {
    const { destination, digest } = decision.edge;
    // An index's children, where planning read them (staging holds referrers or signatures of unpromoted digests).
    const children = observations.get(sourcesOf(decision.edge)[0]!)?.children.get(digest) ?? [];
    for (const subject of [digest, ...children]) await carry(decision, subject);
    options.progress?.step(`referrers ${destination}@${digest}`);
  })));
  return items.sort((a, b) => (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : a.digest < b.digest ? -1 : 1));
}
