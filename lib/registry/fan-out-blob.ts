/**
 * Copies one blob to several destination repositories, reading it from the source once: each destination is
 * checked (present? mount on the same host?), then the destinations that need the bytes get one branch each of
 * a single source GET ({@link fanOut}). A destination whose check is late (waiting out a `Retry-After`) does not
 * hold up that GET: it reads the source on its own. Each destination then goes its own way: one that failed, or
 * fell behind the others and was cut out of the shared stream, tries again alone with its own source read, while
 * the others are already done and can go on to their manifests.
 */
import type { RegistryClient, UploadSession } from "./client";
import { RegistryError } from "./errors";
import { groupByArrival } from "./arrival-groups";
import { fanOut } from "./fan-out";
import type { Descriptor } from "./manifest-contents";
import type { RepositoryRef } from "./reference";

/** What happened to a blob in one destination. */
export type BlobOutcome = "present" | "mounted" | "uploaded" | "foreign";

/** One destination's result of {@link copyBlobToMany}: an outcome, or the error that stopped it. */
export type BlobResult = { readonly outcome: BlobOutcome } | { readonly error: unknown };

/** An attempt's result, with where a failure happened: the checks (already retried by the transport) or the upload. */
type AttemptResult = { readonly outcome: BlobOutcome } | { readonly error: unknown; readonly stage: "check" | "upload" };

/** A copy of one blob to several destinations under way. */
export interface BlobCopy {
  /** Settles when the attempt shared by all destinations is over (the source read once for all). */
  readonly shared: Promise<void>;
  /** One result per destination, in order; each settles on its own and never rejects. */
  readonly results: readonly Promise<BlobResult>[];
}

/**
 * Copies `blob` from `source` into every destination. The first attempt streams it from the source once for all
 * destinations that need it; a destination whose upload fails there on a retryable error — or falls behind the
 * others and is cut out of the shared stream — is retried alone, each attempt with a fresh upload session and its
 * own source stream, without holding up the others. (A failed check — HEAD, mount, upload start — is final: the
 * transport already retried it, and a host that does not answer those is not helped by more. An upload that made
 * no progress for the whole timeout is tried once more, not as often as a reset one.) A destination whose last attempt failed but that holds the blob
 * anyway (another run uploaded it at the same time) counts as `present`.
 *
 * @param client the registry client
 * @param source the repository holding the blob
 * @param destinations the repositories to copy into (any hosts)
 * @param blob the blob's descriptor (digest, size, foreign `urls`)
 * @param attempts attempts per destination on retryable errors, ≥ 1
 * @returns the shared attempt's end, and one result per destination
 * @example const { results } = copyBlobToMany(client, staging, [prodRepo, mirrorRepo], layer, 3);
 * const [prod, mirror] = await Promise.all(results);
 */
export function copyBlobToMany(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  blob: Descriptor,
  attempts: number,
): BlobCopy {
  // Foreign layers (Windows base layers) live at their URLs; registries refuse or ignore uploads of them.
  if (blob.urls !== undefined) {
    return { shared: Promise.resolve(), results: destinations.map(() => Promise.resolve({ outcome: "foreign" } as const)) };
  }
  const first = attemptTogether(client, source, destinations, blob);
  const results = destinations.map(async (destination, index): Promise<BlobResult> => {
    let result = await first.results[index]!;
    let stalls = 0;
    for (let attempt = 2; "error" in result && result.stage === "upload" && isRetryable(result.error) && attempt <= attempts; attempt++) {
      // A destination that stopped taking the upload for the whole timeout gets one more chance, not five.
      if (isStall(result.error) && stalls++ >= 1) break;
      result = await attemptTogether(client, source, [destination], blob).results[0]!;
    }
    if (!("error" in result)) return result;
    const found = await client.headBlob(destination, blob.digest).catch(() => "absent" as const);
    return found === "absent" ? { error: result.error } : { outcome: "present" };
  });
  return { shared: first.sourceRead, results };
}

function isRetryable(error: unknown): boolean {
  return error instanceof RegistryError && error.retryable;
}

function isStall(error: unknown): boolean {
  return error instanceof RegistryError && error.code === "TIMEOUT";
}

/** One attempt for several destinations, each settling on its own; `sourceRead` settles once the source is read. */
interface Attempt {
  readonly sourceRead: Promise<void>;
  readonly results: readonly Promise<AttemptResult>[];
}

/**
 * Largest blob read into memory once for all its destinations rather than streamed: 1 MiB, the size of image
 * configs and of many small layers. An upload from memory that is refused or broken is sent again at once into
 * the same session (the request's own retries), where a streamed one needs a fresh source read and session; and
 * with 16 images of 4 blobs at once, the buffers stay within 64 MiB whatever the number of destinations.
 */
export const IN_MEMORY_UPLOAD_BYTES = 1024 * 1024;

/**
 * One attempt for several destinations: checks, then one source GET fanned out to the destinations that need the
 * bytes. Those whose upload sessions open close together ({@link groupByArrival}) share a GET; a destination whose
 * check answers late (after a `Retry-After`) goes on with a GET of its own rather than holding up the others.
 */
