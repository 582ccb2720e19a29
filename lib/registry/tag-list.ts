/**
 * A repository's tag list across its pages: each page streamed through a {@link TagListReader}, and the
 * pagination guarded against servers that loop.
 */
import { RegistryError } from "./errors";
import { TagListFormatError, TagListReader, type TagListPage } from "./tag-list-reader";
import type { TransportResponse } from "./transport";
import { nextPageUrl } from "./upload-helpers";

/** One entry of the Google `tags/list` extension. */
export interface GoogleManifestInfo {
  /** Tags pointing at this digest (the kept ones). */
  readonly tags: readonly string[];
  /** The manifest's media type, when given. */
  readonly mediaType: string | undefined;
}

/** The tags of a repository. */
export interface TagList {
  /** Every kept tag, across all pages, in the registry's order. */
  readonly tags: readonly string[];
  /** digest → kept tags, only when the registry returned the GCR/Artifact Registry `manifest` extension. */
  readonly manifests: ReadonlyMap<string, GoogleManifestInfo> | undefined;
  /** The names of the repositories one level below (`child` of the GCR/Artifact Registry extension), if sent. */
  readonly children?: readonly string[];
}

/** How {@link readTagList} talks to the registry. */
export interface TagListIo {
  /** Sends the GET for one page (authenticated, retried by the transport). */
  get(url: string): Promise<TransportResponse>;
  /** For an answer other than 200: `absent` for a repository that does not exist yet, else the error to throw. */
  failure(response: TransportResponse): Promise<"absent" | RegistryError>;
}

/** Tags listed in one repository before giving up on it: far above any real repository, far below endless. */
export const MAX_TAGS_LISTED = 10_000_000;

/** Reads of one page (each a full request) before a body that breaks off is final. */
const PAGE_READ_ATTEMPTS = 5;

/**
 * Reads every page of a tag list, keeping the tags `keep` accepts. A page that comes round again, or that does not
 * advance (empty, or ending on the same tag as the one before), stops the listing with an error rather than
 * looping for ever.
 *
 * @param firstUrl the `…/tags/list` URL
 * @param keep which tags to keep (default all)
 * @param io how pages are fetched and failures told
 * @returns the kept tags and, with Google's extension, digest → kept tags
 * @throws RegistryError `PAGINATION_LOOP`, `BAD_TAG_LIST` (not a tag list), `TOO_LARGE` (more than
 *   {@link MAX_TAGS_LISTED} tags), or what `io` throws or returns
 * @example const list = await readTagList(url, (tag) => wanted.has(tag), { get, failure });
 */
export async function readTagList(firstUrl: string, keep: ((tag: string) => boolean) | undefined, io: TagListIo): Promise<TagList> {
  const tags: string[] = [];
  let manifests: Map<string, GoogleManifestInfo> | undefined;
  let children: string[] | undefined;
  const visited = new Set<string>();
  let listed = 0;
  let previousLastTag: string | undefined;
  for (let url: string | undefined = firstUrl; url !== undefined; ) {
    const pageUrl: string = url;
    const loop = (why: string) => new RegistryError(`pagination ${why}; the listing was stopped`, { method: "GET", url: pageUrl, code: "PAGINATION_LOOP", retryable: false });
    if (visited.has(pageUrl)) throw loop("came back to a page already read");
    visited.add(pageUrl);
    const read = await readPage(pageUrl, keep, io);
    if (read === "absent") return { tags: [], manifests: undefined };
    const { response, page } = read;
    // A loop, not a spread: a spread passes every tag as an argument and overflows the stack past ~100,000.
    for (const tag of page.tags) tags.push(tag);
    if (page.manifests !== undefined) {
      manifests ??= new Map();
      for (const [digest, info] of page.manifests) manifests.set(digest, info);
    }
    if (page.children !== undefined) {
      children ??= [];
      for (const child of page.children) children.push(child);
    }
    listed += page.listed;
    if (listed > MAX_TAGS_LISTED) {
      throw new RegistryError(`more than ${MAX_TAGS_LISTED} tags listed; the listing was stopped`, { method: "GET", url: pageUrl, status: 200, code: "TOO_LARGE", retryable: false });
    }
    url = nextPageUrl(response.headers.get("link"), response.url);
    const empty = page.listed === 0 && (page.children?.length ?? 0) === 0;
    if (url !== undefined && (empty || (page.listed > 0 && page.lastTag === previousLastTag))) {
      throw loop("does not advance (an empty page, or the same page again)");
    }
    previousLastTag = page.lastTag;
  }
  return { tags, manifests, ...(children ? { children } : {}) };
}

/** One page, streamed; asked for again when its body breaks off (the transport retries only until headers). */
async function readPage(
  url: string,
  keep: ((tag: string) => boolean) | undefined,
  io: TagListIo,
): Promise<{ response: TransportResponse; page: TagListPage } | "absent"> {
  for (let attempt = 1; ; attempt++) {
    const response = await io.get(url);
    if (response.status !== 200) {
      const failure = await io.failure(response);
      if (failure === "absent") return failure;
      // An error answer that broke off said nothing for sure: ask again.
      if (failure.retryable && (failure.code === "NETWORK" || failure.code === "TIMEOUT") && attempt < PAGE_READ_ATTEMPTS) continue;
      throw failure;
    }
    const reader = new TagListReader(keep);
    try {
      for await (const chunk of response.body!) reader.push(chunk);
      return { response, page: reader.end() };
    } catch (error) {
      if (error instanceof TagListFormatError) {
        await response.body?.cancel().catch(() => {});
        throw new RegistryError(`not a tag list: ${error.message}`, { method: "GET", url: response.url, status: 200, code: "BAD_TAG_LIST", retryable: false });
      }
      if (!(error instanceof RegistryError) || !error.retryable || attempt >= PAGE_READ_ATTEMPTS) throw error;
    }
  }
}
