/**
 * Small pieces of the blob upload protocol: upload URLs, `Range` answers, chunking a stream.
 */

/**
 * Resolves an upload `Location` (absolute or relative) against the URL that returned it, keeping its query
 * (`_state` and friends must come back unchanged).
 *
 * @param location the `Location` header value
 * @param base the URL of the request that returned it
 * @returns an absolute URL
 * @throws TypeError when the location cannot be resolved
 */
export function resolveLocation(location: string, base: string): string {
  return new URL(location, base).toString();
}

/**
 * Adds `digest=` to an upload URL, keeping the other query parameters.
 *
 * @param location absolute upload URL
 * @param digest the blob's digest
 * @returns the URL to PUT to complete the upload
 */
export function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.toString();
}

/**
 * Parses an upload's `Range` answer (`0-1023`, sometimes `bytes=0-1023`) to the count of bytes received.
 *
 * @param range the header value, or null
 * @returns bytes received so far (end + 1), or undefined when absent or malformed
 */
export function receivedBytes(range: string | null): number | undefined {
  const match = range === null ? null : /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
  return match === null ? undefined : Number(match[1]) + 1;
}

/**
 * Re-cuts a byte stream into chunks of exactly `size` bytes (the last may be shorter), holding at most one
 * chunk in memory.
 *
 * @param stream the source
 * @param size chunk size in bytes, > 0
 * @returns the chunks in order
 */
export async function* chunksOf(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (const piece of stream) {
    let rest = piece;
    while (held + rest.byteLength >= size) {
      const take = size - held;
      parts.push(rest.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      held = 0;
      rest = rest.subarray(take);
    }
    if (rest.byteLength > 0) {
      parts.push(rest);
      held += rest.byteLength;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}

/**
 * Parses a `Link` header and returns the `rel="next"` target, resolved against the request URL.
 *
 * @param link the header value, or null
 * @param base the URL of the request that returned it
 * @returns the next page's absolute URL, or undefined on the last page
 */
export function nextPageUrl(link: string | null, base: string): string | undefined {
  if (link === null) return undefined;
  for (const part of link.split(",")) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match !== null && /\brel\s*=\s*"?next"?/i.test(match[2]!)) return new URL(match[1]!, base).toString();
  }
  return undefined;
}
