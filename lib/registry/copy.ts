/**
 * Copies one image by digest from a repository to one or several others, children before parents so no
 * manifest ever points at missing content: blobs (skip if present, mount on the same host, else stream from the
 * source once for all destinations), image manifests, then the index. Tags are a separate step ({@link tagImage}) done by the caller after the copy.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RegistryClient, RawManifest } from "./client";
import { RegistryError } from "./errors";
import { groupByArrival } from "./arrival-groups";
import { copyBlobToMany, type BlobResult } from "./fan-out-blob";
import { createLimiter, type Limiter } from "./limit";
import { manifestContents, type Descriptor } from "./manifest-contents";
import { formatRepository, type RepositoryRef } from "./reference";

/**
 * Attempts per blob and destination. An upload streams its body, so the transport cannot resend it: the whole
 * blob is restarted instead, and under a registry refusing a quarter of all requests each attempt fails one time
 * in four.
 */
export const DEFAULT_BLOB_ATTEMPTS = 6;

/** What happened to one piece of content, for progress displays. */
export type CopyEvent =
  | { readonly kind: "blob"; readonly digest: string; readonly size: number; readonly outcome: "present" | "mounted" | "uploaded" | "foreign" }
  | { readonly kind: "manifest"; readonly digest: string; readonly outcome: "present" | "written" };

/** Options of {@link copyImage}. */
export interface CopyOptions {
  /** Blobs copied at once, across all platforms of an index; default 4. */
  readonly concurrency?: number;
  /** Attempts per blob (each a fresh source stream and upload session) on retryable errors; default {@link DEFAULT_BLOB_ATTEMPTS}. */
  readonly blobAttempts?: number;
  /** Called as each blob and manifest is handled. */
  readonly onEvent?: (event: CopyEvent) => void;
}

/** Counts of what {@link copyImage} did. */
export interface CopyResult {
  /** Manifests PUT (index and children). */
  manifestsWritten: number;
  /** Manifests already in the destination. */
  manifestsPresent: number;
  /** Blobs streamed from source to destination. */
  blobsUploaded: number;
  /** Blobs mounted from the source repository. */
  blobsMounted: number;
  /** Blobs already in the destination. */
  blobsPresent: number;
  /** Bytes streamed (uploaded blobs only). */
  bytesUploaded: number;
  /** The copied top-level manifest, when it was written (not when already present): lets the caller tag without a GET. */
  manifest?: RawManifest;
}

/** One destination's result of {@link copyImageToMany}: the counts, or the error that stopped it. */
export type DestinationResult = { readonly ok: true; readonly result: CopyResult } | { readonly ok: false; readonly error: unknown };

/** Options of {@link copyImageToMany}: those of {@link copyImage}, with events naming their destination. */
export interface CopyToManyOptions extends Omit<CopyOptions, "onEvent"> {
  /** Called as each blob and manifest is handled in a destination. */
  readonly onEvent?: (event: CopyEvent, destination: RepositoryRef) => void;
}

/** One destination's progress through a copy; `error` set means it is dropped from the rest of the image. */
interface DestinationState {
  readonly destination: RepositoryRef;
  readonly result: CopyResult;
  error?: unknown;
}

interface CopyContext {
  readonly client: RegistryClient;
  readonly source: RepositoryRef;
  readonly limit: Limiter;
  readonly attempts: number;
  readonly onEvent: (event: CopyEvent, destination: RepositoryRef) => void;
  /** Blob digest → the destinations it is being copied into for this image, and when each holds it. */
  readonly blobs: Map<string, Map<DestinationState, Promise<void>>>;
  /** Manifest digest → its source read, started when the first destination is found to lack it. */
  readonly manifests: Map<string, Promise<SourceManifest>>;
}

/** A source manifest read and parsed. */
interface SourceManifest {
  readonly raw: RawManifest;
  readonly contents: ReturnType<typeof manifestContents>;
}

