/**
 * What the network layer has learned about registries, as plain data the planner reasons over. The network
 * layer performs the {@link Read}s that `readsNeeded` asks for and records each answer with
 * {@link recordTagList} or {@link recordHead}; the planner never talks to a registry itself.
 */

/**
 * A read the planner needs: a repository's tag list, a manifest HEAD by tag or by digest, or the child manifests
 * of an index (a GET, asked for only where the source holds signature tags of digests no entry promotes).
 */
export type Read =
  | { readonly kind: "tags"; readonly repository: string }
  | { readonly kind: "head"; readonly repository: string; readonly reference: string }
  | { readonly kind: "children"; readonly repository: string; readonly reference: string };

/** What is known about one repository. */
export interface RepositoryObservation {
  /**
   * True once the tag list was read (a repository that does not exist yet reads as an empty list). A repository
   * that is never listed (a destination read tag by tag, see `repositoriesToList`) knows only the tags HEADs
   * answered: {@link RepositoryObservation.tags} for those found, {@link RepositoryObservation.absentTags} for 404s.
   */
  listed: boolean;
  /**
   * True when the tag list came with the GCR/Artifact Registry `manifest` extension (digest → tags): it names
   * every manifest in the repository, tagged or not, so any digest it does not name is absent.
   */
  complete: boolean;
  /** Every tag listed → the digest it points to once known (a HEAD or the extension), `undefined` until then. */
  readonly tags: Map<string, string | undefined>;
  /** Tags a HEAD answered 404 for: absent, whether or not the repository was listed. */
  readonly absentTags: Set<string>;
  /** Digests known to be present. */
  readonly present: Set<string>;
  /** Digests known to be absent (a HEAD by digest answered 404). */
  readonly absent: Set<string>;
  /** Manifest digest → the digests of its child manifests (empty for an image), once read. */
  readonly children: Map<string, readonly string[]>;
}

/** Observations of every repository read so far, keyed by repository (`host[:port]/path`). */
export type Observations = Map<string, RepositoryObservation>;

/** Whether a digest is in a repository, as far as is known. */
export type DigestState = "present" | "absent" | "unknown";

/**
 * Every answer recorded into one {@link Observations}, in order: the repository, and the HEAD's reference
 * (`undefined` for a tag list). The planner uses it to re-assess only what a round's answers can have changed.
 */
export interface ObservationJournal {
  readonly repositories: readonly string[];
  readonly references: readonly (string | undefined)[];
}

// Kept beside the map rather than in it, so Observations stays a plain Map of repositories.
const journals = new WeakMap<Observations, { repositories: string[]; references: (string | undefined)[] }>();

/**
 * The journal of what was recorded into `observations` with {@link recordTagList} and {@link recordHead}
 * (observations must be changed only through those two).
 *
 * @param observations the observations
 * @returns the journal, growing as answers are recorded
 */
export function observationJournal(observations: Observations): ObservationJournal {
  return journalOf(observations);
}

function journalOf(observations: Observations): { repositories: string[]; references: (string | undefined)[] } {
  let journal = journals.get(observations);
  if (!journal) journals.set(observations, (journal = { repositories: [], references: [] }));
  return journal;
}

/** @returns an empty set of observations, to fill with {@link recordTagList} and {@link recordHead} */
export function emptyObservations(): Observations {
  return new Map();
}

/**
 * Records a repository's tag list.
 *
 * @param observations changed in place
 * @param repository e.g. `127.0.0.1:5000/prod/foo`
 * @param tags the names from `tags/list` (all pages); empty for a repository that does not exist
 * @param digestTags the GCR/Artifact Registry extension's digest → tags, when the registry returned it
 * @throws Error when `digestTags` names a tag that `tags` does not (an inconsistent answer)
 * @example
 * recordTagList(observations, "127.0.0.1:5000/prod/foo", ["1.0", "latest"]);
 */
export function recordTagList(
  observations: Observations,
  repository: string,
  tags: readonly string[],
  digestTags?: ReadonlyMap<string, readonly string[]>,
): void {
  const observation = observationOf(observations, repository);
  const journal = journalOf(observations);
  journal.repositories.push(repository);
  journal.references.push(undefined);
  observation.listed = true;
  for (const tag of tags) if (!observation.tags.has(tag)) observation.tags.set(tag, undefined);
  if (digestTags) {
    observation.complete = true;
    for (const [digest, digestTagList] of digestTags) {
      observation.present.add(digest);
      for (const tag of digestTagList) {
        if (!observation.tags.has(tag)) throw new Error(`${repository}: extension names tag ${tag} missing from the tag list`);
        observation.tags.set(tag, digest);
      }
    }
  }
}

/**
 * Records the answer to a manifest HEAD.
 *
 * @param observations changed in place
 * @param read the HEAD that was made (its reference is a tag or a `sha256:` digest)
 * @param digest the `Docker-Content-Digest` answered, or `undefined` for 404 (a tag is recorded as absent, and
 *   forgotten if the list named it; a digest is recorded as absent)
 * @throws Error when `read` is not a HEAD
 */
export function recordHead(observations: Observations, read: Read, digest: string | undefined): void {
  if (read.kind !== "head") throw new Error(`recordHead needs a head read, got ${read.kind}`);
  const observation = observationOf(observations, read.repository);
  const journal = journalOf(observations);
  journal.repositories.push(read.repository);
  journal.references.push(read.reference);
  if (read.reference.startsWith("sha256:")) {
    if (digest === undefined) observation.absent.add(read.reference);
    else observation.present.add(read.reference);
    return;
  }
  if (digest === undefined) {
    observation.tags.delete(read.reference);
    observation.absentTags.add(read.reference);
  } else {
    observation.tags.set(read.reference, digest);
    observation.present.add(digest);
  }
}

/**
 * Records the child manifests of a manifest (the answer to a `children` read).
 *
 * @param observations changed in place
 * @param read the `children` read that was made
 * @param children the digests of the manifest's children (empty for an image manifest)
 * @throws Error when `read` is not a `children` read
 */
export function recordChildren(observations: Observations, read: Read, children: readonly string[]): void {
  if (read.kind !== "children") throw new Error(`recordChildren needs a children read, got ${read.kind}`);
  const journal = journalOf(observations);
  journal.repositories.push(read.repository);
  journal.references.push(childrenKey(read.reference));
  observationOf(observations, read.repository).children.set(read.reference, children);
}

/**
 * The journal's and the planner's key for a `children` read of `digest` (kept apart from a HEAD of the same digest).
 *
 * @param digest the manifest digest
 * @returns `children:<digest>`
 */
export function childrenKey(digest: string): string {
  return `children:${digest}`;
}

/**
 * Whether `digest` is in `repository`, from what has been observed.
 *
 * @returns `"unknown"` until a HEAD or the extension settles it
 */
export function digestState(observations: Observations, repository: string, digest: string): DigestState {
  const observation = observations.get(repository);
  if (!observation) return "unknown";
  if (observation.present.has(digest)) return "present";
  if (observation.absent.has(digest)) return "absent";
  return observation.listed && observation.complete ? "absent" : "unknown";
}

function observationOf(observations: Observations, repository: string): RepositoryObservation {
  let observation = observations.get(repository);
  if (!observation) {
    observation = {
      listed: false, complete: false, tags: new Map(), absentTags: new Set(), present: new Set(), absent: new Set(), children: new Map(),
    };
    observations.set(repository, observation);
  }
  return observation;
}
