/**
 * Whether a compiled command (`dist/<name>.cjs`, built by `npm run build`) is older than the sources it was built
 * from: someone who edits `lib/` and runs `npm run promote` would otherwise run the old code without knowing.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

/**
 * The warning to print when `entry` is a compiled command and a TypeScript file under the `lib/` beside its
 * directory changed after it was built; undefined when running from sources, without a `lib/` beside it, or
 * when the build is current. Costs one directory walk (a few milliseconds), only when running compiled.
 *
 * @param entry the running file (`__filename` of the bundle)
 * @returns e.g. `warning: dist/promote.cjs is older than lib/registry/copy.ts: run npm run build …`, or undefined
 * @example const warning = staleBuildWarning(__filename); if (warning) process.stderr.write(`${warning}\n`);
 */
export function staleBuildWarning(entry: string): string | undefined {
  if (!entry.endsWith(".cjs")) return undefined;
  const root = dirname(dirname(entry));
  const lib = join(root, "lib");
  let builtAt: number;
  let newest: { file: string; modified: number } | undefined;
  try {
    builtAt = statSync(entry).mtimeMs;
    for (const name of readdirSync(lib, { recursive: true, encoding: "utf8" })) {
      if (!name.endsWith(".ts")) continue;
      const modified = statSync(join(lib, name)).mtimeMs;
      if (newest === undefined || modified > newest.modified) newest = { file: join(lib, name), modified };
    }
  } catch {
    return undefined;
  }
  if (newest === undefined || newest.modified <= builtAt) return undefined;
  return (
    `warning: ${join(basename(dirname(entry)), basename(entry))} is older than ${relative(root, newest.file)}: ` +
    "run `npm run build` to run your changes (running the old build)"
  );
}
