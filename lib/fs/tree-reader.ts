import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { join, relative as relativePath, sep } from "node:path";

/** Why a file of a tree was not read; the message is meant to follow `FILE:1:1: `. */
export class TreeFileError extends Error {
  /**
   * @param file the file as given, relative to the tree
   * @param message what is wrong, in words
   * @param code `MISSING` when there is no such file, `REFUSED` for everything else
   */
  constructor(
    readonly file: string,
    message: string,
    readonly code: "MISSING" | "REFUSED",
  ) {
    super(message);
    this.name = "TreeFileError";
  }
}

/**
 * Reads the files of one tree (a thin manifest directory, a repository) as a pull request may have left them:
 * only regular files whose real path stays inside the tree, no larger than a limit, and in all at most a total
 * budget. A symbolic link may point elsewhere inside the tree; one leading out of it (to `/etc`, another
 * checkout) is refused without being opened, so nothing of the target is echoed. Devices, FIFOs and sockets
 * (`/dev/zero`, `/dev/stdin`) are refused before opening, since reading them never ends or blocks.
 *
 * @example
 * const reader = new TreeReader("registry.k8s.io", { maxFileBytes: 4 << 20, maxTotalBytes: 64 << 20 });
 * const text = reader.read("images/k8s-staging-etcd/images.yaml");
 */
export class TreeReader {
  private readonly realRoot: string;
  private totalBytes = 0;

  /**
   * @param root the tree's directory
   * @param limits the largest file, and the most bytes all reads of this reader may return together
   * @throws Error (the fs error) when `root` cannot be resolved
   */
  constructor(
    private readonly root: string,
    private readonly limits: { readonly maxFileBytes: number; readonly maxTotalBytes: number },
  ) {
    this.realRoot = realpathSync(root);
  }

  /**
   * Reads a file of the tree as UTF-8.
   *
   * @param file `/`-separated path relative to the root
   * @returns the text
   * @throws TreeFileError (`MISSING` or `REFUSED`, with the reason) when the file is absent, leads outside the
   *   tree, is not a regular file, is too large, would exceed the total budget, or is not UTF-8
   */
  read(file: string): string {
    const real = this.resolve(file);
    const size = statSync(real).size;
    const limit = Math.min(this.limits.maxFileBytes, this.limits.maxTotalBytes - this.totalBytes);
    if (size > limit) throw this.tooLarge(file, size);
    // O_NONBLOCK: if the file was swapped for a FIFO since the check, opening must not hang; O_NOFOLLOW: nor for a link.
    const fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) throw new TreeFileError(file, NOT_REGULAR, "REFUSED");
      // One byte more than the file had tells a file that grew after the check from one that did not.
      const buffer = Buffer.alloc(Math.min(size, limit) + 1);
      let length = 0;
      for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
      if (length > limit) throw this.tooLarge(file, length);
      if (length > size) throw new TreeFileError(file, "changed while being read; not read", "REFUSED");
      this.totalBytes += length;
      return decodeUtf8(file, buffer.subarray(0, length));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Whether `file` exists in the tree as something {@link read} would accept or refuse (not `MISSING`).
   *
   * @param file `/`-separated path relative to the root
   * @returns false when there is no such path
   */
  exists(file: string): boolean {
    try {
      this.resolve(file);
      return true;
    } catch (error) {
      if (error instanceof TreeFileError) return error.code !== "MISSING";
      throw error;
    }
  }

  /** The real path of a regular file inside the tree. */
  private resolve(file: string): string {
    let real: string;
    try {
      real = realpathSync(join(this.root, file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new TreeFileError(file, "not found", "MISSING");
      if (code === "ELOOP") throw new TreeFileError(file, "symbolic link loop; not read", "REFUSED");
      throw error;
    }
    const inside = relativePath(this.realRoot, real);
    if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || inside.startsWith(sep)) {
      throw new TreeFileError(file, "is a symbolic link leading outside the tree; not read", "REFUSED");
    }
    if (!statSync(real).isFile()) throw new TreeFileError(file, NOT_REGULAR, "REFUSED");
    return real;
  }

  private tooLarge(file: string, size: number): TreeFileError {
    const { maxFileBytes, maxTotalBytes } = this.limits;
    if (size > maxFileBytes) {
      return new TreeFileError(file, `is larger than ${formatLimit(maxFileBytes)}, the limit for one file; not read`, "REFUSED");
    }
    return new TreeFileError(file, `not read: the files read so far and this one exceed ${formatLimit(maxTotalBytes)}, the limit for the whole tree`, "REFUSED");
  }
}

const NOT_REGULAR = "is not a regular file (a directory, device, FIFO or socket); not read";

function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TreeFileError(file, "is not UTF-8 text; not read", "REFUSED");
  }
}

/**
 * Formats a byte limit for messages: whole MiB when it is one, else bytes.
 *
 * @param bytes the limit
 * @returns e.g. `4 MiB` or `1000 bytes`
 */
export function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
