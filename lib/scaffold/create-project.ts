import { mkdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { imageNameProblem } from "../promote/manifests/grammar";
import { PROJECT_ID_PREFIX, projectNameProblem } from "../projects/project-name";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { githubLoginProblem, promotionFiles, type PromotionFilesOptions } from "./promotion-files";

/** The text of a new project's file: no keys, so it gets exactly what every project gets. */
export const PLAIN_PROJECT_FILE = "# A plain staging project: it gets what every project gets (see the README).\n";

/** Why {@link createProject} wrote nothing: every reason, one per entry. */
export class ProjectScaffoldError extends Error {
  /** Every reason the project was refused. */
  readonly reasons: readonly string[];

  /** @param reasons every reason; must not be empty */
  constructor(reasons: readonly string[]) {
    super(reasons.join("\n"));
    this.name = "ProjectScaffoldError";
    this.reasons = reasons;
  }
}

/** Choices for {@link createProject}: who approves images and where they land (see {@link PromotionFilesOptions}). */
export type CreateProjectOptions = Pick<PromotionFilesOptions, "approvers" | "imagePaths">;

/**
 * Adds a staging project to a repository: `projects/<name>.yaml` and its three promotion files. Either all four
 * files are written or none: every precondition is checked first, files are created exclusively (an existing
 * file is never overwritten), and what was written is removed again if a later write fails.
 *
 * @param root the repository root (holds `projects/`, `images/`, `manifests/`)
 * @param name the new project's name, e.g. `my-tool`
 * @param config the validated stack config (staging registry shape, production registries, promoter account)
 * @param options approvers and image paths
 * @returns the written files, relative to `root`, sorted
 * @throws ProjectScaffoldError when the name is bad or taken, or an approver or image path is invalid
 * @throws the fs error of a failed write, after removing what was written
 * @example await createProject(".", "my-tool", config, { approvers: ["octocat"] });
 */
export async function createProject(
  root: string,
  name: string,
  config: StackConfig,
  options: CreateProjectOptions = {},
): Promise<string[]> {
  const files = new Map([[`projects/${name}.yaml`, PLAIN_PROJECT_FILE], ...promotionFiles(name, config, options)]);
  const reasons = await refusals(root, name, options);
  if (reasons.length > 0) throw new ProjectScaffoldError(reasons);

  const createdDirs: string[] = [];
  const written: string[] = [];
  try {
    for (const [relative, text] of files) {
      const dir = dirname(join(root, relative));
      const made = await mkdir(dir, { recursive: true });
      if (made !== undefined) createdDirs.push(made, dir);
      await writeFile(join(root, relative), text, { flag: "wx" });
      written.push(relative);
    }
  } catch (error) {
    for (const relative of written) await rm(join(root, relative), { force: true });
    // Only directories this call created, deepest first; rmdir refuses any that something else put files in.
    for (const dir of createdDirs.reverse()) await rmdir(dir).catch(() => undefined);
    throw error;
  }
  return [...files.keys()].sort();
}

async function refusals(root: string, name: string, options: CreateProjectOptions): Promise<string[]> {
  const nameProblem = projectNameProblem(name);
  const reasons: string[] = nameProblem ? [nameProblem] : [];
  // A bad name could hold "../", so it is never looked up on disk.
  const taken = nameProblem ? [] : [`projects/${name}.yaml`, `images/${PROJECT_ID_PREFIX}${name}`, `manifests/${PROJECT_ID_PREFIX}${name}`];
  for (const relative of taken) {
    if (await exists(join(root, relative))) reasons.push(`project name "${name}" is taken: ${relative} exists`);
  }
  for (const approver of options.approvers ?? []) {
    const problem = githubLoginProblem(approver);
    if (problem) reasons.push(problem);
  }
  const paths = options.imagePaths ?? [];
  paths.forEach((path, index) => {
    const problem = path === "" ? undefined : imageNameProblem(path);
    if (problem) reasons.push(`image path "${path}": ${problem}`);
    else if (paths.indexOf(path) !== index) reasons.push(`image path "${path}" is listed twice`);
  });
  return reasons;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
