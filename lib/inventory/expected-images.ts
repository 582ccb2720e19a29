import { buildEdges } from "../promote/plan/edges";
import type { Manifest } from "../promote/manifests/types";
import type { ImagesData } from "./images-yaml";

/** Destination repository (`host/path`) → digest → tags the manifests want there. */
export type ExpectedRepositories = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/**
 * What every destination repository should hold according to the manifests: the promotion edges (one per
 * destination repository and digest, tags merged across projects), grouped by repository.
 *
 * @param manifests validated manifests
 * @returns repository → digest → sorted tags
 * @example expectedRepositories(loadThinManifests(".")).get("us-central1-docker.pkg.dev/k8s-artifacts-prod/images/kind/node")
 */
export function expectedRepositories(manifests: readonly Manifest[]): ExpectedRepositories {
  const repositories = new Map<string, Map<string, readonly string[]>>();
  for (const edge of buildEdges(manifests)) {
    let digests = repositories.get(edge.destination);
    if (!digests) repositories.set(edge.destination, (digests = new Map()));
    digests.set(edge.digest, edge.tags);
  }
  return repositories;
}

/**
 * The part of {@link expectedRepositories} at or below a registry path, as `images.yaml` data named relative
 * to it: what a snapshot of that path would show after a complete promotion.
 *
 * @param expected from {@link expectedRepositories}
 * @param registryPath `host[:port]` or `host/path`, e.g. a destination registry of a manifest
 * @returns image name (relative to the path) → digest → tags
 */
export function expectedImagesUnder(expected: ExpectedRepositories, registryPath: string): ImagesData {
  const images = new Map<string, ReadonlyMap<string, readonly string[]>>();
  for (const [repository, digests] of expected) {
    const name = nameBelow(registryPath, repository);
    if (name !== undefined && name !== "") images.set(name, digests);
  }
  return images;
}

/**
 * The image name of a repository below a registry path.
 *
 * @param registryPath `host[:port]` or `host/path`
 * @param repository `host/path`
 * @returns the rest of the path (`""` for the path itself), or `undefined` when the repository is not below it
 * @example nameBelow("gcr.io/k8s-staging-kind", "gcr.io/k8s-staging-kind/base/node") // → "base/node"
 */
export function nameBelow(registryPath: string, repository: string): string | undefined {
  if (repository === registryPath) return "";
  return repository.startsWith(`${registryPath}/`) ? repository.slice(registryPath.length + 1) : undefined;
}
