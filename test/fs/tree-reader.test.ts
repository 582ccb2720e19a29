import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TreeFileError, TreeReader } from "../../lib/fs/tree-reader";

describe("TreeReader", () => {
  let scratch: string;
  let tree: string;
  const limits = { maxFileBytes: 1024, maxTotalBytes: 1500 };

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "tree-reader-"));
    tree = join(scratch, "tree");
    mkdirSync(join(tree, "images/p"), { recursive: true });
    writeFileSync(join(scratch, "outside.yaml"), "secret-key: value\n");
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function refusal(reader: TreeReader, file: string): string {
    try {
      reader.read(file);
    } catch (error) {
      if (error instanceof TreeFileError) return `${error.code}: ${error.message}`;
      throw error;
    }
    throw new Error(`${file} was read`);
  }

  it("reads a regular file, also through a symbolic link that stays inside the tree", () => {
    writeFileSync(join(tree, "images/p/real.yaml"), "a: 1\n");
    symlinkSync("real.yaml", join(tree, "images/p/images.yaml"));
    const reader = new TreeReader(tree, limits);
    expect(reader.read("images/p/images.yaml")).toBe("a: 1\n");
    expect(reader.exists("images/p/images.yaml")).toBe(true);
    expect(reader.exists("images/p/none.yaml")).toBe(false);
  });

  test.each<[string, (tree: string, scratch: string) => void, string]>([
    ["a link out of the tree", (t, s) => symlinkSync(join(s, "outside.yaml"), join(t, "images/p/images.yaml")), "REFUSED: is a symbolic link leading outside the tree; not read"],
    ["a relative link climbing out", (t) => symlinkSync("../../../outside.yaml", join(t, "images/p/images.yaml")), "REFUSED: is a symbolic link leading outside the tree; not read"],
    ["a link to /dev/zero", (t) => symlinkSync("/dev/zero", join(t, "images/p/images.yaml")), "REFUSED: is a symbolic link leading outside the tree; not read"],
    ["a device node inside the tree", (t) => execFileSync("mknod", [join(t, "images/p/images.yaml"), "c", "1", "5"]), "REFUSED: is not a regular file (a directory, device, FIFO or socket); not read"],
    ["a FIFO (reading it would block)", (t) => execFileSync("mkfifo", [join(t, "images/p/images.yaml")]), "REFUSED: is not a regular file (a directory, device, FIFO or socket); not read"],
    ["a directory", (t) => mkdirSync(join(t, "images/p/images.yaml")), "REFUSED: is not a regular file (a directory, device, FIFO or socket); not read"],
    ["a link loop", (t) => symlinkSync("images.yaml", join(t, "images/p/images.yaml")), "REFUSED: symbolic link loop; not read"],
    ["a file over the limit", (t) => writeFileSync(join(t, "images/p/images.yaml"), "x".repeat(1025)), "REFUSED: is larger than 1024 bytes, the limit for one file; not read"],
    ["bytes that are not UTF-8", (t) => writeFileSync(join(t, "images/p/images.yaml"), Buffer.from([0x61, 0xff, 0x0a])), "REFUSED: is not UTF-8 text; not read"],
    ["a missing file (as MISSING)", () => {}, "MISSING: not found"],
  ])("refuses %s, naming nothing of what it leads to", (_name, make, expected) => {
    make(tree, scratch);
    expect(refusal(new TreeReader(tree, limits), "images/p/images.yaml")).toBe(expected);
  });

  it("stops at the budget for the whole tree", () => {
    writeFileSync(join(tree, "images/p/a.yaml"), "a".repeat(1000));
    writeFileSync(join(tree, "images/p/b.yaml"), "b".repeat(1000));
    const reader = new TreeReader(tree, limits);
    expect(reader.read("images/p/a.yaml")).toHaveLength(1000);
    expect(refusal(reader, "images/p/b.yaml")).toBe("REFUSED: not read: the files read so far and this one exceed 1500 bytes, the limit for the whole tree");
  });
});
