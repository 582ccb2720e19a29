import type { Manifest } from "../promote/manifests/types";

/** Where a staging repository's images are promoted from: a project's manifest and the image's name in it. */
export interface ProjectImage {
  readonly manifest: Manifest;
  /** The manifest's source registry, e.g. `gcr.io/k8s-staging-kind`. */
  readonly source: string;
  /** The image name below it, e.g. `node` or `base/node`. */
  readonly image: string;
}

/**
 * Finds the project a staging repository belongs to: the manifest whose source registry is the longest prefix
 * of it (`gcr.io/k8s-staging-<name>` for a dedicated project, `us-central1-docker.pkg.dev/k8s-staging-images/<name>`
 * for a shared registry — whatever the manifests say, nothing is assumed about the naming).
 *
 * @param repository the staging repository, `host/path`
 * @param manifests every manifest of the tree
 * @returns the manifest and image name
 * @throws Error when no manifest's source registry holds the repository, or two projects share that source
 * @example projectOf("gcr.io/k8s-staging-kind/node", manifests).manifest.project // → "k8s-staging-kind"
 */
export function projectOf(repository: string, manifests: readonly Manifest[]): ProjectImage {
  let best: ProjectImage[] = [];
  for (const manifest of manifests) {
    const source = manifest.registries.find((registry) => registry.src)?.name;
    if (source === undefined || !repository.startsWith(`${source}/`)) continue;
    const candidate = { manifest, source, image: repository.slice(source.length + 1) };
    if (best.length === 0 || source.length > best[0]!.source.length) best = [candidate];
    else if (source.length === best[0]!.source.length) best.push(candidate);
  }
  if (best.length === 0) {
    throw new Error(`${repository}: no promoter manifest (manifests/*/promoter-manifest.yaml) has a source registry that holds it`);
  }
  if (best.length > 1) {
    throw new Error(`${repository}: the source registry ${best[0]!.source} belongs to ${best.map((b) => b.manifest.file).join(" and ")}; add to one of them by hand`);
  }
  return best[0]!;
}
