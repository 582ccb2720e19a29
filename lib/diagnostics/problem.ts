/**
 * One problem found in an input file, located precisely enough for an editor to jump to it.
 * Formatted as `FILE:LINE:COL: path: message` (see {@link formatProblem}).
 */
export interface Problem {
  /** The file as the user should see it, e.g. `projects/foo.yaml`. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** Where in the document, e.g. `registries[0].name`; empty for the document as a whole. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
}

/**
 * Formats a problem as `FILE:LINE:COL: path: message` (`FILE:LINE:COL: message` when the path is empty).
 *
 * @example formatProblem({ file: "projects/a.yaml", line: 3, col: 5, path: "apis[0]", message: "expected string" })
 * // → "projects/a.yaml:3:5: apis[0]: expected string"
 */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** Orders problems by file, then line, then column, then message, so reports are stable. */
export function compareProblems(a: Problem, b: Problem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  if (a.message !== b.message) return a.message < b.message ? -1 : 1;
  return 0;
}

/**
 * Thrown by loaders when input is invalid. Carries every problem found, not just the first; the message
 * is the formatted list, one problem per line, sorted.
 */
export class InvalidInputError extends Error {
  /** Every problem found, sorted by position. */
  readonly problems: readonly Problem[];

  /** @param problems every problem found; must not be empty. */
  constructor(problems: readonly Problem[]) {
    const sorted = [...problems].sort(compareProblems);
    super(sorted.map(formatProblem).join("\n"));
    this.name = "InvalidInputError";
    this.problems = sorted;
  }
}

/**
 * Formats a document path such as `["registries", 0, "name"]` as `registries[0].name`.
 * Keys that are not plain identifiers are quoted: `dmap["sha256:ab…"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out ? `.${key}` : key;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
