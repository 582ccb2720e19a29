import type { RegistryClient } from "../../registry/client";
import { DEFAULT_REFERRER_ARTIFACT_TYPES } from "../../sigstore/media-types";
import type { Manifest } from "../manifests/types";
import type { EdgeDecision } from "../plan/assess-edge";
import { decidePlan } from "../plan/decide-plan";
import { buildEdges } from "../plan/edges";
import type { Progress } from "../progress";
import { carryReferrers } from "./carry-referrers";
import { executePlan } from "./execute-plan";
import { observeRegistries } from "./observe-registries";
import { resolveSignatureMoves } from "./resolve-signature-moves";

/** One thing a destination lacks that staging has, for an image the destination holds. */
export interface MissingAttachment {
  readonly destination: string;
  /** The promoted image's digest. */
  readonly digest: string;
  /** `tag`: a cosign `.sig`/`.att`/`.sbom` tag; `referrers`: OCI referrers; `unreadable`: could not be checked. */
  readonly kind: "tag" | "referrers" | "unreadable";
  /** The tags, or the referrer manifests' digests, or why it could not be checked. */
  readonly what: readonly string[];
  /** With repair: whether it was written; undefined without repair. */
  readonly repaired?: boolean;
  readonly message?: string;
}

/** Options of {@link verifyAttachments}. */
export interface VerifyAttachmentsOptions {
  /** Write what is missing (copy signature tags and referrers from staging). */
  readonly repair: boolean;
  readonly referrerArtifactTypes?: readonly string[];
  readonly concurrency?: number;
  readonly progress?: Progress;
}

/**
 * Lists, per destination, the images promoted there that lack a cosign signature, attestation or SBOM tag, or an
 * OCI referrer, that staging has — and, with `repair`, copies them. Images not promoted yet are not its business
 * (`promote` does that); it never copies an image, tags one, or moves an image tag.
 *
 * @param client the registry client
 * @param manifests validated manifests
 * @param options repair or not, referrer artifact types, concurrency, progress
 * @returns what is (or was) missing, sorted by destination and digest; empty when nothing is
 * @example const missing = await verifyAttachments(client, manifests, { repair: false });
 */
export async function verifyAttachments(client: RegistryClient, manifests: readonly Manifest[], options: VerifyAttachmentsOptions): Promise<MissingAttachment[]> {
  const edges = buildEdges(manifests as Manifest[]);
  const observed = await observeRegistries(client, edges, { progress: options.progress });
  const missing: MissingAttachment[] = [];
  for (const [repository, reason] of observed.unreadable) missing.push({ destination: repository, digest: "", kind: "unreadable", what: [reason] });
  const decisions = await resolveSignatureMoves(client, decidePlan(observed.reachableEdges, observed.observations).decisions);
  const promoted = new Set(decisions
    .filter((decision) => decision.edge.signatureOf === undefined && (decision.action === "tag" || decision.action === "skip"))
    .map((decision) => `${decision.edge.destination}@${decision.edge.digest}`));
  const isPromoted = (decision: EdgeDecision): boolean => promoted.has(`${decision.edge.destination}@${decision.edge.signatureOf}`);
  const tagWork = decisions.filter((decision) => decision.edge.signatureOf !== undefined && (decision.action === "copy" || decision.action === "tag") && isPromoted(decision));
  const failures = options.repair ? (await executePlan(client, tagWork, { concurrency: options.concurrency, progress: options.progress })).failures : undefined;
  for (const decision of tagWork) {
    const error = failures?.get(decision);
    missing.push({
      destination: decision.edge.destination,
      digest: decision.edge.signatureOf!,
      kind: "tag",
      what: decision.addTags,
      ...(options.repair ? { repaired: error === undefined } : {}),
      ...(error !== undefined ? { message: error } : {}),
    });
  }
  // A staging signature tag that cannot be carried without dropping one the destination has: missing, unrepairable.
  for (const decision of decisions) {
    if (decision.edge.signatureOf === undefined || !isPromoted(decision)) continue;
    for (const refusal of decision.refusedTags) {
      missing.push({
        destination: decision.edge.destination,
        digest: decision.edge.signatureOf,
        kind: "tag",
        what: [refusal.tag],
        ...(options.repair ? { repaired: false } : {}),
        message: `${refusal.tag} points to ${refusal.current}; ${refusal.reason ?? "tags are never moved"}`,
      });
    }
  }
  const present = decisions.filter((decision) => promoted.has(`${decision.edge.destination}@${decision.edge.digest}`) && decision.edge.signatureOf === undefined);
  const referrers = await carryReferrers(client, present, observed.observations, {
    confirm: options.repair,
    artifactTypes: options.referrerArtifactTypes ?? DEFAULT_REFERRER_ARTIFACT_TYPES,
    concurrency: options.concurrency,
    progress: options.progress,
  });
  for (const item of referrers) {
    missing.push({
      destination: item.destination,
      digest: item.digest,
      kind: "referrers",
      what: item.referrers,
      ...(options.repair ? { repaired: item.outcome === "carried" } : {}),
      ...(item.message !== undefined ? { message: item.message } : {}),
    });
  }
  return missing.sort((a, b) => (a.destination + a.digest + a.kind < b.destination + b.digest + b.kind ? -1 : 1));
}
