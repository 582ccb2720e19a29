import { compareText } from "../promote/plan/edges";
import type { RepositoryInventory } from "../inventory/read-inventory";

/** The kinds of difference between a production repository and the manifests. */
export type FindingKind =
  /** A digest the repository holds as an image that no manifest promotes there (pushed outside the promoter). */
  | "unexpected-digest"
  /** A tag on a promoted digest that no manifest asks for. */
  | "unexpected-tag"
  /** A tag the manifests want on one digest pointing at another. */
  | "tag-moved"
  /** A digest the manifests promote there that the repository does not hold. */
  | "missing-digest"
  /** A tag the manifests want that the repository lacks (its digest is there). */
  | "missing-tag"
  /** The repository (or the path holding it) could not be read. */
  | "unreadable";

/** One difference, with what is needed to act on it. */
export interface Finding {
  readonly kind: FindingKind;
  /** `host/path` of the repository, or of the registry path that could not be walked. */
  readonly repository: string;
  /** The digest concerned: the held one, or the one the manifests want. */
  readonly digest?: string;
  /** The tag concerned (unexpected-tag, tag-moved, missing-tag). */
  readonly tag?: string;
  /** Tags: those on an unexpected digest, or those wanted on a missing one. */
  readonly tags?: readonly string[];
  /** For tag-moved: the digest the tag points to now. */
  readonly actual?: string;
  /** The finding in words. */
  readonly message: string;
}

/** What is known about one repository, ready to compare. */
export interface ObservedRepository {
  readonly inventory: RepositoryInventory;
  /** The images it holds (see `heldImages`): digest → tags written by people. */
  readonly held: ReadonlyMap<string, readonly string[]>;
  /** Wanted digests a manifest HEAD found absent (a plain registry lists only what tags point to). */
  readonly absent: ReadonlySet<string>;
}

/**
 * Compares what one production repository holds with what the manifests want there: digests and tags nobody
 * asked for, wanted tags pointing elsewhere, wanted digests or tags missing.
 *
 * @param repository `host/path`
 * @param wanted digest → tags the manifests want here (`undefined`: nothing)
 * @param observed what the repository holds
 * @returns the findings, sorted by kind ({@link KIND_ORDER}), digest, tag
 * @example compareRepository(repo, new Map([[d1, ["v1"]]]), observed) // → [{ kind: "unexpected-tag", tag: "hack", … }]
 */
export function compareRepository(
  repository: string,
  wanted: ReadonlyMap<string, readonly string[]> | undefined,
  observed: ObservedRepository,
): Finding[] {
  const findings: Finding[] = [];
  const { inventory, held, absent } = observed;
  // A tag wanted on another digest is reported once, as moved, not also as unexpected where it points now.
  const wantedElsewhere = new Set([...(wanted ?? [])].flatMap(([, tags]) => tags));
  for (const [digest, tags] of held) {
    const wantedTags = wanted?.get(digest);
    if (wantedTags === undefined) {
      const shown = tags.length > 0 ? `tagged ${tags.join(", ")}` : "untagged";
      findings.push({ kind: "unexpected-digest", repository, digest, tags, message: `${digest} (${shown}) is not promoted here by any manifest` });
      continue;
    }
    for (const tag of tags.filter((tag) => !wantedTags.includes(tag) && !wantedElsewhere.has(tag))) {
      findings.push({ kind: "unexpected-tag", repository, digest, tag, message: `tag ${tag} on ${digest} is in no manifest` });
    }
  }
  for (const [digest, tags] of wanted ?? []) {
    const present = inventory.manifests.has(digest) || (!inventory.complete && !absent.has(digest));
    if (!present) {
      findings.push({ kind: "missing-digest", repository, digest, tags, message: `${digest}${tags.length > 0 ? ` [${tags.join(", ")}]` : ""} is missing` });
      continue;
    }
    for (const tag of tags) {
      const actual = inventory.tags.get(tag);
      if (actual === digest) continue;
      if (actual === undefined) findings.push({ kind: "missing-tag", repository, digest, tag, message: `tag ${tag} of ${digest} is missing` });
      else findings.push({ kind: "tag-moved", repository, digest, tag, actual, message: `tag ${tag} points to ${actual}; the manifests say ${digest}` });
    }
  }
  return findings.sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareText(a.digest ?? "", b.digest ?? "") || compareText(a.tag ?? "", b.tag ?? ""),
  );
}

/** Every kind of finding, in the order reports list them: what production holds too much, then what it lacks. */
export const KIND_ORDER: readonly FindingKind[] = ["unexpected-digest", "unexpected-tag", "tag-moved", "missing-digest", "missing-tag", "unreadable"];
