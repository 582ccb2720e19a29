import { git, GitRevisionError } from "./read-at-revision";

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a duration such as `36h`, `7d`, `1d12h`, `90m` or `2w` (units s, m, h, d, w).
 *
 * @param text the duration
 * @returns milliseconds, > 0
 * @throws Error when the text is not a sequence of number + unit, or is zero
 * @example parseDuration("1d12h") // → 129600000
 */
export function parseDuration(text: string): number {
  if (!/^(\d+[smhdw])+$/.test(text)) throw new Error(`"${text}" is not a duration such as 36h, 7d or 1d12h (units s, m, h, d, w)`);
  const ms = [...text.matchAll(/(\d+)([smhdw])/g)].reduce((sum, [, count, unit]) => sum + Number(count) * UNIT_MS[unit!]!, 0);
  if (ms <= 0) throw new Error(`"${text}" is not a positive duration`);
  return ms;
}

/** Where the `--since` window starts in the git history. */
export interface SinceBase {
  /** The window's start. */
  readonly cutoff: Date;
  /**
   * The last commit of the branch (first parents: merges into it, not commits of merged branches) made before
   * the cutoff; `undefined` when the whole history is inside the window.
   */
  readonly revision?: string;
}

/**
 * Finds the commit that `--since` compares with: entries present now but not in that commit were added to the
 * branch inside the window. First parents only, so a pull request merged inside the window counts as added then,
 * however old its own commits are.
 *
 * @param dir a directory in the git work tree (the thin manifest directory)
 * @param durationMs the window's length
 * @param now the window's end, in ms since the epoch
 * @returns the cutoff and the commit, if any
 * @throws GitRevisionError when `dir` is not in a git work tree, or the clone is shallow (its history would
 *   make every entry look new, or none)
 * @example sinceBase(".", parseDuration("7d")).revision // → "4f1c…" (the last commit of main older than a week)
 */
export function sinceBase(dir: string, durationMs: number, now: number = Date.now()): SinceBase {
  const cutoff = new Date(now - durationMs);
  const shallow = git(dir, ["rev-parse", "--is-shallow-repository"], `${dir} is not inside a git work tree`).trim();
  if (shallow === "true") {
    throw new GitRevisionError("the clone is shallow, so when entries were added is unknown: fetch the whole history (actions/checkout: fetch-depth: 0)");
  }
  const revision = git(
    dir,
    ["rev-list", "-1", "--first-parent", `--before=${cutoff.toISOString()}`, "HEAD"],
    `cannot read the history of ${dir}`,
  ).trim();
  return revision === "" ? { cutoff } : { cutoff, revision };
}
