/**
 * Bundles the promote CLI into one CommonJS file with esbuild (already installed as tsx's dependency), so the
 * benchmark times the promoter and not tsx's on-the-fly TypeScript compilation at start-up.
 */
import { join, resolve } from "node:path";
import { runCommand } from "../../test/harness/run-command";

/**
 * The Node flags the promoter runs with in production (`npm run promote`). Every downloaded 64 KiB piece leaves
 * short-lived buffers that only a garbage collection frees. With V8's default young generation (up to 16 MiB
 * per semi-space, rarely collected at this allocation rate) they pile up to V8's 64 MiB external-memory
 * trigger; a 1 MiB semi-space collects them every few megabytes. Measured with a 1 GiB layer (bench:large-layer):
 * 188 → 110 MiB peak RSS.
 */
export const PROMOTER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];

/** A runnable promote CLI: `node_modules/.bin/node <file> …` with `NODE_PATH` set to find the npm packages. */
export interface CompiledCli {
  /** The node binary (Node 24 from the `node` package). */
  readonly node: string;
  /** The bundled entry. */
  readonly entry: string;
  /** Environment the bundle needs: npm packages stay external and are found through `NODE_PATH`. */
  readonly env: Record<string, string>;
}

/**
 * Bundles `lib/cli/promote.ts` (npm packages left external) into `outDir/promote.cjs`.
 *
 * @param repoRoot the repository root (holds `lib/` and `node_modules/`)
 * @param outDir where to write the bundle
 * @returns how to run it
 * @throws {CommandError} when esbuild fails
 * @example const cli = await compilePromoteCli(process.cwd(), tmp); // then spawn cli.node [cli.entry, …args]
 */
export async function compilePromoteCli(repoRoot: string, outDir: string): Promise<CompiledCli> {
  const root = resolve(repoRoot);
  const entry = join(outDir, "promote.cjs");
  await runCommand(join(root, "node_modules", ".bin", "esbuild"), [
    join(root, "lib", "cli", "promote.ts"),
    "--bundle", "--platform=node", "--format=cjs", "--target=node22", "--packages=external", "--log-level=warning",
    `--outfile=${entry}`,
  ]);
  return { node: join(root, "node_modules", ".bin", "node"), entry, env: { NODE_PATH: join(root, "node_modules") } };
}
