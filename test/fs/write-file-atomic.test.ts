import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/fs/write-file-atomic";

describe("writeFileAtomic", () => {
  it("replaces the contents and leaves no temporary file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "atomic-"));
    const target = join(dir, "out.json");
    await writeFile(target, "old");
    await writeFileAtomic(target, "new");
    expect(await readFile(target, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["out.json"]);
  });

  it("fails when the directory does not exist and leaves nothing behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "atomic-"));
    await expect(writeFileAtomic(join(dir, "missing", "out.json"), "x")).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