/**
 * Copies the manifest `digest` and everything under it from `source` to `destination`, by digest (no tag).
 * Idempotent: content already in the destination is skipped.
 *
 * @param client the registry client
 * @param source repository holding the image
 * @param destination repository to copy into (same or another host)
 * @param digest the manifest digest
 * @param options concurrency, retries, progress
 * @returns counts of what was written and skipped
 * @throws RegistryError on any registry failure, or code `DIGEST_MISMATCH` when the destination stores
 *   another digest than the source's
 * @example await copyImage(client, parseRepository("127.0.0.1:5000/staging/app"),
 *   parseRepository("127.0.0.1:5001/prod/app"), "sha256:…");
 */
export async function copyImage(
  client: RegistryClient,
  source: RepositoryRef,
  destination: RepositoryRef,
  digest: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const { onEvent, ...rest } = options;
  const [outcome] = await copyImageToMany(client, source, [destination], digest, onEvent === undefined ? rest : { ...rest, onEvent: (event) => onEvent(event) });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

/**
 * Copies the manifest `digest` and everything under it from `source` to several destinations at once, reading
 * each source manifest once and streaming each blob from the source once for all destinations that need it.
 * In every destination, blobs are written before the manifests that point at them, and children before the
 * index. A destination that fails is dropped from the rest of the copy and reported alone; the others go on.
 *
 * @param client the registry client
 * @param source repository holding the image
 * @param destinations repositories to copy into (any hosts; same-host ones mount)
 * @param digest the manifest digest
 * @param options concurrency (blobs at once, for all destinations together), retries, progress
 * @returns one result per destination, in order: counts as {@link copyImage} returns them, or the error
 *   {@link copyImage} would have thrown; never rejects
 * @example const [prod, mirror] = await copyImageToMany(client, staging, [prodRepo, mirrorRepo], "sha256:…");
 * if (!prod.ok) console.error(prod.error);
 */
export async function copyImageToMany(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  digest: string,
  options: CopyToManyOptions = {},
): Promise<DestinationResult[]> {
  return Promise.all(await copyImageToEach(client, source, destinations, digest, options));
}

/**
 * Like {@link copyImageToMany}, with each destination's result on its own: a destination's promise settles as soon
 * as that destination holds the image (or failed), whatever the others are still doing, so its caller can tag it
 * without waiting for a slow destination.
 *
 * @param client the registry client
 * @param source repository holding the image
 * @param destinations repositories to copy into
 * @param digest the manifest digest
 * @param options concurrency, retries, progress
 * @returns one promise per destination, in order; none rejects
 */
export async function copyImageToEach(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  digest: string,
  options: CopyToManyOptions = {},
): Promise<Promise<DestinationResult>[]> {
  const states: DestinationState[] = destinations.map((destination) => ({
    destination,
    result: { manifestsWritten: 0, manifestsPresent: 0, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 0, bytesUploaded: 0 },
  }));
  const context: CopyContext = {
    client, source,
    limit: createLimiter(options.concurrency ?? 4),
    attempts: options.blobAttempts ?? DEFAULT_BLOB_ATTEMPTS,
    onEvent: options.onEvent ?? (() => {}),
    blobs: new Map(),
    manifests: new Map(),
  };
  const done = copyManifest(context, states, digest);
  return states.map(async (state, index): Promise<DestinationResult> => {
    const outcome = await done[index]!;
    if (state.error !== undefined) return { ok: false, error: state.error };
    if (outcome === "written") state.result.manifest = (await context.manifests.get(digest)!).raw;
    return { ok: true, result: state.result };
  });
}

/**
 * Points a tag at a digest already in the repository by PUTting the same manifest bytes under the tag, then
 * checks the registry stored that digest.
 *
 * @param client the registry client
 * @param repository the repository holding the digest
 * @param digest the manifest digest
 * @param tag the tag to set
 * @param manifest the manifest's bytes if the caller has them (saves a GET)
 * @throws RegistryError when the PUT fails (and the tag does not point at `digest` anyway) or the tag resolves to
 *   another digest (code `DIGEST_MISMATCH`)
 */
export async function tagImage(client: RegistryClient, repository: RepositoryRef, digest: string, tag: string, manifest?: RawManifest): Promise<void> {
  const raw = manifest ?? (await client.getManifest(repository, digest));
  const stored = await writeOrFindInPlace(client, repository, tag, digest, () => client.putManifest(repository, tag, raw.bytes, raw.mediaType));
  if (stored !== digest) throw mismatch(repository, tag, stored, digest);
}

/**
 * What distribution answers when a manifest PUT reads a link file (of a blob or a child manifest it checks) at the
 * moment another writer has truncated it to rewrite it in place: the content is there, the read saw an empty file.
 */
const HALF_WRITTEN_LINK_CODES: ReadonlySet<string | undefined> = new Set(["DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN"]);

/** Attempts of a manifest write refused with one of {@link HALF_WRITTEN_LINK_CODES}. */
const MANIFEST_WRITE_ATTEMPTS = 4;

/**
 * Pause before the next such attempt, times the attempts made: on a busy host the other writer can sit for tens of
 * milliseconds between truncating a link and writing it, and one link is rewritten once per writer of its content.
 */
const HALF_WRITTEN_LINK_PAUSE_MS = 100;

/**
 * Runs a manifest write; when it fails, looks whether the manifest is in place anyway — another run wrote it at the
 * same time (distribution rewrites its link files in place, so a concurrent write can fail on a file another has
 * half-written), or the answer was lost after the registry stored it — and if so counts the write as done. When it
 * is not in place and the registry said a blob or child it points at was unreadable, writes again: the caller put
 * those in place before, so the registry read a link file another run was rewriting.
 *
 * @returns the digest the registry stored (the write's answer, or `expected` when found in place)
 * @throws the last write's error when the reference does not hold `expected` after all
 */
async function writeOrFindInPlace(
  client: RegistryClient,
  repository: RepositoryRef,
  reference: string,
  expected: string,
  write: () => Promise<string>,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const found = await client.headManifest(repository, reference).catch(() => "absent" as const);
      if (found !== "absent" && found.digest === expected) return expected;
      const halfWrittenLink = error instanceof RegistryError && error.status === 400 && HALF_WRITTEN_LINK_CODES.has(error.code);
      if (!halfWrittenLink || attempt >= MANIFEST_WRITE_ATTEMPTS) throw error;
      await sleep(HALF_WRITTEN_LINK_PAUSE_MS * attempt);
    }
  }
}

