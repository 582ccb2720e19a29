/**
 * sha256 digests of byte arrays and of streams as they flow, so blobs are verified without buffering.
 */
import { createHash } from "node:crypto";

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Tells whether a string is a sha256 digest as the OCI spec writes it.
 *
 * @param value the candidate
 * @returns true for `sha256:` followed by 64 lower-case hex digits
 */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/**
 * Computes the digest of bytes.
 *
 * @param bytes the content
 * @returns `sha256:<hex>`
 * @example sha256Digest(new Uint8Array()) // → "sha256:e3b0c442…b855"
 */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Wraps a stream so that it errors at its end unless exactly `expectedSize` bytes (when given) hashing to
 * `expectedDigest` went through. The consumer (e.g. an upload) then fails instead of completing with bad bytes.
 *
 * @param source the byte stream to check
 * @param expectedDigest `sha256:<hex>` the bytes must hash to
 * @param expectedSize the byte count, or undefined to skip the size check
 * @param onMismatch builds the error to raise; receives what was actually seen
 * @returns a stream yielding the same chunks
 * @throws nothing directly; the returned stream errors with `onMismatch(...)`'s result on mismatch
 */
export function verifyingStream(
  source: ReadableStream<Uint8Array>,
  expectedDigest: string,
  expectedSize: number | undefined,
  onMismatch: (actualDigest: string, actualSize: number) => Error,
): ReadableStream<Uint8Array> {
  const hash = createHash("sha256");
  let size = 0;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        size += chunk.byteLength;
        if (expectedSize !== undefined && size > expectedSize) {
          controller.error(onMismatch("(incomplete)", size));
          return;
        }
        controller.enqueue(chunk);
      },
      flush(controller) {
        const actual = `sha256:${hash.digest("hex")}`;
        if (actual !== expectedDigest || (expectedSize !== undefined && size !== expectedSize)) {
          controller.error(onMismatch(actual, size));
        }
      },
    }),
  );
}
