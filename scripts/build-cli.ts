// `npm run build` (run by `npm ci` as the `prepare` script): compiles the promotion commands to dist/<name>.cjs,
// so `npm run promote` starts from JavaScript in about a tenth of a second instead of compiling TypeScript
// through tsx on every start. The small pure-JavaScript packages every run loads (yaml, zod, commander, tldts,
// semver) are bundled in: resolving zod's and yaml's hundred-odd files one by one cost about 0.05 s of CPU per
// start. The packages loaded only for signing, verifying or Google credentials, and Pulumi's, stay external
// (loaded from node_modules as npm installed them, when first used).
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { writeFileAtomic } from "../lib/fs/write-file-atomic";
import { runMain } from "../lib/cli/run-main";

/** The commands run compiled: everything that talks to registries. The Pulumi-side commands run through tsx. */
export const COMPILED_COMMANDS: readonly string[] = ["promote", "verify", "audit", "snapshot", "add-image"];

/** Packages left out of the bundle: loaded lazily (signing, verification, Google credentials) or not used by these commands. */
export const EXTERNAL_PACKAGES: readonly string[] = ["@sigstore/*", "google-auth-library", "@pulumi/*"];

/**
 * Compiles each command's `lib/cli/<name>.ts` with everything it imports from `lib/` into `outDir/<name>.cjs`.
 * Each file is written whole or not at all, so an interrupted build leaves the previous one runnable.
 *
 * @param repoRoot the repository root (holds `lib/` and `node_modules/`)
 * @param outDir where the compiled commands go; created if missing
 * @returns the files written
 * @throws Error when esbuild reports an error (its messages name file and line)
 * @example await buildCli(".", "dist"); // then: node dist/promote.cjs --help
 */
export async function buildCli(repoRoot: string, outDir: string): Promise<string[]> {
  const root = resolve(repoRoot);
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: Object.fromEntries(COMPILED_COMMANDS.map((name) => [name, join(root, "lib", "cli", `${name}.ts`)])),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    external: [...EXTERNAL_PACKAGES],
    outdir: outDir,
    outExtension: { ".js": ".cjs" },
    write: false,
    logLevel: "warning",
  });
  const written: string[] = [];
  for (const file of result.outputFiles) {
    await writeFileAtomic(file.path, file.contents);
    written.push(file.path);
  }
  return written;
}

if (require.main === module) {
  runMain("build", async () => {
    const written = await buildCli(process.cwd(), join(process.cwd(), "dist"));
    process.stdout.write(`compiled ${written.length} commands to dist/\n`);
    return 0;
  });
}
