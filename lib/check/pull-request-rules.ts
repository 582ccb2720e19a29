import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { TreeFileError, TreeReader } from "../fs/tree-reader";
import { MAX_PROMOTER_FILE_BYTES, MAX_PROMOTER_TREE_BYTES } from "../promote/manifests/limits";
import type { Problem } from "../diagnostics/problem";
import { GitRevisionError, readFilesAtRevision } from "../promote/diff-base/read-at-revision";
import { appendOnlyProblems } from "./append-only";

const PROMOTION_PATH = /^(images|manifests)\/([^/]+)\/(.+)$/;

/**
 * Every file of the work tree under `root` that differs from the base revision: tracked files changed,
 * added or deleted since `revision` (`git diff --name-only --no-renames`, so a rename lists both names), and
 * untracked files that are not ignored — a pull request's new files may not be committed yet when the check
 * runs locally.
 *
 * @param root a directory inside a git work tree; paths are returned relative to it, `/`-separated
 * @param revision the base, e.g. `origin/main`
 * @returns the changed paths, sorted, without duplicates
 * @throws GitRevisionError when `root` is not in a work tree, the revision names no commit, or git fails
 */
export function changedFiles(root: string, revision: string): string[] {
  readFilesAtRevision(root, revision, []); // validates the tree and the revision with clear messages
  const tracked = git(root, ["diff", "--name-only", "--no-renames", "--relative", `${revision}^{commit}`, "--"]);
  const untracked = git(root, ["ls-files", "--others", "--exclude-standard"]);
  const paths = `${tracked}\n${untracked}`.split("\n").filter((line) => line !== "");
  return [...new Set(paths)].sort();
}

/**
 * The rules a pull request must follow, given the base revision:
 * - it must not change both `manifests/<p>/` and `images/<p>/` of one project (the registries and the images
 *   are reviewed separately), unless it adds the project (its manifest did not exist at the base);
 * - every `images.yaml` is append-only (see {@link appendOnlyProblems}).
 *
 * @param root the repository root (a directory inside a git work tree)
 * @param revision the base revision
 * @returns the problems, unsorted
 * @throws GitRevisionError as {@link changedFiles}
 * @example pullRequestProblems(".", "origin/main")
 */
export function pullRequestProblems(root: string, revision: string): Problem[] {
  const changed = changedFiles(root, revision);
  const touched = { images: new Map<string, string>(), manifests: new Map<string, string>() };
  for (const path of changed) {
    const match = PROMOTION_PATH.exec(path);
    const [, tree, project] = match ?? [];
    if (tree && project && !touched[tree as keyof typeof touched].has(project)) {
      touched[tree as keyof typeof touched].set(project, path);
    }
  }
  const both = [...touched.manifests.keys()].filter((project) => touched.images.has(project));
  const imagesFiles = changed.filter((path) => /^images\/[^/]+\/images\.yaml$/.test(path));
  const manifestFiles = both.map((project) => `manifests/${project}/promoter-manifest.yaml`);
  const atBase = readFilesAtRevision(root, revision, [...manifestFiles, ...imagesFiles]);

  const problems: Problem[] = [];
  for (const project of both) {
    if (atBase.get(`manifests/${project}/promoter-manifest.yaml`) === undefined) continue; // a new project
    problems.push({
      file: touched.manifests.get(project)!,
      line: 1,
      col: 1,
      path: "",
      message: `this pull request changes both manifests/${project}/ and images/${project}/ (${touched.images.get(project)}); change the registries and the images in separate pull requests`,
    });
  }
  const reader = new TreeReader(root, { maxFileBytes: MAX_PROMOTER_FILE_BYTES, maxTotalBytes: MAX_PROMOTER_TREE_BYTES });
  for (const file of imagesFiles) {
    const current = readCurrent(reader, file);
    // A file the tree rules refused to read (a link out of the tree, a device, too large) is reported there.
    if (current === REFUSED) continue;
    problems.push(...appendOnlyProblems(file, atBase.get(file), current, revision));
  }
  return problems;
}

const REFUSED = Symbol("refused");

/** The pull request's version of a file, read as the tree rules read it: bounded, inside the repository only. */
function readCurrent(reader: TreeReader, file: string): string | undefined | typeof REFUSED {
  try {
    return reader.read(file);
  } catch (error) {
    if (!(error instanceof TreeFileError)) throw error;
    return error.code === "MISSING" ? undefined : REFUSED;
  }
}

function git(root: string, args: string[]): string {
  const result = spawnSync("git", ["-C", root, ...args], { maxBuffer: 1 << 30 });
  if (result.error) throw new GitRevisionError(`git ${args[0]} failed in ${resolve(root)}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) {
    const detail = result.stderr.toString("utf8").trim().split("\n")[0];
    throw new GitRevisionError(`git ${args[0]} failed in ${resolve(root)}${detail ? ` (${detail})` : ""}`);
  }
  return result.stdout.toString("utf8");
}
