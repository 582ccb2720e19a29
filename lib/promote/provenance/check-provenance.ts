import type { RegistryClient } from "../../registry/client";
import { createLimiter } from "../../registry/limit";
import { parseRepository } from "../../registry/reference";
import type { EvidenceVerifier, EvidenceVerdict } from "../../sigstore/verify-evidence";
import type { Manifest, ProvenancePolicy } from "../manifests/types";
import type { EdgeDecision } from "../plan/assess-edge";
import type { Observations } from "../plan/observations";
import type { Progress } from "../progress";
import { evaluatePolicy } from "./evaluate-policy";
import { findEvidence } from "./find-evidence";

/** The provenance check of one staging image for one project. */
export interface ProvenanceItem {
  readonly project: string;
  readonly mode: "warn" | "require";
  /** The staging image, `<repository>@<digest>`. */
  readonly image: string;
  /** `verified`: an allowed signer signed it; `warned`: it was not, and is promoted anyway; `held`: it was not, and is not promoted. */
  readonly outcome: "verified" | "warned" | "held";
  /** Who signed it (verified), or why it failed. */
  readonly message: string;
}

/** What {@link checkProvenance} decided. */
export interface ProvenanceCheck {
  /** The decisions, a held image's copy (and its signature tags) turned into failures; same order. */
  readonly decisions: EdgeDecision[];
  readonly items: ProvenanceItem[];
}

/** Options of {@link checkProvenance}. */
export interface CheckProvenanceOptions {
  /** Images verified at once; default 8. */
  readonly concurrency?: number;
  readonly progress?: Progress;
}

/**
 * Verifies, before anything is copied, the staging images that projects with a provenance policy are about to
 * promote (`copy` decisions; images already in production are not checked again). In `require` mode an image
 * without a valid signature or attestation from an allowed signer is held back — that image only, with the
 * reason; in `warn` mode the reason is reported and the image promoted. An image claimed by several projects is
 * held if any of them requires it.
 *
 * @param client the registry client
 * @param verifier verifies bundles against the trusted root
 * @param decisions the plan's decisions
 * @param manifests the manifests (their `provenance` policies)
 * @param observations the tag lists read while planning
 * @param options concurrency and progress
 * @returns the decisions with held images failed, and one item per (project, staging image) checked
 */
export async function checkProvenance(
  client: RegistryClient,
  verifier: EvidenceVerifier,
  decisions: readonly EdgeDecision[],
  manifests: readonly Manifest[],
  observations: Observations,
  options: CheckProvenanceOptions = {},
): Promise<ProvenanceCheck> {
  const policies = new Map<string, ProvenancePolicy>();
  for (const manifest of manifests) if (manifest.provenance && manifest.provenance.mode !== "off") policies.set(manifest.project, manifest.provenance);
  const checked = decisions.filter((decision) => decision.action === "copy" && decision.edge.signatureOf === undefined
    && decision.edge.claims.some((claim) => policies.has(claim.project)));
  const verdicts = new Map<string, Promise<EvidenceVerdict[]>>();
  const support = new Map<string, Promise<boolean>>();
  const limit = createLimiter(options.concurrency ?? 8);
  const verdictsOf = (image: string, source: string, digest: string): Promise<EvidenceVerdict[]> => {
    let known = verdicts.get(image);
    if (!known) {
      const tags = observations.get(source)?.tags;
      known = limit(async () => {
        const found = await findEvidence(client, parseRepository(source), digest, { support, ...(tags ? { tags: new Set(tags.keys()) } : {}) });
        return [
          ...found.evidence.map((evidence) => verifier.verify(evidence, digest)),
          ...found.unreadable.map(({ where, reason }): EvidenceVerdict => ({ ok: false, where, reason })),
        ];
      });
      verdicts.set(image, known);
    }
    return known;
  };
  if (checked.length > 0) options.progress?.phase("verifying provenance", checked.length);
  const items = new Map<string, ProvenanceItem>();
  const held = new Map<string, string>();
  // Verified in parallel (bounded by the limiter); outcomes are collected in the plan's order.
  const outcomes = await Promise.all(checked.map(async (decision) => {
    const source = decision.source!;
    const image = `${source}@${decision.edge.digest}`;
    let found: EvidenceVerdict[];
    try {
      found = await verdictsOf(image, source, decision.edge.digest);
    } catch (error) {
      found = [{ ok: false, where: source, reason: `cannot read signatures: ${(error as Error).message}` }];
    }
    options.progress?.step(image);
    return { decision, image, found };
  }));
  for (const { decision, image, found } of outcomes) {
    for (const claim of decision.edge.claims) {
      const policy = policies.get(claim.project);
      if (!policy) continue;
      const outcome = evaluatePolicy(found, policy);
      const mode = policy.mode === "require" ? "require" : "warn";
      if (!outcome.ok && mode === "require") held.set(`${decision.edge.destination}@${decision.edge.digest}`, outcome.reason);
      items.set(`${claim.project}\u0000${image}`, {
        project: claim.project,
        mode,
        image,
        outcome: outcome.ok ? "verified" : mode === "require" ? "held" : "warned",
        message: outcome.ok ? `signed by ${outcome.signer}` : outcome.reason,
      });
    }
  }
  const gated = decisions.map((decision): EdgeDecision => {
    const { destination, digest, signatureOf } = decision.edge;
    const reason = held.get(`${destination}@${signatureOf ?? digest}`);
    if (reason === undefined) return decision;
    const error = signatureOf === undefined ? `provenance: ${reason}` : `not carried: its image ${signatureOf} is held back (provenance)`;
    return { edge: decision.edge, action: "fail", addTags: [], presentTags: decision.presentTags, refusedTags: [], error };
  });
  return { decisions: gated, items: [...items.values()].sort((a, b) => (a.project + a.image < b.project + b.image ? -1 : 1)) };
}