/** How a destination ended up with a manifest. */
type ManifestOutcome = "present" | "written" | "dropped";

/**
 * Copies one manifest tree into the destinations that lack it. No destination waits for another's answers: the
 * source manifest is read as soon as one destination is found to lack it, destinations found lacking it close
 * together copy its content together ({@link groupByArrival}), one found later goes on in a later group, and each
 * writes the manifest as soon as its own blobs (or child manifests) are in, so a slow or failing destination never
 * holds up the others.
 *
 * @returns per state, in order: how it ended up with the manifest; never rejects
 */
function copyManifest(context: CopyContext, states: readonly DestinationState[], digest: string): Promise<ManifestOutcome>[] {
  const present = states.map(async (state): Promise<boolean | undefined> => {
    if (state.error !== undefined) return undefined;
    try {
      const found = (await context.client.headManifest(state.destination, digest)) !== "absent";
      if (!found) void sourceManifest(context, digest).catch(() => undefined);
      return found;
    } catch (error) {
      drop(state, error);
      return undefined;
    }
  });
  const groups = groupByArrival(present, (found) => found === false);
  const copies = new Map<readonly number[], Promise<"written" | "dropped">[]>();
  return states.map(async (state, index): Promise<ManifestOutcome> => {
    const found = await present[index]!;
    if (found === true) {
      state.result.manifestsPresent++;
      context.onEvent({ kind: "manifest", digest, outcome: "present" }, state.destination);
      return "present";
    }
    if (found === undefined) return "dropped";
    const group = (await groups[index])!;
    let copy = copies.get(group);
    if (copy === undefined) copies.set(group, (copy = copyMissing(context, group.map((member) => states[member]!), digest)));
    return copy[group.indexOf(index)]!;
  });
}

