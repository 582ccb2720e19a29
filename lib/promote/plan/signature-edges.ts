import { sourcesOf } from "./assess-edge";
import { addClaim, compareEdges, compareText, finishEdges, type MutableEdge, type PromotionEdge } from "./edges";
import type { Observations, Read } from "./observations";

/** Suffixes of the cosign tag scheme: `sha256-<hex>.sig` (signatures), `.att` (attestations) and `.sbom` (SBOMs). */
export const SIGNATURE_TAG_SUFFIXES = [".sig", ".att", ".sbom"] as const;

/**
 * The signature and attestation tag names of a digest in the cosign tag scheme.
 *
 * @param digest `sha256:<hex>`
 * @returns e.g. `["sha256-<hex>.sig", "sha256-<hex>.att", "sha256-<hex>.sbom"]`
 */
export function signatureTagsOf(digest: string): string[] {
  const name = digest.replace(":", "-");
  return SIGNATURE_TAG_SUFFIXES.map((suffix) => `${name}${suffix}`);
}

/** The edges with signature edges added, and the source reads still needed to find more. */
export interface ExpandedEdges {
  /** The given edges plus one edge per signature/attestation/SBOM tag found (merged when they coincide), sorted. */
  readonly edges: readonly PromotionEdge[];
  /** HEADs of source signature tags whose digest is not known yet, and children reads of promoted indexes. */
  readonly needs: readonly Read[];
}

/**
 * Adds the cosign tag edges of promoted digests: a `sha256-<hex>.sig`, `.att` or `.sbom` tag of a promoted digest,
 * or of a child manifest of a promoted index (`cosign sign --recursive`), found in the SOURCE tag list is copied
 * to each of the digest's destinations under the same tag name, as the manifest that tag points to. When several
 * sources have the tag, the first (sorted) wins. An index's children are read only in a source that holds
 * signature tags or referrers fallback indexes of digests no entry promotes (they may be children; the referrers
 * of children are carried by `carryReferrers` from the same observations); elsewhere no extra read is made.
 *
 * @param edges the promotion edges (from buildEdges)
 * @param observations every source repository must be listed
 * @returns the expanded edges and the HEADs needed to resolve signature tags not yet resolved
 * @throws Error when a source repository has not been listed yet
 */
export function expandSignatureEdges(edges: readonly PromotionEdge[], observations: Observations): ExpandedEdges {
  const signaturesBySource = new Map<string, ReadonlyMap<string, readonly string[]>>();
  const signaturesIn = (source: string): ReadonlyMap<string, readonly string[]> => {
    let index = signaturesBySource.get(source);
    if (!index) signaturesBySource.set(source, (index = signatureIndex(observations, source)));
    return index;
  };
  const promoted = promotedBySource(edges);
  const orphansIn = new Map<string, boolean>();
  const hasOrphans = (source: string): boolean => {
    let known = orphansIn.get(source);
    if (known === undefined) {
      const own = promoted.get(source);
      const signed = [...signaturesIn(source).keys(), ...referredDigests(observations, source)];
      orphansIn.set(source, (known = signed.some((digest) => !own?.has(digest))));
    }
    return known;
  };
  // Only signature edges are assembled; base edges are left as they are unless a signature coincides with one.
  const assembled = new Map<string, MutableEdge>();
  const needs = new Map<string, Read>();
  for (const edge of edges) {
    if (edge.signatureOf !== undefined) continue;
    // Most digests are unsigned: one map lookup settles them without building any tag name or list.
    const single = edge.claims.length === 1 ? edge.claims[0]!.source : undefined;
    if (single !== undefined && !signaturesIn(single).has(edge.digest) && !hasOrphans(single)) continue;
    const sources = sourcesOf(edge);
    const signed = [edge.digest];
    for (const source of sources) {
      if (!hasOrphans(source)) continue;
      const children = observations.get(source)?.children.get(edge.digest);
      if (children === undefined) needs.set(`${source}:children:${edge.digest}`, { kind: "children", repository: source, reference: edge.digest });
      else for (const child of children) if (!signed.includes(child) && signaturesIn(source).has(child)) signed.push(child);
    }
    for (const digest of signed) {
      const found = sources.map((source) => signaturesIn(source).get(digest));
      for (const tag of signatureTagsOf(digest)) {
        const at = found.findIndex((tags) => tags?.includes(tag));
        if (at < 0) continue;
        const source = sources[at]!;
        const target = listedTags(observations, source).get(tag);
        if (target === undefined) {
          needs.set(`${source}:${tag}`, { kind: "head", repository: source, reference: tag });
          continue;
        }
        for (const claim of edge.claims) {
          addClaim(assembled, {
            destination: edge.destination,
            digest: target,
            claim: { project: claim.project, source, tags: [tag] },
            // The promoted image, also for a child's signature: it travels, and is held back, with its index.
            signatureOf: edge.digest,
          });
        }
      }
    }
  }
  if (assembled.size === 0) return { edges, needs: [...needs.values()] };
  const replaced = new Set<PromotionEdge>();
  for (const signature of assembled.values()) {
    // The edges are sorted, so a coinciding base edge is found by binary search rather than a full index.
    const base = findEdge(edges, signature.destination, signature.digest);
    if (base === undefined) continue;
    signature.claims.push(...base.claims);
    if (base.signatureOf === undefined) delete signature.signatureOf;
    replaced.add(base);
  }
  const kept = replaced.size === 0 ? edges : edges.filter((edge) => !replaced.has(edge));
  return { edges: mergeSorted(kept, finishEdges(assembled.values())), needs: [...needs.values()] };
}

