import type { Manifest, ManifestImage, Refusal } from "./types";

/** One image of one project written to one destination repository. */
interface Claim {
  readonly manifest: Manifest;
  readonly image: ManifestImage;
  /** The destination registry (`host/prefix`) the repository is below. */
  readonly registry: string;
}

/** A refusal being assembled: every repository where one image of one project meets the same other project. */
interface Finding {
  readonly claim: Claim;
  /** The message, given the first repository (in sorted order), the path it lands in, and ` (and N more)` or nothing. */
  readonly describe: (first: string, landsIn: string, more: string) => string;
  /** Each repository concerned → the path it lands in (itself, or the other project's registry it is below). */
  readonly destinations: Map<string, string>;
}

/**
 * Checks that every destination path belongs to exactly one project. A project's paths are its destination
 * registries (`host/prefix`) and the repositories it writes below them. An image is refused when its repository
 *
 * - lies at or below a destination registry of another project that is more specific than the one it is written
 *   through and that the project does not list itself (the root project `etcd` adding `kind/node` would land in
 *   `kind`'s `…/images/kind`), or
 * - is written by another project too, through a registry as specific (two root projects with one image name).
 *
 * Several projects may share a registry or its root (`…/k8s-artifacts-prod/images`), each with its own image
 * names. A rightful owner is never refused because another project intrudes into its path.
 *
 * @param manifests the valid manifests of every project
 * @returns one refusal per (project, image entry, other project), naming every repository concerned
 * @example
 * pathOwnershipRefusals([etcd, kind]); // → [{ project: "k8s-staging-etcd", destinations: [".../images/kind/node", …], problem }]
 */
export function pathOwnershipRefusals(manifests: readonly Manifest[]): Refusal[] {
  const registryOwners = new Map<string, Manifest[]>();
  for (const manifest of manifests) {
    for (const registry of manifest.registries) {
      if (registry.src) continue;
      const owners = registryOwners.get(registry.name);
      if (!owners) registryOwners.set(registry.name, [manifest]);
      else if (!owners.includes(manifest)) owners.push(manifest);
    }
  }

  const findings = new Map<string, Finding>();
  const note = (claim: Claim, other: Manifest, kind: string, repository: string, path: string, make: () => Omit<Finding, "destinations">) => {
    const key = `${kind}\u0000${claim.manifest.project}\u0000${String(claim.image.path)}\u0000${other.project}`;
    const known = findings.get(key);
    if (known) known.destinations.set(repository, path);
    else findings.set(key, { ...make(), destinations: new Map([[repository, path]]) });
  };

  // Claims that do not intrude, by repository: where two projects meet, neither is the owner.
  const rightful = new Map<string, Claim[]>();
  for (const manifest of manifests) {
    for (const registry of manifest.registries) {
      if (registry.src) continue;
      for (const image of manifest.images) {
        const repository = `${registry.name}/${image.name}`;
        const claim = { manifest, image, registry: registry.name };
        const owner = moreSpecificOwner(repository, registry.name, manifest, registryOwners);
        if (owner) {
          const other = owner.manifest;
          note(claim, other, "in", repository, owner.path, () => ({
            claim,
            describe: (first, landsIn, more) =>
              `${first}${more} lands in ${landsIn}, the path of project ${other.project} (${registryPosition(other, landsIn)}); ` +
              "an image may only be written below its own project's registries",
          }));
          continue;
        }
        const claims = rightful.get(repository);
        if (claims) claims.push(claim);
        else rightful.set(repository, [claim]);
      }
    }
  }
  for (const [repository, claims] of rightful) {
    if (claims.length < 2) continue;
    for (const claim of claims) {
      for (const other of claims) {
        if (other.manifest === claim.manifest) continue;
        note(claim, other.manifest, "both", repository, repository, () => ({
          claim,
          describe: (first, _landsIn, more) => `${first}${more} is also written by project ${other.manifest.project} (${imagePosition(other)}); every destination path belongs to one project`,
        }));
      }
    }
  }

  return [...findings.values()].map((finding) => {
    const destinations = [...finding.destinations.keys()].sort();
    const more = destinations.length > 1 ? ` (and ${destinations.length - 1} more)` : "";
    const { manifest, image } = finding.claim;
    return {
      project: manifest.project,
      destinations,
      problem: manifest.imagesSource.problemAt(
        [...image.path, "name"],
        finding.describe(destinations[0]!, finding.destinations.get(destinations[0]!)!, more),
      ),
    };
  });
}

/**
 * The other project whose destination registry holds `repository` (at or above it) and is more specific than the
 * registry it is written through, if any.
 */
function moreSpecificOwner(
  repository: string,
  registry: string,
  manifest: Manifest,
  registryOwners: ReadonlyMap<string, readonly Manifest[]>,
): { manifest: Manifest; path: string } | undefined {
  // From the repository itself up to, not including, its own registry: the most specific registry decides. One the
  // project itself also lists is shared with whoever else lists it, like the registry root.
  for (let path = repository; path.length > registry.length; path = path.slice(0, path.lastIndexOf("/"))) {
    const owners = registryOwners.get(path);
    if (owners === undefined) continue;
    return owners.includes(manifest) ? undefined : { manifest: owners[0]!, path };
  }
  return undefined;
}

function registryPosition(manifest: Manifest, name: string): string {
  const registry = manifest.registries.find((r) => r.name === name)!;
  const { line, col } = manifest.registriesSource.locate(["registries", registry.index, "name"]);
  return `${manifest.registriesSource.file}:${line}:${col}`;
}

function imagePosition(claim: Claim): string {
  const { line, col } = claim.manifest.imagesSource.locate([...claim.image.path, "name"]);
  return `${claim.manifest.imagesSource.file}:${line}:${col}`;
}
