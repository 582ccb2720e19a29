/**
 * The warning a compiled command prints when the sources beside it changed after it was built.
 */
import { mkdir, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { staleBuildWarning } from "../../lib/cli/stale-build";

/** A checkout with dist/promote.cjs built at t=2000 s and lib/ files modified at the given times (seconds). */
async function checkout(sources: Record<string, number>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "stale-build-"));
  await mkdir(join(root, "dist"));
  await writeFile(join(root, "dist", "promote.cjs"), "");
  await utimes(join(root, "dist", "promote.cjs"), 2000, 2000);
  for (const [file, modified] of Object.entries(sources)) {
    await mkdir(join(root, "lib", file, ".."), { recursive: true });
    await writeFile(join(root, "lib", file), "");
    await utimes(join(root, "lib", file), modified, modified);
  }
  return root;
}

test("a source changed after the build is named, with the command that fixes it", async () => {
  const root = await checkout({ "cli/promote.ts": 1000, "registry/copy.ts": 3000, "registry/notes.md": 9000 });

  expect(staleBuildWarning(join(root, "dist", "promote.cjs"))).toBe(
    "warning: dist/promote.cjs is older than lib/registry/copy.ts: run `npm run build` to run your changes (running the old build)",
  );
});

test("a build newer than every source says nothing", async () => {
  const root = await checkout({ "cli/promote.ts": 1000, "registry/copy.ts": 1999 });

  expect(staleBuildWarning(join(root, "dist", "promote.cjs"))).toBeUndefined();
});

test("running from sources, or compiled without lib/ beside it, says nothing", async () => {
  const root = await checkout({ "cli/promote.ts": 3000 });
  const elsewhere = await mkdtemp(join(tmpdir(), "stale-build-elsewhere-"));
  await writeFile(join(elsewhere, "promote.cjs"), "");

  expect(staleBuildWarning(join(root, "lib", "cli", "promote.ts"))).toBeUndefined();
  expect(staleBuildWarning(join(elsewhere, "promote.cjs"))).toBeUndefined();
});
