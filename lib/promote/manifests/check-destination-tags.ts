import type { Problem } from "../../diagnostics/problem";
import type { Manifest, ManifestImage } from "./types";

/** An image entry of one manifest: the unit that claims tags in its destination repositories. */
interface Entry {
  readonly id: number;
  readonly manifest: Manifest;
  readonly image: ManifestImage;
}

/** Where one tag of one digest is written. */
interface Claim {
  readonly entry: Entry;
  readonly digest: string;
  readonly tagIndex: number;
}

/** Two claims of one destination tag by different digests, and every destination repository where they meet. */
interface Conflict {
  readonly first: Claim;
  readonly second: Claim;
  readonly tag: string;
  readonly destinations: string[];
}

/**
 * Finds destination tags claimed by two different digests, across all manifests and within one: the same
 * `<destination registry>/<image>:<tag>` must never be asked to point at two digests, since one of the two
 * promotions would have to move the tag. The same digest claimed twice (from two manifests) is fine.
 *
 * Each conflict is reported at both places, once per pair of places however many destination registries the
 * two share (the message names the first destination and how many more).
 *
 * @param manifests every validated manifest of the run
 * @returns one problem per place in conflict, unsorted; empty when there is none
 * @example
 * const problems = destinationTagProblems(manifests);
 * if (problems.length > 0) throw new InvalidInputError(problems);
 */
export function destinationTagProblems(manifests: readonly Manifest[]): Problem[] {
  const entriesByDestination = new Map<string, Entry[]>();
  let nextId = 0;
  for (const manifest of manifests) {
    const destinations = manifest.registries.filter((registry) => !registry.src);
    for (const image of manifest.images) {
      const entry = { id: nextId++, manifest, image };
      for (const registry of destinations) {
        const repository = `${registry.name}/${image.name}`;
        const group = entriesByDestination.get(repository);
        if (group) group.push(entry);
        else entriesByDestination.set(repository, [entry]);
      }
    }
  }

  const conflicts = new Map<string, Conflict>();
  // An entry alone in a repository conflicts the same way in every repository it goes to: check it once.
  const checkedAlone = new Set<number>();
  for (const [repository, entries] of entriesByDestination) {
    const alone = entries.length === 1 ? entries[0]!.id : undefined;
    if (alone !== undefined && checkedAlone.has(alone)) continue;
    if (alone !== undefined) checkedAlone.add(alone);
    collectConflicts(repository, entries, conflicts);
  }
  // Entries alone were checked in one repository only; list every repository they go to.
  for (const conflict of conflicts.values()) {
    if (conflict.first.entry.id === conflict.second.entry.id) {
      const { manifest, image } = conflict.first.entry;
      conflict.destinations.splice(
        0,
        conflict.destinations.length,
        ...manifest.registries.filter((r) => !r.src).map((r) => `${r.name}/${image.name}`),
      );
    }
  }
  return [...conflicts.values()].flatMap((conflict) => [
    problemFor(conflict.first, conflict.second, conflict),
    problemFor(conflict.second, conflict.first, conflict),
  ]);
}

function collectConflicts(repository: string, entries: readonly Entry[], conflicts: Map<string, Conflict>): void {
  const claimByTag = new Map<string, Claim>();
  for (const entry of entries) {
    for (const [digest, tags] of entry.image.dmap) {
      tags.forEach((tag, tagIndex) => {
        const earlier = claimByTag.get(tag);
        if (!earlier) {
          claimByTag.set(tag, { entry, digest, tagIndex });
          return;
        }
        if (earlier.digest === digest) return;
        const claim = { entry, digest, tagIndex };
        const key = `${claimKey(earlier)}|${claimKey(claim)}|${tag}`;
        const known = conflicts.get(key);
        if (known) known.destinations.push(repository);
        else conflicts.set(key, { first: earlier, second: claim, tag, destinations: [repository] });
      });
    }
  }
}

function claimKey(claim: Claim): string {
  return `${claim.entry.id}\u0000${claim.digest}\u0000${claim.tagIndex}`;
}

function tagPath(claim: Claim): PropertyKey[] {
  return [...claim.entry.image.path, "dmap", claim.digest, claim.tagIndex];
}

function problemFor(here: Claim, other: Claim, conflict: Conflict): Problem {
  const source = other.entry.manifest.imagesSource;
  const { line, col } = source.locate(tagPath(other));
  const destinations = [...conflict.destinations].sort();
  const more = destinations.length > 1 ? ` (and ${destinations.length - 1} more)` : "";
  return here.entry.manifest.imagesSource.problemAt(
    tagPath(here),
    `destination tag ${destinations[0]}:${conflict.tag}${more} is also claimed by ${other.digest} ` +
      `at ${source.file}:${line}:${col}`,
  );
}
