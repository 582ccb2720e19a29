import { createCipheriv, createHash } from "node:crypto";

const CHUNK = 64 * 1024;

/**
 * A seeded pseudo-random byte source: the AES-256-CTR keystream under a key derived from the seed. Same seed,
 * same bytes, on every machine; fast enough (hundreds of MB/s) for benchmark-sized layers.
 *
 * @param seed any string; different seeds give unrelated streams
 * @param length how many bytes to produce
 * @returns chunks of at most 64 KiB whose concatenation is `length` bytes
 * @throws {RangeError} when `length` is negative or not an integer
 * @example Buffer.concat([...seededChunks("layer-1", 1024)]).length // → 1024
 */
export function* seededChunks(seed: string, length: number): Generator<Buffer> {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid length ${length}`);
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let remaining = length; remaining > 0; remaining -= CHUNK) {
    yield cipher.update(remaining >= CHUNK ? zeros : zeros.subarray(0, remaining));
  }
}

/**
 * All of {@link seededChunks} in one buffer, for small sizes.
 *
 * @param seed any string
 * @param length how many bytes
 * @returns the bytes
 * @throws {RangeError} when `length` is negative or not an integer
 */
export function seededBytes(seed: string, length: number): Buffer {
  return Buffer.concat([...seededChunks(seed, length)]);
}
