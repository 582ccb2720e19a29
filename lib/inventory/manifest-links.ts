import type { RegistryClient } from "../registry/client";
import type { Limiter } from "../registry/limit";
import { parseRepository } from "../registry/reference";

/** How a manifest points at other manifests. */
export interface LinksOfManifest {
  /** The child manifests of an index or manifest list; empty for an image. */
  readonly children: readonly string[];
  /** The digest of the manifest it is attached to (`subject`: signatures, attestations, SBOMs), if any. */
  readonly subject?: string;
}

/**
 * Reads which manifests a manifest points at, once per digest: the same digest is the same bytes in every
 * repository and region, so a registry-wide walk reads each index or referrer once.
 *
 * @example const links = new ManifestLinks(client, createLimiter(16));
 * (await links.of("127.0.0.1:5000/prod/app", indexDigest)).children; // the platform images
 */
export class ManifestLinks {
  private readonly known = new Map<string, Promise<LinksOfManifest>>();

  /**
   * @param client the registry client
   * @param limit bounds the manifest GETs in flight
   */
  constructor(private readonly client: RegistryClient, private readonly limit: Limiter) {}

  /**
   * @param repository `host/path` holding the manifest
   * @param digest the manifest's digest
   * @returns its children and subject
   * @throws RegistryError when the manifest cannot be read; Error when it is not JSON
   */
  of(repository: string, digest: string): Promise<LinksOfManifest> {
    let links = this.known.get(digest);
    if (links === undefined) {
      links = this.limit(() => this.client.getManifest(parseRepository(repository), digest)).then((manifest) => linksIn(manifest.bytes, digest));
      this.known.set(digest, links);
      links.catch(() => this.known.delete(digest));
    }
    return links;
  }
}

/**
 * Reads `manifests[].digest` and `subject.digest` out of manifest bytes.
 *
 * @param bytes the raw manifest
 * @param digest its digest, for messages
 * @returns the links
 * @throws Error when the bytes are not a JSON object
 */
export function linksIn(bytes: Uint8Array, digest: string): LinksOfManifest {
  let parsed: { manifests?: unknown; subject?: { digest?: unknown } | null };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as typeof parsed;
  } catch (error) {
    throw new Error(`manifest ${digest} is not JSON: ${(error as Error).message}`);
  }
  const children = Array.isArray(parsed?.manifests)
    ? parsed.manifests.flatMap((child: { digest?: unknown } | null) => (typeof child?.digest === "string" ? [child.digest] : []))
    : [];
  const subject = typeof parsed?.subject?.digest === "string" ? parsed.subject.digest : undefined;
  return subject === undefined ? { children } : { children, subject };
}
