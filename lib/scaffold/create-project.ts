import { mkdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { imageNameProblem } from "../promote/manifests/grammar";
import { iamMemberProblem } from "../projects/gcp-identifiers";
import { PROJECT_ID_PREFIX, projectNameProblem } from "../projects/project-name";
import { registryAddress } from "../projects/staging-project-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { githubLoginProblem, promotionFiles, type PromotionFilesOptions } from "./promotion-files";

/**
 * The text of a new subproject's file: a repository in the shared staging project (the only kind k8s.io accepts
 * for new subprojects), with what every shared registry gets; `writers` only when it is not the default group.
 *
 * @param name the registry name
 * @param config the stack config (shared project and location)
 * @param writers who may push, when not `group:k8s-infra-staging-<name>@<domain>`
 * @returns the file's text
 * @example sharedRegistryFileText("my-tool", config)
 * // "# A repository in the shared staging project: us-central1-docker.pkg.dev/k8s-staging-images/my-tool\n…sharedRegistry: {}\n"
 */
export function sharedRegistryFileText(name: string, config: StackConfig, writers?: string): string {
  return [
    `# A repository in the shared staging project: ${registryAddress(config.sharedProject, config.sharedRegistryLocation, name)}`,
    "# It gets what every shared registry gets (see the README); state here only what differs.",
    writers ? `sharedRegistry:\n  writers: ${writers}` : "sharedRegistry: {}",
    "",
  ].join("\n");
}

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

/** Choices for {@link createProject}: who approves images, where they land, who may push. */
export interface CreateProjectOptions extends Pick<PromotionFilesOptions, "approvers" | "imagePaths"> {
  /** Who may push (an IAM member), when not the default `group:k8s-infra-staging-<name>@<domain>`. */
  readonly writers?: string;
}

/**
 * Adds a subproject to a repository: `projects/<name>.yaml` declaring its repository in the shared staging
 * project, and its three promotion files (source: that repository). Either all four files are written or none:
 * every precondition is checked first, files are created exclusively (an existing file is never overwritten), and
 * what was written is removed again if a later write fails.
 *
 * @param root the repository root (holds `projects/`, `images/`, `manifests/`)
 * @param name the new registry's name, e.g. `my-tool`
 * @param config the validated stack config (shared project, production registries, promoter account)
 * @param options approvers, image paths and writers
 * @returns the written files, relative to `root`, sorted
 * @throws ProjectScaffoldError when the name is bad or taken, or an approver, image path or writer is invalid
 * @throws the fs error of a failed write, after removing what was written
 * @example await createProject(".", "my-tool", config, { approvers: ["octocat"] });
 */
export async function createProject(
  root: string,
  name: string,
  config: StackConfig,
  options: CreateProjectOptions = {},
): Promise<string[]> {
  const source = registryAddress(config.sharedProject, config.sharedRegistryLocation, name);
  const writers = options.writers ?? `group:k8s-infra-staging-${name}@${config.domain}`;
  const files = new Map([
    [`projects/${name}.yaml`, sharedRegistryFileText(name, config, options.writers)],
    ...promotionFiles(name, config, { ...options, source, writers }),
  ]);
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
  const nameProblem = projectNameProblem(name, { dedicated: false, shared: true });
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
  const writersProblem = options.writers === undefined ? undefined : iamMemberProblem(options.writers);
  if (writersProblem) reasons.push(`writers "${options.writers}": ${writersProblem}`);
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
