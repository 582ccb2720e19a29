/**
 * OCI 1.1 referrers: finding the manifests attached to an image by `subject` (through the referrers API, else the
 * `sha256-<hex>` fallback index), and listing new ones in a destination that has no referrers API by merging them
 * into its fallback index without losing an entry another writer put there.
 */
import type { ReferrerDescriptor, RegistryClient } from "./client";
import { RegistryError } from "./errors";
import { OCI_INDEX } from "./media-types";
import type { RepositoryRef } from "./reference";

/** The referrers of one subject, and how the registry lists them. */
export interface Referrers {
  /** `api`: the registry has the referrers API; `fallback`: it lists them in the `sha256-<hex>` tag's index. */
  readonly via: "api" | "fallback";
  readonly descriptors: readonly ReferrerDescriptor[];
  /** The fallback index's exact bytes, when it was read. */
  readonly fallbackIndex?: Uint8Array;
}

/** Options of {@link findReferrers}. */
export interface FindReferrersOptions {
  /** Whether the repository's tag list holds the fallback tag, when known: absent saves a GET. */
  readonly fallbackTagListed?: boolean;
  /**
   * Per-host memory of referrers API support, shared across calls: the first call to a host asks, the others wait
   * for its answer, so a host without the API is asked once per run.
   */
  readonly support?: Map<string, Promise<boolean>>;
}

/**
 * The tag of the referrers fallback index of a digest: `sha256:<hex>` → `sha256-<hex>`.
 *
 * @param digest the subject's digest
 * @returns the tag
 */
export function fallbackTag(digest: string): string {
  return digest.replace(":", "-");
}

/**
 * Finds the manifests that refer to `digest`: through the referrers API where the registry has it, else from the
 * fallback index tagged `sha256-<hex>`.
 *
 * @param client the registry client
 * @param repo the repository
 * @param digest the subject's digest
 * @param options what is known already (the tag list; API support per host)
 * @returns the referrers and how they were found
 * @throws RegistryError when a registry read fails
 */
export async function findReferrers(client: RegistryClient, repo: RepositoryRef, digest: string, options: FindReferrersOptions = {}): Promise<Referrers> {
  const known = options.support?.get(repo.host);
  if (known === undefined || (await known.catch(() => true))) {
    const listed = client.listReferrers(repo, digest);
    if (known === undefined) options.support?.set(repo.host, listed.then((answer) => answer !== "unsupported"));
    const answer = await listed;
    if (answer !== "unsupported") return { via: "api", descriptors: answer };
  }
  if (options.fallbackTagListed === false) return { via: "fallback", descriptors: [] };
  const index = await readFallbackIndex(client, repo, digest);
  return index === undefined ? { via: "fallback", descriptors: [] } : { via: "fallback", descriptors: index.descriptors, fallbackIndex: index.bytes };
}

/**
 * Adds descriptors to a fallback index, keeping every entry already there (and its bytes' other fields) as is.
 *
 * @param existing the index's current bytes, or undefined when there is none yet
 * @param additions the descriptors to list
 * @returns the new index bytes, or undefined when every addition is listed already (nothing to write)
 * @throws Error when `existing` is not an image index
 */
export function mergeFallbackIndex(existing: Uint8Array | undefined, additions: readonly ReferrerDescriptor[]): Uint8Array | undefined {
  const index = existing === undefined
    ? { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] as ReferrerDescriptor[] }
    : (JSON.parse(Buffer.from(existing).toString("utf8")) as { manifests?: ReferrerDescriptor[] });
  if (!Array.isArray(index.manifests)) throw new Error("the fallback index has no manifests list");
  const listed = new Set(index.manifests.map((descriptor) => descriptor.digest));
  const missing = additions.filter((descriptor) => !listed.has(descriptor.digest));
  if (missing.length === 0) return undefined;
  index.manifests = [...index.manifests, ...missing];
  return Buffer.from(JSON.stringify(index));
}

/** What {@link listInFallbackIndex} did. */
export interface FallbackWrite {
  /** Index versions written (0 when every descriptor was listed already). */
  readonly writes: number;
  /** Times the index was found changed by another writer and merged again. */
  readonly retries: number;
}

/**
 * Lists referrer manifests (already pushed) in the destination's fallback index `sha256-<hex>`: reads the index,
 * merges the missing descriptors into it, writes it, and reads it back; when another writer replaced it in between
 * (an entry of ours or one we had read is gone), merges again from what is there now. Writes nothing when every
 * descriptor is listed.
 *
 * @param client the registry client
 * @param repo the destination repository
 * @param subject the subject's digest
 * @param descriptors the referrers to list
 * @param options `whenAbsent`: the index to write when the destination has none and it lists exactly
 *   `descriptors` (the source's own index, so the destination's is byte-identical); `attempts`: merges to try
 *   before giving up, default 5
 * @returns how many writes and retries it took
 * @throws RegistryError on registry failures, or code `CONCURRENT_UPDATE` when the index kept changing
 */
export async function listInFallbackIndex(
  client: RegistryClient,
  repo: RepositoryRef,
  subject: string,
  descriptors: readonly ReferrerDescriptor[],
  options: { readonly whenAbsent?: Uint8Array; readonly attempts?: number } = {},
): Promise<FallbackWrite> {
  const attempts = options.attempts ?? 5;
  const tag = fallbackTag(subject);
  let current = await readFallbackIndex(client, repo, subject);
  let writes = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const merged = current === undefined && listsExactly(options.whenAbsent, descriptors)
      ? options.whenAbsent
      : mergeFallbackIndex(current?.bytes, descriptors);
    if (merged === undefined) return { writes, retries: attempt };
    await client.putManifest(repo, tag, merged, OCI_INDEX);
    writes++;
    const seen = current?.descriptors.map((descriptor) => descriptor.digest) ?? [];
    current = await readFallbackIndex(client, repo, subject);
    const now = new Set(current?.descriptors.map((descriptor) => descriptor.digest));
    if ([...seen, ...descriptors.map((descriptor) => descriptor.digest)].every((digest) => now.has(digest))) return { writes, retries: attempt };
  }
  throw new RegistryError(`the fallback index ${tag} kept changing under concurrent writers (${attempts} merges)`, {
    method: "PUT", url: `${repo.host}/${repo.path}:${tag}`, code: "CONCURRENT_UPDATE", retryable: true,
  });
}

function listsExactly(index: Uint8Array | undefined, descriptors: readonly ReferrerDescriptor[]): index is Uint8Array {
  if (index === undefined) return false;
  const listed = (JSON.parse(Buffer.from(index).toString("utf8")) as { manifests?: ReferrerDescriptor[] }).manifests ?? [];
  const wanted = new Set(descriptors.map((descriptor) => descriptor.digest));
  return listed.length === wanted.size && listed.every((descriptor) => wanted.has(descriptor.digest));
}

/** The fallback index of `digest` in `repo`, or undefined when there is none. */
async function readFallbackIndex(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
): Promise<{ bytes: Uint8Array; descriptors: readonly ReferrerDescriptor[] } | undefined> {
  try {
    const raw = await client.getManifest(repo, fallbackTag(digest));
    const index = JSON.parse(Buffer.from(raw.bytes).toString("utf8")) as { manifests?: ReferrerDescriptor[] };
    return { bytes: raw.bytes, descriptors: Array.isArray(index.manifests) ? index.manifests : [] };
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  }
}
