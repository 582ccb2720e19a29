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
 * Re-cuts a byte stream into chunks of exactly `size` bytes (the last may be shorter). Every chunk is a view of
 * one buffer of `size` bytes, refilled for the next chunk: a consumer must be done with a chunk (e.g. its
 * PATCH answered) before asking for the next one, and must copy it to keep it. That way a whole upload holds
 * one chunk's memory, and no garbage buffer per chunk waits for the collector.
 *
 * @param stream the source
 * @param size chunk size in bytes, > 0
 * @returns the chunks in order
 * @throws RangeError when `size` is not a positive integer (on the first read)
 * @example for await (const chunk of chunksOf(stream, 16 * 1024 * 1024)) await send(chunk); // one at a time
 */
export async function* chunksOf(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  // Allocated on the first byte, so an empty stream costs nothing.
  let buffer: Uint8Array | undefined;
  let held = 0;
  for await (const piece of stream) {
    let rest = piece;
    while (rest.byteLength > 0) {
      buffer ??= new Uint8Array(size);
      const take = Math.min(size - held, rest.byteLength);
      buffer.set(rest.subarray(0, take), held);
      held += take;
      rest = rest.subarray(take);
      if (held === size) {
        yield buffer;
        held = 0;
      }
    }
  }
  if (held > 0) yield buffer!.subarray(0, held);
}

/**
 * Presents bytes already in memory as a stream of slices (views, no copies), so a transport that watches body
 * progress sees it advance slice by slice rather than once for a whole chunk.
 *
 * @param bytes the content
 * @param sliceBytes the largest slice, > 0
 * @returns a stream of consecutive views of `bytes`
 * @throws RangeError when `sliceBytes` is not a positive integer
 * @example await transport.request({ method: "PATCH", url, body: () => sliceStream(chunk, 256 * 1024) });
 */
export function sliceStream(bytes: Uint8Array, sliceBytes: number): ReadableStream<Uint8Array> {
  if (!Number.isSafeInteger(sliceBytes) || sliceBytes <= 0) throw new RangeError(`slice size must be a positive integer, got ${sliceBytes}`);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      const end = Math.min(offset + sliceBytes, bytes.byteLength);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  }, { highWaterMark: 0 });
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
