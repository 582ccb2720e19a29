import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { seededChunks } from "./seeded-random";

/** How a layer blob is stored. */
export type Compression = "gzip" | "none";

/** A layer written into a layout's blob store. */
export interface WrittenLayer {
  /** Digest of the blob as stored (compressed when gzip). */
  readonly digest: string;
  /** Size of the blob as stored. */
  readonly size: number;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  readonly diffId: string;
}

const BLOCK = 512;

/**
 * Writes a layer into `blobsDir` (the layout's `blobs/sha256`): a tar holding one file of `contentSize` seeded
 * random bytes, with fixed metadata so the same seed always gives the same blob, optionally gzipped. Streams,
 * so benchmark-sized layers never sit in memory.
 *
 * @param blobsDir the `blobs/sha256` directory
 * @param seed content seed
 * @param contentSize bytes of file content inside the tar (the tar adds 1.5 KiB or so of framing)
 * @param compression `gzip` or `none`
 * @returns the blob's digest and size and the uncompressed tar's digest
 * @throws the fs or zlib error; no partial blob is left behind
 */
export async function writeTarLayer(
  blobsDir: string,
  seed: string,
  contentSize: number,
  compression: Compression,
): Promise<WrittenLayer> {
  const temporary = join(blobsDir, `.layer-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let size = 0;
  const source = Readable.from(tarChunks(seed, contentSize));
  const hashTar = tee((chunk) => diffHash.update(chunk));
  const hashBlob = tee((chunk) => {
    blobHash.update(chunk);
    size += chunk.length;
  });
  try {
    if (compression === "gzip") {
      // Level 0 (stored blocks, still valid gzip): random content does not compress anyway, and level 1 costs
      // seconds of CPU per 100 MiB, which benchmarks would pay on every fixture.
      await pipeline(source, hashTar, createGzip({ level: 0 }), hashBlob, createWriteStream(temporary));
    } else {
      await pipeline(source, hashTar, hashBlob, createWriteStream(temporary));
    }
    const digest = `sha256:${blobHash.digest("hex")}`;
    await rename(temporary, join(blobsDir, digest.slice("sha256:".length)));
    return { digest, size, diffId: `sha256:${diffHash.digest("hex")}` };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function tee(observe: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      observe(chunk);
      callback(null, chunk);
    },
  });
}

function* tarChunks(seed: string, contentSize: number): Generator<Buffer> {
  yield tarHeader("layer-content.bin", contentSize);
  yield* seededChunks(seed, contentSize);
  const padding = (BLOCK - (contentSize % BLOCK)) % BLOCK;
  // Padding to the block, then the two zero blocks that end an archive.
  yield Buffer.alloc(padding + 2 * BLOCK);
}

/** A ustar header for a regular file with fixed owner, mode and mtime 0. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const put = (offset: number, width: number, text: string): void => void header.write(text, offset, width, "ascii");
  const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, "0")}\0`;
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(size, 12));
  put(136, 12, octal(0, 12));
  put(148, 8, " ".repeat(8));
  put(156, 1, "0");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  let checksum = 0;
  for (const byte of header) checksum += byte;
  put(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
  return header;
}
