import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers see either the old contents or the whole new contents, never a half-written
 * file: the data goes to a temporary file in the same directory, which is then renamed over the target.
 *
 * @param path the file to write
 * @param data the whole new contents
 * @throws the underlying fs error; the temporary file is removed first
 * @example await writeFileAtomic("out.json", JSON.stringify(report, null, 2) + "\n");
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
