/**
 * Copies one blob to several destination repositories, reading it from the source once: each destination is
 * checked (present? mount on the same host?), then the destinations that need the bytes get one branch each of
 * a single source GET ({@link fanOut}). Each destination then goes its own way: one that failed, or fell behind
 * the others and was cut out of the shared stream, tries again alone with its own source read, while the others
 * are already done and can go on to their manifests.
 */
import type { RegistryClient, UploadSession } from "./client";
import { RegistryError } from "./errors";
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

/** One attempt for several destinations: checks, then one source GET fanned out to those that need the bytes. */
function attemptTogether(client: RegistryClient, source: RepositoryRef, destinations: readonly RepositoryRef[], blob: Descriptor): Attempt {
  // The checks are quick (HEAD, then a mount or an upload start): who needs the bytes is known before the source is read.
  const checked = Promise.allSettled(destinations.map((destination) => prepare(client, source, destination, blob.digest)));
  const uploads = checked.then((prepared) => {
    const sessions = prepared.flatMap((outcome, index) =>
      outcome.status === "fulfilled" && typeof outcome.value !== "string" ? [{ index, session: outcome.value }] : [],
    );
    return { prepared, sessions, sent: sessions.length > 0 ? uploadFromOneStream(client, source, destinations, blob, sessions) : undefined };
  });
  const results = destinations.map(async (_, index): Promise<AttemptResult> => {
    const { prepared, sessions, sent } = await uploads;
    const outcome = prepared[index]!;
    if (outcome.status === "rejected") return { error: outcome.reason, stage: "check" };
    if (outcome.value === "present" || outcome.value === "mounted") return { outcome: outcome.value };
    const error = await sent!.uploads[sessions.findIndex((upload) => upload.index === index)]!;
    return error === undefined ? { outcome: "uploaded" } : { error, stage: "upload" };
  });
  return { sourceRead: uploads.then(({ sent }) => sent?.sourceRead), results };
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
