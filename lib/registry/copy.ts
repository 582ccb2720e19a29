/**
 * Copies one image by digest between repositories, children before parents so no manifest ever points at
 * missing content: blobs (skip if present, mount on the same host, else stream), image manifests, then the
 * index. Tags are a separate step ({@link tagImage}) done by the caller after the copy.
 */
import type { RegistryClient, RawManifest } from "./client";
import { RegistryError } from "./errors";
import { createLimiter, type Limiter } from "./limit";
import { manifestContents, type Descriptor } from "./manifest-contents";
import { formatRepository, type RepositoryRef } from "./reference";

/** What happened to one piece of content, for progress displays. */
export type CopyEvent =
  | { readonly kind: "blob"; readonly digest: string; readonly size: number; readonly outcome: "present" | "mounted" | "uploaded" | "foreign" }
  | { readonly kind: "manifest"; readonly digest: string; readonly outcome: "present" | "written" };

/** Options of {@link copyImage}. */
export interface CopyOptions {
  /** Blobs copied at once, across all platforms of an index; default 4. */
  readonly concurrency?: number;
  /** Attempts per blob (each a fresh source stream and upload session) on retryable errors; default 3. */
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

interface CopyContext {
  readonly client: RegistryClient;
  readonly source: RepositoryRef;
  readonly destination: RepositoryRef;
  readonly limit: Limiter;
  readonly attempts: number;
  readonly onEvent: (event: CopyEvent) => void;
  readonly result: CopyResult;
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
  const result: CopyResult = { manifestsWritten: 0, manifestsPresent: 0, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 0, bytesUploaded: 0 };
  const context: CopyContext = {
    client, source, destination, result,
    limit: createLimiter(options.concurrency ?? 4),
    attempts: options.blobAttempts ?? 3,
    onEvent: options.onEvent ?? (() => {}),
  };
  const manifest = await copyManifest(context, digest);
  if (manifest !== undefined) result.manifest = manifest;
  return result;
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
 * @throws RegistryError when the PUT fails or the tag resolves to another digest (code `DIGEST_MISMATCH`)
 */
export async function tagImage(client: RegistryClient, repository: RepositoryRef, digest: string, tag: string, manifest?: RawManifest): Promise<void> {
  const raw = manifest ?? (await client.getManifest(repository, digest));
  const stored = await client.putManifest(repository, tag, raw.bytes, raw.mediaType);
  if (stored !== digest) throw mismatch(repository, tag, stored, digest);
}

async function copyManifest(context: CopyContext, digest: string): Promise<RawManifest | undefined> {
  const { client, source, destination, result } = context;
  const present = await client.headManifest(destination, digest);
  if (present !== "absent") {
    result.manifestsPresent++;
    context.onEvent({ kind: "manifest", digest, outcome: "present" });
    return undefined;
  }
  const raw = await client.getManifest(source, digest);
  const contents = manifestContents(raw.bytes, raw.mediaType);
  if (contents.kind === "index") {
    await settleAll(contents.children.map((child) => copyManifest(context, child.digest)));
  } else {
    const blobs = new Map<string, Descriptor>();
    for (const blob of [contents.config, ...contents.layers]) blobs.set(blob.digest, blob);
    await settleAll([...blobs.values()].map((blob) => context.limit(() => copyBlob(context, blob))));
  }
  const stored = await client.putManifest(destination, digest, raw.bytes, raw.mediaType);
  if (stored !== digest) throw mismatch(destination, digest, stored, digest);
  result.manifestsWritten++;
  context.onEvent({ kind: "manifest", digest, outcome: "written" });
  return raw;
}

async function copyBlob(context: CopyContext, blob: Descriptor): Promise<void> {
  const { client, source, destination, result } = context;
  const event = (outcome: "present" | "mounted" | "uploaded" | "foreign") =>
    context.onEvent({ kind: "blob", digest: blob.digest, size: blob.size, outcome });
  // Foreign layers (Windows base layers) live at their URLs; registries refuse or ignore uploads of them.
  if (blob.urls !== undefined) return event("foreign");
  for (let attempt = 1; ; attempt++) {
    try {
      if ((await client.headBlob(destination, blob.digest)) !== "absent") {
        result.blobsPresent++;
        return event("present");
      }
      const session = source.host === destination.host ? await client.mountBlob(destination, blob.digest, source) : await client.startUpload(destination);
      if (session === "mounted") {
        result.blobsMounted++;
        return event("mounted");
      }
      const { stream } = await client.getBlob(source, blob.digest, blob.size);
      await client.uploadBlob(destination, session, blob.digest, blob.size, stream).catch(async (error: unknown) => {
        await stream.cancel().catch(() => {});
        throw error;
      });
      result.blobsUploaded++;
      result.bytesUploaded += blob.size;
      return event("uploaded");
    } catch (error) {
      if (!(error instanceof RegistryError) || !error.retryable || attempt >= context.attempts) throw error;
    }
  }
}

/** Waits for every task (so nothing keeps writing after we return), then throws the first failure. */
async function settleAll(tasks: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const outcomes = await Promise.allSettled(tasks);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

function mismatch(repository: RepositoryRef, reference: string, stored: string, expected: string): RegistryError {
  return new RegistryError(`registry stored ${stored}, expected ${expected}`, {
    method: "PUT", url: `${formatRepository(repository)}:${reference}`, code: "DIGEST_MISMATCH", retryable: false,
  });
}
