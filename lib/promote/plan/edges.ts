import type { Manifest } from "../manifests/types";

/** One project's share of a promotion edge: where it promotes from and which tags it asks for. */
export interface EdgeClaim {
  /** The manifest's project. */
  readonly project: string;
  /** The source repository, `<src registry name>/<image name>`. */
  readonly source: string;
  /** Tags this project asks for, sorted; empty for a promotion by digest only. */
  readonly tags: readonly string[];
}

/**
 * Everything to be done for one digest in one destination repository: the unit of work, so a digest wanted
 * with three tags (or by two projects) is copied once and then tagged.
 */
export interface PromotionEdge {
  /** The destination repository, `<dest registry name>/<image name>`, e.g. `us.gcr.io/prod/e2e/foo`. */
  readonly destination: string;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** The union of the claims' tags, sorted. */
  readonly tags: readonly string[];
  /** Who asks for it, sorted by project then source. */
  readonly claims: readonly EdgeClaim[];
  /** For a signature or attestation edge: the digest of the promoted image it belongs to. */
  readonly signatureOf?: string;
}

/**
 * Turns validated manifests into promotion edges: for every manifest, destination registry, image and digest,
 * `<src>/<image>` → `<dest>/<image>` with its tags, grouped per (destination repository, digest).
 *
 * Built for registry.k8s.io's size (hundreds of thousands of edges): each repository name is built once per
 * (registry, image), and one claim (with its tags and one-element claim list) is shared by every destination
 * of a digest, so a single-claim edge costs one small object.
 *
 * @param manifests validated manifests (see loadThinManifests / loadFatManifest)
 * @returns the edges, sorted by destination then digest
 * @throws Error when a manifest has no source registry (it was not validated)
 * @example
 * buildEdges(manifests)[0];
 * // → { destination: "us.gcr.io/prod/foo", digest: "sha256:…", tags: ["1.0"],
 * //     claims: [{ project: "a", source: "gcr.io/staging/foo", tags: ["1.0"] }] }
 */
export function buildEdges(manifests: readonly Manifest[]): PromotionEdge[] {
  // destination repository → digest → edge; an edge's claims array is shared until a second claim arrives.
  const byDestination = new Map<string, Map<string, PromotionEdge>>();
  const merged = new Set<PromotionEdge>();
  for (const manifest of manifests) {
    const source = manifest.registries.find((registry) => registry.src);
    if (!source) throw new Error(`manifest ${manifest.file} has no source registry; validate it first`);
    const destinations = manifest.registries.filter((registry) => !registry.src);
    for (const image of manifest.images) {
      const sourceRepository = `${source.name}/${image.name}`;
      const groups = destinations.map((destination) => {
        const repository = `${destination.name}/${image.name}`;
        let group = byDestination.get(repository);
        if (!group) byDestination.set(repository, (group = new Map()));
        return { repository, group };
      });
      for (const [digest, tags] of image.dmap) {
        const claim: EdgeClaim = { project: manifest.project, source: sourceRepository, tags: sortedUnique(tags) };
        const claims = [claim];
        for (const { repository, group } of groups) {
          const known = group.get(digest);
          if (known === undefined) group.set(digest, { destination: repository, digest, tags: claim.tags, claims });
          else {
            const edge = { destination: repository, digest, tags: known.tags, claims: [...known.claims, claim] };
            merged.delete(known);
            merged.add(edge);
            group.set(digest, edge);
          }
        }
      }
    }
  }
  const edges: PromotionEdge[] = [];
  for (const destination of [...byDestination.keys()].sort(compareText)) {
    const group = byDestination.get(destination)!;
    for (const digest of [...group.keys()].sort(compareText)) {
      const edge = group.get(digest)!;
      edges.push(merged.has(edge) ? finishEdges([{ ...edge, claims: [...edge.claims] }])[0]! : edge);
    }
  }
  return edges;
}

/**
 * @param tags tags as written
 * @returns the same array when already sorted without duplicates (the usual case), else a sorted copy
 */
function sortedUnique(tags: readonly string[]): readonly string[] {
  for (let i = 1; i < tags.length; i++) {
    if (!(tags[i - 1]! < tags[i]!)) return [...new Set(tags)].sort(compareText);
  }
  return tags;
}

/** An edge being assembled; claims are merged only when finished, since most edges have exactly one. */
export interface MutableEdge {
  readonly destination: string;
  readonly digest: string;
  readonly claims: EdgeClaim[];
  signatureOf?: string;
}

/**
 * Adds one claim to the edge map, grouping it with an existing edge of the same destination and digest.
 *
 * @param edges edges keyed by `destination@digest`, changed in place
 * @param addition the destination, digest and claim (plus `signatureOf` for signature edges)
 */
export function addClaim(
  edges: Map<string, MutableEdge>,
  addition: { destination: string; digest: string; claim: EdgeClaim; signatureOf?: string },
): void {
  const key = `${addition.destination}@${addition.digest}`;
  const edge = edges.get(key);
  if (edge) edge.claims.push(addition.claim);
  else {
    const created: MutableEdge = { destination: addition.destination, digest: addition.digest, claims: [addition.claim] };
    if (addition.signatureOf !== undefined) created.signatureOf = addition.signatureOf;
    edges.set(key, created);
  }
}

/**
 * Freezes assembled edges into sorted {@link PromotionEdge}s, merging the claims of one project and source.
 *
 * @param edges the assembled edges
 * @returns the edges sorted by destination then digest, claims and tags sorted
 */
export function finishEdges(edges: Iterable<MutableEdge>): PromotionEdge[] {
  const finished: PromotionEdge[] = [];
  for (const edge of edges) {
    const claims = mergeClaims(edge.claims);
    const tags = claims.length === 1 ? claims[0]!.tags : [...new Set(claims.flatMap((c) => c.tags))].sort(compareText);
    finished.push({
      destination: edge.destination,
      digest: edge.digest,
      tags,
      claims,
      ...(edge.signatureOf !== undefined ? { signatureOf: edge.signatureOf } : {}),
    });
  }
  return finished.sort(compareEdges);
}

/**
 * Orders edges by destination, then digest.
 *
 * @returns negative, zero or positive, as for `Array.prototype.sort`
 */
export function compareEdges(a: PromotionEdge, b: PromotionEdge): number {
  return compareText(a.destination, b.destination) || compareText(a.digest, b.digest);
}

function mergeClaims(claims: readonly EdgeClaim[]): EdgeClaim[] {
  if (claims.length === 1) return [{ ...claims[0]!, tags: sortedUnique(claims[0]!.tags) }];
  const merged = new Map<string, { project: string; source: string; tags: Set<string> }>();
  for (const claim of claims) {
    const key = `${claim.project}\u0000${claim.source}`;
    const known = merged.get(key);
    if (known) for (const tag of claim.tags) known.tags.add(tag);
    else merged.set(key, { project: claim.project, source: claim.source, tags: new Set(claim.tags) });
  }
  return [...merged.values()]
    .map((claim) => ({ project: claim.project, source: claim.source, tags: [...claim.tags].sort(compareText) }))
    .sort((a, b) => compareText(a.project, b.project) || compareText(a.source, b.source));
}

/**
 * Orders strings by UTF-16 code units (not locale), so output is the same on every machine.
 *
 * @returns negative, zero or positive, as for `Array.prototype.sort`
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
