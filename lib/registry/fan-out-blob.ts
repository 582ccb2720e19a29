/**
 * Copies one blob to several destination repositories, reading it from the source once: each destination is
 * checked (present? mount on the same host?), then the destinations that need the bytes get one branch each of
 * a single source GET ({@link fanOut}). A destination that fails is reported alone; the others go on.
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

/**
 * Copies `blob` from `source` into every destination, streaming it from the source once per attempt for all
 * destinations that need it. Retryable failures are retried per destination, each attempt with a fresh
 * upload session and a fresh source stream shared by the destinations still pending.
 *
 * @param client the registry client
 * @param source the repository holding the blob
 * @param destinations the repositories to copy into (any hosts)
 * @param blob the blob's descriptor (digest, size, foreign `urls`)
 * @param attempts attempts per destination on retryable errors, ≥ 1
 * @returns one result per destination, in the same order; never rejects
 * @example const [prod, mirror] = await copyBlobToMany(client, staging, [prodRepo, mirrorRepo], layer, 3);
 */
export async function copyBlobToMany(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  blob: Descriptor,
  attempts: number,
): Promise<BlobResult[]> {
  const results: Array<BlobResult | undefined> = destinations.map(() => undefined);
  // Foreign layers (Windows base layers) live at their URLs; registries refuse or ignore uploads of them.
  if (blob.urls !== undefined) return destinations.map(() => ({ outcome: "foreign" }));
  let pending = destinations.map((_, index) => index);
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry: number[] = [];
    const settle = (index: number, error: unknown): void => {
      if (error instanceof RegistryError && error.retryable && attempt < attempts) retry.push(index);
      else results[index] = { error };
    };
    const prepared = await Promise.allSettled(pending.map((index) => prepare(client, source, destinations[index]!, blob.digest)));
    const uploads: Array<{ index: number; session: UploadSession }> = [];
    prepared.forEach((outcome, k) => {
      const index = pending[k]!;
      if (outcome.status === "rejected") settle(index, outcome.reason);
      else if (outcome.value === "present" || outcome.value === "mounted") results[index] = { outcome: outcome.value };
      else uploads.push({ index, session: outcome.value });
    });
    if (uploads.length > 0) {
      const sent = await uploadFromOneStream(client, source, destinations, blob, uploads);
      sent.forEach((error, k) => (error === undefined ? (results[uploads[k]!.index] = { outcome: "uploaded" }) : settle(uploads[k]!.index, error)));
    }
    pending = retry;
  }
  return results as BlobResult[];
}

async function prepare(client: RegistryClient, source: RepositoryRef, destination: RepositoryRef, digest: string): Promise<"present" | "mounted" | UploadSession> {
  if ((await client.headBlob(destination, digest)) !== "absent") return "present";
  return source.host === destination.host ? client.mountBlob(destination, digest, source) : client.startUpload(destination);
}

/** Uploads one source GET into every session; returns each upload's error, or undefined when it succeeded. */
async function uploadFromOneStream(
  client: RegistryClient,
  source: RepositoryRef,
  destinations: readonly RepositoryRef[],
  blob: Descriptor,
  uploads: ReadonlyArray<{ index: number; session: UploadSession }>,
): Promise<unknown[]> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = (await client.getBlob(source, blob.digest, blob.size)).stream;
  } catch (error) {
    return uploads.map(() => error);
  }
  const branches = fanOut(stream, uploads.length);
  const outcomes = await Promise.allSettled(
    uploads.map(({ index, session }, k) =>
      // Detached once settled, whatever the outcome: an upload that stopped reading must not stall the others.
      client.uploadBlob(destinations[index]!, session, blob.digest, blob.size, branches[k]!.stream).finally(() => branches[k]!.detach()),
    ),
  );
  return outcomes.map((outcome) => (outcome.status === "rejected" ? outcome.reason : undefined));
}
