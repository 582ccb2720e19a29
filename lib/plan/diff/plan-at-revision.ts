import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve, sep } from "node:path";
import { InvalidInputError } from "../../diagnostics/problem";
import { GitRevisionError, readFileAtRevision, readFilesAtRevision } from "../../promote/diff-base/read-at-revision";
import type { ProgramInputs } from "../../provision/program";
import type { PlannedResource } from "../plan-program";
import { planStaging } from "./plan-staging";

/**
 * Plans the program as it was at a git revision: the project files, `Pulumi.yaml` and the stack file are read
 * from git (the working tree is not touched, no checkout or worktree) into a temporary directory, which is
 * removed afterwards. Problems in those files are reported as `REV:path:LINE:COL: …`.
 *
 * @param inputs where the program reads its input in the working tree; the same paths are read at `revision`
 * @param revision any commit-ish, e.g. `origin/main`
 * @param stack the stack name
 * @returns the resources the program declared at that revision
 * @throws GitRevisionError when the paths are not in a git work tree, the revision is unknown, or
 *   `Pulumi.yaml` or the stack file did not exist at the revision
 * @throws InvalidInputError when the files at the revision are invalid
 * @example const base = await planAtRevision(defaultProgramInputs("prod"), "origin/main", "prod");
 */
export async function planAtRevision(inputs: ProgramInputs, revision: string, stack: string): Promise<PlannedResource[]> {
  const root = mkdtempSync(join(tmpdir(), "plan-base-"));
  try {
    const copied = writeInputsAtRevision(inputs, revision, root);
    try {
      return await planStaging(copied.inputs, stack);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      throw new InvalidInputError(
        error.problems.map((problem) => ({ ...problem, file: copied.displayName(problem.file) })),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface CopiedInputs {
  readonly inputs: ProgramInputs;
  /** Maps a path inside the copy back to `REV:original path`. */
  displayName(file: string): string;
}

function writeInputsAtRevision(inputs: ProgramInputs, revision: string, root: string): CopiedInputs {
  const projectsDir = join(root, "projects");
  mkdirSync(projectsDir);
  const copy: ProgramInputs = {
    projectsDir,
    projectFile: join(root, "Pulumi.yaml"),
    stackFile: join(root, basename(inputs.stackFile)),
  };
  const originals = new Map<string, string>([
    [copy.projectFile, inputs.projectFile],
    [copy.stackFile, inputs.stackFile],
  ]);
  for (const [target, source] of originals) {
    const content = readFileAtRevision(source, revision);
    if (content === undefined) throw new GitRevisionError(`${source} does not exist at ${revision}`);
    writeFileSync(target, content);
  }
  const names = listDirectoryAtRevision(inputs.projectsDir, revision);
  for (const [name, content] of readFilesAtRevision(inputs.projectsDir, revision, names)) {
    // Sub-directories come back undefined; loadProjects only reads the files of the directory.
    if (content !== undefined) writeFileSync(join(projectsDir, name), content);
  }
  return {
    inputs: copy,
    displayName: (file) => {
      const original = originals.get(file) ?? (file.startsWith(projectsDir + sep) ? join(inputs.projectsDir, relative(projectsDir, file)) : file);
      return `${revision}:${original}`;
    },
  };
}

/** The entry names of a directory as it was at a revision; empty when it did not exist there. */
function listDirectoryAtRevision(dir: string, revision: string): string[] {
  const absolute = resolve(dir);
  const prefix = git(absolute, ["rev-parse", "--show-prefix"]).trim();
  // --full-tree with a trailing-slash prefix lists the directory's entries and prints nothing when it is absent.
  const listing = git(absolute, ["ls-tree", "--full-tree", "-z", "--name-only", "--end-of-options", `${revision}^{commit}`, "--", prefix || "."]);
  return listing
    .split("\0")
    .filter((path) => path !== "")
    .map((path) => path.slice(prefix.length));
}

function git(dir: string, args: string[]): string {
  const result = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.error) throw new GitRevisionError(`git ${args[0]} failed in ${dir}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new GitRevisionError(`git ${args[0]} failed in ${dir} (${result.stderr.trim().split("\n")[0]})`);
  return result.stdout;
}