/** The source manifest `digest`, read once per image copy. */
function sourceManifest(context: CopyContext, digest: string): Promise<SourceManifest> {
  let read = context.manifests.get(digest);
  if (read === undefined) {
    read = context.client.getManifest(context.source, digest).then((raw) => ({ raw, contents: manifestContents(raw.bytes, raw.mediaType) }));
    context.manifests.set(digest, read);
  }
  return read;
}

/** Copies a manifest's content, then the manifest, into destinations that lack it; per destination, in order. */
function copyMissing(context: CopyContext, missing: readonly DestinationState[], digest: string): Promise<"written" | "dropped">[] {
  const prerequisites = sourceManifest(context, digest).then(({ contents }): Array<Promise<unknown>>[] => {
    // Per missing destination: what must be in before its manifest may be written.
    if (contents.kind === "index") {
      const children = contents.children.map((child) => copyManifest(context, missing, child.digest));
      return missing.map((_, m) => children.map((child) => child[m]!));
    }
    const blobs = new Map<string, Descriptor>();
    for (const blob of [contents.config, ...contents.layers]) blobs.set(blob.digest, blob);
    const copies = [...blobs.values()].map((blob) => copyBlob(context, missing, blob));
    return missing.map((_, m) => copies.map((perState) => perState[m]!));
  });
  return missing.map(async (state, m): Promise<"written" | "dropped"> => {
    try {
      await Promise.all((await prerequisites)[m]!);
      if (state.error !== undefined) return "dropped";
      const { raw } = await sourceManifest(context, digest);
      const put = () => context.client.putManifest(state.destination, digest, raw.bytes, raw.mediaType);
      const stored = await writeOrFindInPlace(context.client, state.destination, digest, digest, put);
      if (stored !== digest) throw mismatch(state.destination, digest, stored, digest);
      state.result.manifestsWritten++;
      context.onEvent({ kind: "manifest", digest, outcome: "written" }, state.destination);
      return "written";
    } catch (error) {
      drop(state, error);
      return "dropped";
    }
  });
}

/**
 * Copies a blob into the states, within the blob concurrency limit for the attempt they share; per state, a
 * promise that settles once that destination holds the blob or is dropped (never rejects). A blob several
 * manifests of one image share (a layer common to its platforms) is copied once per destination: a state it is
 * already under way for waits for that copy instead of uploading it a second time.
 */
function copyBlob(context: CopyContext, states: readonly DestinationState[], blob: Descriptor): Promise<void>[] {
  let underWay = context.blobs.get(blob.digest);
  if (!underWay) context.blobs.set(blob.digest, (underWay = new Map()));
  const targets = states.filter((state) => state.error === undefined && !underWay.has(state));
  if (targets.length > 0) {
    const results = context.limit(async () => {
      const copy = copyBlobToMany(context.client, context.source, targets.map((state) => state.destination), blob, context.attempts);
      await copy.shared;
      return copy.results;
    });
    targets.forEach((state, index) => underWay.set(state, results.then((all) => all[index]!).then((outcome) => record(context, state, blob, outcome))));
  }
  return states.map((state) => underWay.get(state) ?? Promise.resolve());
}

/** Counts a blob's outcome in a destination, or drops the destination with its error. */
function record(context: CopyContext, state: DestinationState, blob: Descriptor, outcome: BlobResult): void {
  if ("error" in outcome) return drop(state, outcome.error);
  const { result } = state;
  if (outcome.outcome === "present") result.blobsPresent++;
  else if (outcome.outcome === "mounted") result.blobsMounted++;
  else if (outcome.outcome === "uploaded") {
    result.blobsUploaded++;
    result.bytesUploaded += blob.size;
  }
  context.onEvent({ kind: "blob", digest: blob.digest, size: blob.size, outcome: outcome.outcome }, state.destination);
}

/** Keeps the first error of a destination, which is the one to report. */
function drop(state: DestinationState, error: unknown): void {
  if (state.error === undefined) state.error = error;
}

function mismatch(repository: RepositoryRef, reference: string, stored: string, expected: string): RegistryError {
  return new RegistryError(`registry stored ${stored}, expected ${expected}`, {
    method: "PUT", url: `${formatRepository(repository)}:${reference}`, code: "DIGEST_MISMATCH", retryable: false,
  });
}
