import { addClaim, compareEdges, compareText, finishEdges, type MutableEdge, type PromotionEdge } from "./edges";
import type { Observations, Read } from "./observations";

/** Suffixes of the cosign tag scheme: `sha256-<hex>.sig` (signatures) and `.att` (attestations). */
export const SIGNATURE_TAG_SUFFIXES = [".sig", ".att"] as const;

/**
 * The signature and attestation tag names of a digest in the cosign tag scheme.
 *
 * @param digest `sha256:<hex>`
 * @returns e.g. `["sha256-<hex>.sig", "sha256-<hex>.att"]`
 */
export function signatureTagsOf(digest: string): string[] {
  const name = digest.replace(":", "-");
  return SIGNATURE_TAG_SUFFIXES.map((suffix) => `${name}${suffix}`);
}

/** The edges with signature edges added, and the source HEADs still needed to find more. */
export interface ExpandedEdges {
  /** The given edges plus one edge per signature/attestation found (merged when they coincide), sorted. */
  readonly edges: readonly PromotionEdge[];
  /** HEADs of source signature tags whose digest is not known yet. */
  readonly needs: readonly Read[];
}

/**
 * Adds the signature and attestation edges of promoted digests: a `sha256-<hex>.sig` or `.att` tag of a
 * promoted digest found in the SOURCE tag list is copied to each of the digest's destinations under the same
 * tag name, as the manifest that tag points to. When several sources have the tag, the first (sorted) wins.
 *
 * @param edges the promotion edges (from buildEdges)
 * @param observations every source repository must be listed
 * @returns the expanded edges and the HEADs needed to resolve signature tags not yet resolved
 * @throws Error when a source repository has not been listed yet
 */
export function expandSignatureEdges(edges: readonly PromotionEdge[], observations: Observations): ExpandedEdges {
  // Only signature edges are assembled; base edges are left as they are unless a signature coincides with one.
  const assembled = new Map<string, MutableEdge>();
  const needs = new Map<string, Read>();
  for (const edge of edges) {
    if (edge.signatureOf !== undefined) continue;
    const sources = [...new Set(edge.claims.map((claim) => claim.source))].sort(compareText);
    for (const tag of signatureTagsOf(edge.digest)) {
      const source = sources.find((candidate) => listedTags(observations, candidate).has(tag));
      if (source === undefined) continue;
      const digest = listedTags(observations, source).get(tag);
      if (digest === undefined) {
        needs.set(`${source}:${tag}`, { kind: "head", repository: source, reference: tag });
        continue;
      }
      for (const claim of edge.claims) {
        addClaim(assembled, {
          destination: edge.destination,
          digest,
          claim: { project: claim.project, source, tags: [tag] },
          signatureOf: edge.digest,
        });
      }
    }
  }
  if (assembled.size === 0) return { edges, needs: [...needs.values()] };
  const byKey = new Map(edges.map((edge) => [`${edge.destination}@${edge.digest}`, edge]));
  for (const [key, signature] of assembled) {
    const base = byKey.get(key);
    if (base) signature.claims.push(...base.claims);
    if (base && base.signatureOf === undefined) delete signature.signatureOf;
    byKey.delete(key);
  }
  return { edges: [...byKey.values(), ...finishEdges(assembled.values())].sort(compareEdges), needs: [...needs.values()] };
}

function listedTags(observations: Observations, repository: string): ReadonlyMap<string, string | undefined> {
  const observation = observations.get(repository);
  if (!observation?.listed) throw new Error(`${repository} must be listed before signatures are looked for`);
  return observation.tags;
}
