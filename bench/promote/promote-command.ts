/**
 * How the benchmarks run our promoter: the way a user does. The headline runs `npm run promote -- …` from the
 * repository root; where npm's own process would blur a measurement (peak RSS of the promoter alone), the command
 * `package.json`'s `promote` script names is run without npm, its Node flags read from the script itself.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { staleBuildWarning } from "../../lib/cli/stale-build";

/** The repository root: `bench/promote/` is two levels below it. */
export const REPO_ROOT = resolve(__dirname, "..", "..");

/** A program, its arguments and where to run it. */
export interface Command {
  readonly program: string;
  readonly args: readonly string[];
  /** Working directory. */
  readonly cwd: string;
}

/** The `promote` script of `package.json`, split into what the benchmarks need. */
export interface PromoteScript {
  /** Node flags before the entry, e.g. `["--max-semi-space-size=1"]`. */
  readonly nodeFlags: readonly string[];
  /** The compiled entry, relative to the repository root, e.g. `dist/promote.cjs`. */
  readonly entry: string;
}

/**
 * Splits a `promote` script of the form `node [FLAGS…] ENTRY.cjs`.
 *
 * @param script the script's text
 * @returns its Node flags and entry
 * @throws {Error} when the script is not a plain `node … ENTRY.cjs` command (then the benchmarks cannot run it without npm)
 * @example parsePromoteScript("node --max-semi-space-size=1 dist/promote.cjs") // → { nodeFlags: ["--max-semi-space-size=1"], entry: "dist/promote.cjs" }
 */
export function parsePromoteScript(script: string): PromoteScript {
  const words = script.trim().split(/\s+/);
  const entry = words.at(-1) ?? "";
  const nodeFlags = words.slice(1, -1);
  if (words[0] !== "node" || !entry.endsWith(".cjs") || nodeFlags.some((flag) => !flag.startsWith("--"))) {
    throw new Error(`package.json: scripts.promote is ${JSON.stringify(script)}, not "node [--flag…] ENTRY.cjs"`);
  }
  return { nodeFlags, entry };
}

/**
 * Reads and splits the `promote` script of the repository's `package.json`.
 *
 * @param repoRoot the repository root
 * @returns its Node flags and entry
 * @throws {Error} when `package.json` cannot be read, has no `promote` script, or the script is not `node … ENTRY.cjs`
 */
export function readPromoteScript(repoRoot: string = REPO_ROOT): PromoteScript {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const script = scripts?.promote;
  if (script === undefined) throw new Error(`${join(repoRoot, "package.json")}: no scripts.promote`);
  return parsePromoteScript(script);
}

/**
 * `npm run promote -- ARGS`, from the repository root.
 *
 * @param args the promoter's arguments
 * @returns the command
 * @example npmRunPromote(["--help"]) // npm run promote -- --help
 */
export function npmRunPromote(args: readonly string[]): Command {
  return { program: "npm", args: ["run", "promote", "--", ...args], cwd: REPO_ROOT };
}

/**
 * The command a user types: `npm run promote -- --thin-manifest-dir TREE --confirm --quiet`, from the
 * repository root, default settings unless `extra` adds flags.
 *
 * @param tree the thin-manifest tree
 * @param extra flags after the user's (e.g. `--concurrency 32` for a tuned run)
 * @returns the command
 * @example const { program, args, cwd } = npmPromote("/tmp/tree"); // npm run promote -- --thin-manifest-dir /tmp/tree --confirm --quiet
 */
export function npmPromote(tree: string, extra: readonly string[] = []): Command {
  return npmRunPromote(["--thin-manifest-dir", tree, "--confirm", "--quiet", ...extra]);
}

/**
 * What `npm run promote -- ARGS` runs, without npm: the Node that npm would find first on its `PATH`
 * (`node_modules/.bin/node`, the pinned `node` package), the script's flags and entry.
 *
 * @param args the promoter's arguments
 * @param nodeFlags the Node flags (default: the script's own)
 * @param repoRoot the repository root
 * @returns the command
 * @throws {Error} from {@link readPromoteScript}
 */
export function scriptPromote(args: readonly string[], nodeFlags?: readonly string[], repoRoot: string = REPO_ROOT): Command {
  const script = readPromoteScript(repoRoot);
  const pinned = join(repoRoot, "node_modules", ".bin", "node");
  return { program: existsSync(pinned) ? pinned : "node", args: [...(nodeFlags ?? script.nodeFlags), script.entry, ...args], cwd: repoRoot };
}

/**
 * Checks that the compiled promoter exists and is newer than every source under `lib/`, so a benchmark never
 * times an old build.
 *
 * @param repoRoot the repository root
 * @throws {Error} naming the missing or stale file and `npm run build`
 */
export function assertBuilt(repoRoot: string = REPO_ROOT): void {
  const entry = join(repoRoot, readPromoteScript(repoRoot).entry);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const stale = staleBuildWarning(entry);
  if (stale !== undefined) throw new Error(stale.replace(/^warning: /, "").replace(" (running the old build)", ""));
}
