import { seededRandom, type SeededRandom } from "./seeded-random";
import type { Inventory, RepositoryContent } from "./inventory";

/** Sizes and shares of a generated universe; every field has a registry.k8s.io-sized default. */
export interface UniverseOptions {
  /** Seed of the generator; the same seed gives the same universe. Default 1. */
  readonly seed?: number;
  /** Staging projects. Default 110. */
  readonly projects?: number;
  /** Digests over all projects (each promoted to all of its project's destinations). Default 12,000. */
  readonly digests?: number;
  /** Fewest destination registries of a project. Default 20. */
  readonly minDestinations?: number;
  /** Most destination registries of a project. Default 40. */
  readonly maxDestinations?: number;
}

/** One generated project, in the shape of a thin manifest pair. */
export interface UniverseProject {
  /** `k8s-staging-<name>`. */
  readonly project: string;
  /** The source registry name, `gcr.io/k8s-staging-<name>`. */
  readonly source: string;
  /** The destination registry names. */
  readonly destinations: readonly string[];
  /** Image name → digest → tags, in file order. */
  readonly images: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

/** Counts describing a universe, to report next to the measurements. */
export interface UniverseStats {
  projects: number;
  images: number;
  digests: number;
  /** (destination repository, digest) pairs: the planner's unit of work. */
  destinationDigests: number;
  /** (digest, destination, tag) triples, a tagless promotion counting once. */
  edges: number;
  /** What the synthetic inventory holds, per kind of situation (destination repository, digest) pairs. */
  promoted: number;
  missing: number;
  missingTags: number;
  tagsElsewhere: number;
  lostFromSource: number;
  signedDigests: number;
}

/** A generated universe: the manifests' content and what the registries hold. */
export interface Universe {
  readonly projects: readonly UniverseProject[];
  readonly inventory: Inventory;
  readonly stats: UniverseStats;
}

/** Regions of registry.k8s.io's Artifact Registry backends (and a few invented ones to reach 40). */
const REGIONS = [
  "asia-east1", "asia-south1", "asia-northeast1", "asia-northeast2", "australia-southeast1", "europe-north1",
  "europe-southwest1", "europe-west1", "europe-west2", "europe-west4", "europe-west8", "europe-west9",
  "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2",
  "asia-east2", "asia-northeast3", "asia-southeast1", "asia-southeast2", "australia-southeast2", "europe-central2",
  "europe-west3", "europe-west6", "europe-west10", "europe-west12", "me-central1", "me-west1", "northamerica-northeast1",
  "northamerica-northeast2", "southamerica-east1", "us-west3", "us-west4", "africa-south1", "me-central2", "europe-west11",
];

// Shares of (destination repository, digest) situations in the inventory; the rest is fully promoted.
const MISSING = 0.03;
const MISSING_TAG = 0.02;
const TAG_ELSEWHERE = 0.005;
// Share of digests gone from staging (they fail wherever they are missing), and of signed digests.
const LOST_FROM_SOURCE = 0.002;
const SIGNED = 0.1;

/**
 * Generates a registry.k8s.io-sized promotion universe: projects whose sizes follow a long tail (one project
 * holds about a third of the digests, as k8s-staging-kubernetes does), 20–40 Artifact Registry destinations
 * each, tags unique per image, cosign signatures on some digests, and an inventory in which most edges are
 * already promoted while some digests are missing, some tags are missing, some tags point elsewhere and a few
 * digests were lost from staging.
 *
 * @param options sizes and seed (defaults: 110 projects, 12,000 digests, 20–40 destinations, seed 1)
 * @returns the projects, the inventory of every source and destination repository, and counts
 * @throws Error when the options are inconsistent (e.g. fewer digests than projects)
 * @example
 * const universe = generateUniverse({ seed: 7 });
 * universe.stats.edges; // ≈ 1,000,000
 */
export function generateUniverse(options: UniverseOptions = {}): Universe {
  const random = seededRandom(options.seed ?? 1);
  const projectCount = options.projects ?? 110;
  const digestCount = options.digests ?? 12_000;
  const minDestinations = options.minDestinations ?? 20;
  const maxDestinations = options.maxDestinations ?? 40;
  if (projectCount < 1 || digestCount < projectCount) throw new Error("need at least one digest per project");
  if (minDestinations < 1 || maxDestinations < minDestinations || maxDestinations > REGIONS.length) {
    throw new Error(`destinations must satisfy 1 <= min <= max <= ${REGIONS.length}`);
  }

  const inventory: Inventory = new Map();
  const stats: UniverseStats = {
    projects: projectCount, images: 0, digests: 0, destinationDigests: 0, edges: 0, promoted: 0, missing: 0,
    missingTags: 0, tagsElsewhere: 0, lostFromSource: 0, signedDigests: 0,
  };
  const projects: UniverseProject[] = [];
  const sizes = projectSizes(projectCount, digestCount);
  for (let p = 0; p < projectCount; p++) {
    const short = `project-${p.toString().padStart(3, "0")}`;
    const destinationCount = random.int(minDestinations, maxDestinations);
    const destinations = REGIONS.slice(0, destinationCount).map((region) => `${region}-docker.pkg.dev/k8s-artifacts-prod/images/${short}`);
    const source = `gcr.io/k8s-staging-${short}`;
    const images = new Map<string, Map<string, string[]>>();
    const imageCount = Math.max(1, Math.round(sizes[p]! / 25));
    for (let d = 0; d < sizes[p]!; d++) {
      const image = `image-${(d % imageCount).toString().padStart(2, "0")}`;
      let dmap = images.get(image);
      if (!dmap) images.set(image, (dmap = new Map()));
      const digest = `sha256:${random.hex64()}`;
      const tags = tagsOf(random, d);
      dmap.set(digest, tags);
      stats.digests++;
      placeDigest(random, inventory, stats, { source: `${source}/${image}`, destinations: destinations.map((name) => `${name}/${image}`), digest, tags });
    }
    stats.images += images.size;
    projects.push({ project: `k8s-staging-${short}`, source, destinations, images });
  }
  return { projects, inventory, stats };
}

/** Digests per project: a long tail (weights 1/(rank+1)) scaled to the total, at least one each. */
function projectSizes(projects: number, digests: number): number[] {
  const weights = Array.from({ length: projects }, (_, rank) => 1 / (rank + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const sizes = weights.map((weight) => Math.max(1, Math.floor((weight / total) * digests)));
  sizes[0]! += digests - sizes.reduce((sum, size) => sum + size, 0);
  return sizes;
}

/** 0–5 tags (about 2.8 on average), unique within the image since they embed the digest's index. */
function tagsOf(random: SeededRandom, index: number): string[] {
  const count = random.pick([0, 1, 1, 2, 3, 3, 4, 4, 5, 5]);
  const base = `v1.${index}`;
  return Array.from({ length: count }, (_, i) => (i === 0 ? base : `${base}-r${i}`));
}

/** Puts one digest into its source and destination repositories, in one of the inventory's situations. */
function placeDigest(
  random: SeededRandom,
  inventory: Inventory,
  stats: UniverseStats,
  placement: { source: string; destinations: string[]; digest: string; tags: readonly string[] },
): void {
  const { digest, tags } = placement;
  const lost = random.chance(LOST_FROM_SOURCE);
  const signature = random.chance(SIGNED) ? { tag: `${digest.replace(":", "-")}.sig`, digest: `sha256:${random.hex64()}` } : undefined;
  if (signature) stats.signedDigests++;
  if (lost) stats.lostFromSource++;
  else {
    const source = contentOf(inventory, placement.source);
    tagAll(source, digest, tags);
    if (signature) tagAll(source, signature.digest, [signature.tag]);
  }
  for (const destination of placement.destinations) {
    stats.destinationDigests++;
    stats.edges += Math.max(1, tags.length);
    const content = contentOf(inventory, destination);
    const roll = random.next();
    if (roll < MISSING || lost) {
      stats.missing++;
      continue;
    }
    if (roll < MISSING + MISSING_TAG && tags.length > 0) {
      stats.missingTags++;
      tagAll(content, digest, tags.slice(1));
    } else if (roll < MISSING + MISSING_TAG + TAG_ELSEWHERE && tags.length > 0) {
      stats.tagsElsewhere++;
      tagAll(content, digest, tags.slice(1));
      tagAll(content, `sha256:${random.hex64()}`, tags.slice(0, 1));
    } else {
      stats.promoted++;
      tagAll(content, digest, tags);
    }
    if (signature) tagAll(content, signature.digest, [signature.tag]);
  }
}

function contentOf(inventory: Inventory, repository: string): RepositoryContent {
  let content = inventory.get(repository);
  if (!content) inventory.set(repository, (content = { tags: new Map(), digests: new Set() }));
  return content;
}

function tagAll(content: RepositoryContent, digest: string, tags: readonly string[]): void {
  content.digests.add(digest);
  for (const tag of tags) content.tags.set(tag, digest);
}