/** Digests that have a referrers fallback index (`sha256-<hex>` tag) in a repository. */
function referredDigests(observations: Observations, repository: string): string[] {
  const digests: string[] = [];
  for (const tag of listedTags(observations, repository).keys()) {
    if (FALLBACK_TAG.test(tag)) digests.push(`sha256:${tag.slice("sha256-".length)}`);
  }
  return digests;
}

const FALLBACK_TAG = /^sha256-[0-9a-f]{64}$/;

/** The digests each source repository promotes (base edges only). */
function promotedBySource(edges: readonly PromotionEdge[]): Map<string, Set<string>> {
  const promoted = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.signatureOf !== undefined) continue;
    for (const claim of edge.claims) {
      let digests = promoted.get(claim.source);
      if (!digests) promoted.set(claim.source, (digests = new Set()));
      digests.add(edge.digest);
    }
  }
  return promoted;
}

/** A source's signature tags by the digest they sign: `sha256-<hex>.sig` → `sha256:<hex>`. */
function signatureIndex(observations: Observations, source: string): ReadonlyMap<string, readonly string[]> {
  const index = new Map<string, string[]>();
  for (const tag of listedTags(observations, source).keys()) {
    const suffix = SIGNATURE_TAG_SUFFIXES.find((candidate) => tag.endsWith(candidate));
    if (suffix === undefined || !tag.startsWith("sha256-")) continue;
    const signed = `sha256:${tag.slice("sha256-".length, tag.length - suffix.length)}`;
    const tags = index.get(signed);
    if (tags) tags.push(tag);
    else index.set(signed, [tag]);
  }
  return index;
}

function findEdge(edges: readonly PromotionEdge[], destination: string, digest: string): PromotionEdge | undefined {
  let low = 0;
  let high = edges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const edge = edges[middle]!;
    const order = compareText(edge.destination, destination) || compareText(edge.digest, digest);
    if (order === 0) return edge;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** Merges two lists sorted by {@link compareEdges} in linear time (re-sorting hundreds of thousands is not). */
function mergeSorted(a: readonly PromotionEdge[], b: readonly PromotionEdge[]): PromotionEdge[] {
  const merged: PromotionEdge[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(compareEdges(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) merged.push(a[i++]!);
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}

function listedTags(observations: Observations, repository: string): ReadonlyMap<string, string | undefined> {
  const observation = observations.get(repository);
  if (!observation?.listed) throw new Error(`${repository} must be listed before signatures are looked for`);
  return observation.tags;
}