function attemptTogether(client: RegistryClient, source: RepositoryRef, destinations: readonly RepositoryRef[], blob: Descriptor): Attempt {
  // The checks are quick (HEAD, then a mount or an upload start): who needs the bytes is known before the source is read.
  const checks = destinations.map((destination) => prepare(client, source, destination, blob.digest));
  const groups = groupByArrival(checks, (check) => typeof check !== "string");
  const streams = new Map<readonly number[], Promise<ReturnType<typeof uploadFromOneStream>>>();
  const streamOf = (group: readonly number[]) => {
    let stream = streams.get(group);
    if (stream === undefined) {
      // Every member's check has answered with an upload session before its group closed.
      stream = Promise.all(group.map((member) => checks[member]!)).then((sessions) =>
        uploadFromOneStream(client, source, destinations, blob, group.map((member, k) => ({ index: member, session: sessions[k] as UploadSession }))),
      );
      streams.set(group, stream);
    }
    return stream;
  };
  const results = destinations.map(async (_, index): Promise<AttemptResult> => {
    let check: Awaited<(typeof checks)[number]>;
    try {
      check = await checks[index]!;
    } catch (error) {
      return { error, stage: "check" };
    }
    if (check === "present" || check === "mounted") return { outcome: check };
    const group = (await groups[index])!;
    const error = await (await streamOf(group)).uploads[group.indexOf(index)]!;
    return error === undefined ? { outcome: "uploaded" } : { error, stage: "upload" };
  });
  // The attempt's shared part is the source read of the first group to close; with no upload at all, the checks.
  const firstGroup = new Promise<readonly number[] | undefined>((resolve) => {
    for (const membership of groups) void membership.then((group) => group && resolve(group));
    void Promise.all(groups).then(() => resolve(undefined));
  });
  const sourceRead = firstGroup.then((group) => group && streamOf(group).then((stream) => stream.sourceRead));
  return { sourceRead, results };
}

async function prepare(client: RegistryClient, source: RepositoryRef, destination: RepositoryRef, digest: string): Promise<"present" | "mounted" | UploadSession> {
  if ((await client.headBlob(destination, digest)) !== "absent") return "present";
  return source.host === destination.host ? client.mountBlob(destination, digest, source) : client.startUpload(destination);
}

/**
 * Uploads one source GET into every session: per upload, its error or undefined when it succeeded (each settling on
 * its own), and when the source has been read to its end (or given up).
 */
function uploadFromOneStream(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  blob: Descriptor,
  uploads: ReadonlyArray<{ index: number; session: UploadSession }>,
): { sourceRead: Promise<void>; uploads: Promise<unknown>[] } {
  let sourceDone!: () => void;
  const sourceRead = new Promise<void>((resolve) => (sourceDone = resolve));
  if (blob.size <= IN_MEMORY_UPLOAD_BYTES) {
    // Read once into memory for every destination: an upload refused or broken is sent again from there.
    // getBlob's stream checks size and digest as it flows, so no more than the descriptor's size is ever held.
    const read = client.getBlob(source, blob.digest, blob.size)
      .then(async ({ stream }) => ({ bytes: new Uint8Array(await new Response(stream).arrayBuffer()) }), (error: unknown) => ({ error }))
      .catch((error: unknown) => ({ error }))
      .finally(sourceDone);
    const sent = uploads.map(async ({ index, session }) => {
      const content = await read;
      if ("error" in content) return content.error;
      return client.uploadBlob(destinations[index]!, session, blob.digest, blob.size, content.bytes).then(() => undefined, (error: unknown) => error);
    });
    return { sourceRead, uploads: sent };
  }
  const opened = client.getBlob(source, blob.digest, blob.size).then(
    ({ stream }) => {
      const branches = fanOut(observeEnd(stream, sourceDone), uploads.length, {
        cutError: (k) => new RegistryError("fell behind the other destinations of this blob; it is copied on its own", {
          method: "PUT", url: uploads[k]!.session.location, code: "FELL_BEHIND", retryable: true,
        }),
      });
      return { branches };
    },
    (error: unknown) => {
      sourceDone();
      return { error };
    },
  );
  const sent = uploads.map(async ({ index, session }, k) => {
    const source = await opened;
    if ("error" in source) return source.error;
    const branch = source.branches[k]!;
    // Detached once settled, whatever the outcome: an upload that stopped reading must not stall the others.
    return client.uploadBlob(destinations[index]!, session, blob.digest, blob.size, branch.stream).then(
      () => undefined,
      (error: unknown) => error,
    ).finally(() => branch.detach());
  });
  return { sourceRead, uploads: sent };
}

/** The same stream, telling `ended` once it has been read to its end, has failed, or was cancelled. */
function observeEnd(stream: ReadableStream<Uint8Array>, ended: () => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        ended();
        throw error;
      }
      if (next.done) {
        ended();
        controller.close();
      } else controller.enqueue(next.value);
    },
    cancel: (reason) => {
      ended();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
