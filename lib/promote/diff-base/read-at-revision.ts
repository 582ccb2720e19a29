import { spawnSync } from "node:child_process";
import { dirname, basename, resolve } from "node:path";

/** Why files could not be read at a git revision: not a repository, an unknown revision, git failing. */
export class GitRevisionError extends Error {
  /**
   * @param message what went wrong, naming the revision
   * @param options the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GitRevisionError";
  }
}

/**
 * Reads files as they were at a git revision, in one `git cat-file --batch` call however many there are.
 * Paths are taken relative to `dir`, which must be inside a git work tree (as the thin manifest directory of a
 * pull request checkout is).
 *
 * @param dir a directory inside the work tree; `paths` are relative to it
 * @param revision any commit-ish (`main`, `HEAD~1`, a SHA)
 * @param paths files to read, `/`-separated, relative to `dir`
 * @returns path → content at the revision, or `undefined` when the file did not exist there
 * @throws GitRevisionError when `dir` is not in a git work tree, the revision names no commit, or git fails
 * @example
 * const base = readFilesAtRevision("registry.k8s.io", "origin/main", ["images/k8s-staging-etcd/images.yaml"]);
 */
export function readFilesAtRevision(dir: string, revision: string, paths: readonly string[]): Map<string, string | undefined> {
  const prefix = git(dir, ["rev-parse", "--show-prefix"], `${resolve(dir)} is not inside a git work tree`).trim();
  const commit = git(
    dir,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`],
    `${revision} is not a commit of the git repository at ${resolve(dir)}`,
  ).trim();
  const files = new Map<string, string | undefined>();
  if (paths.length === 0) return files;
  // Ask by the resolved commit so a revision name cannot be read as anything but a commit.
  const input = paths.map((path) => `${commit}:${prefix}${path}\n`).join("");
  const output = gitBuffer(dir, ["cat-file", "--batch"], input, `git cat-file failed in ${resolve(dir)}`);
  let at = 0;
  for (const path of paths) {
    const headerEnd = output.indexOf(0x0a, at);
    const header = output.toString("utf8", at, headerEnd);
    at = headerEnd + 1;
    if (header.endsWith(" missing")) {
      files.set(path, undefined);
      continue;
    }
    const [, type, size] = header.split(" ");
    if (type !== "blob") {
      files.set(path, undefined);
    } else files.set(path, output.toString("utf8", at, at + Number(size)));
    at += Number(size) + 1;
  }
  return files;
}

/**
 * Reads one file as it was at a git revision, the path given as on the command line (relative to the current
 * directory or absolute).
 *
 * @param file the file
 * @param revision any commit-ish
 * @returns the content at the revision, or `undefined` when the file did not exist there
 * @throws GitRevisionError as {@link readFilesAtRevision}
 */
export function readFileAtRevision(file: string, revision: string): string | undefined {
  const absolute = resolve(file);
  return readFilesAtRevision(dirname(absolute), revision, [basename(absolute)]).get(basename(absolute));
}

/**
 * Runs git in a directory and returns its output.
 *
 * @param dir where to run it (`git -C dir`)
 * @param args the git arguments
 * @param failure the message when git fails; git's first line of stderr is appended
 * @returns stdout as text
 * @throws GitRevisionError when git cannot run or exits non-zero
 */
export function git(dir: string, args: string[], failure: string): string {
  return gitBuffer(dir, args, undefined, failure).toString("utf8");
}

function gitBuffer(dir: string, args: string[], input: string | undefined, failure: string): Buffer {
  const result = spawnSync("git", ["-C", dir, ...args], { input, maxBuffer: 1 << 30 });
  if (result.error) throw new GitRevisionError(`${failure}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) {
    const detail = result.stderr.toString("utf8").trim();
    throw new GitRevisionError(detail ? `${failure} (${detail.split("\n")[0]})` : failure);
  }
  return result.stdout;
}
