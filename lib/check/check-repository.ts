import { readdirSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { compareProblems, InvalidInputError, type Problem } from "../diagnostics/problem";
import type { Manifest } from "../promote/manifests/types";
import { strictProblems, validateThinTree } from "../promote/manifests/validate-tree";
import { loadProjects, type StagingEntry } from "../projects/load-projects";
import { PROJECT_ID_PREFIX } from "../projects/project-name";
import { registryAddress } from "../projects/staging-project-spec";
import { loadStackConfig } from "../stack-config/load-stack-config";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { promotionTreeProblems, type DeclaredProject } from "./promotion-tree-rules";
import { pullRequestProblems } from "./pull-request-rules";

/** What {@link checkRepository} checks. */
export interface CheckOptions {
  /** The repository root: holds `Pulumi.yaml`, the stack file, `projects/`, `images/` and `manifests/`. */
  readonly root: string;
  /** The stack file, relative to `root`; `Pulumi.prod.yaml` when omitted. */
  readonly stackFile?: string;
  /** A git revision to enforce the pull-request rules against (see {@link pullRequestProblems}). */
  readonly base?: string;
}

/** What {@link checkRepositoryReport} found. */
export interface CheckReport {
  /** Every problem, sorted by file and position; empty when the repository is clean. */
  readonly problems: readonly Problem[];
  /** Findings that cannot change what is promoted (a registry listed twice, …), sorted; they do not fail the check. */
  readonly warnings: readonly Problem[];
}

/**
 * The presubmit, offline: validates the stack config, every project file and every promoter manifest, then that
 * they agree (see {@link promotionTreeProblems}) and, with a base revision, what a pull request may change.
 * Every rule runs even when another fails, so one run reports everything. File names in the problems are
 * relative to the root. Promoter files are read as a pull request may have left them: bounded, and only inside
 * the repository (see `TreeReader`).
 *
 * @param options the root, stack file and optional base revision
 * @returns every problem, sorted by file and position; empty when the repository is clean
 * @throws GitRevisionError when `base` is given but cannot be read; the fs error when `root` cannot be read
 * @example
 * const problems = await checkRepository({ root: ".", base: "origin/main" });
 * problems.map(formatProblem).forEach((line) => console.error(line));
 */
export async function checkRepository(options: CheckOptions): Promise<Problem[]> {
  return [...(await checkRepositoryReport(options)).problems];
}

/**
 * {@link checkRepository}, with the warnings too.
 *
 * @param options the root, stack file and optional base revision
 * @returns the problems and the warnings, each sorted
 * @throws GitRevisionError when `base` is given but cannot be read; the fs error when `root` cannot be read
 */
export async function checkRepositoryReport(options: CheckOptions): Promise<CheckReport> {
  const { root } = options;
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const collect = async <T>(load: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await load();
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((problem) => ({ ...problem, file: relativeFile(root, problem.file) })));
      return undefined;
    }
  };

  const config = await collect(() => loadStackConfig(join(root, "Pulumi.yaml"), join(root, options.stackFile ?? "Pulumi.prod.yaml")));
  if (config) {
    const entries = await collect(() => loadProjects(join(root, "projects"), config));
    const declared = declaredProjects(root, config, entries);
    const manifests = validManifests(root, problems, warnings);
    problems.push(...promotionTreeProblems(root, declared, manifests, config));
  }
  if (options.base !== undefined) problems.push(...pullRequestProblems(root, options.base));
  return { problems: problems.sort(compareProblems), warnings: warnings.sort(compareProblems) };
}

/**
 * The staging entries as the program declares them: each with the registries a manifest may promote from (its
 * shared registry, its dedicated project's registries). When a project file is invalid the loader declares
 * nothing, yet the promotion tree can still be checked against every name and the registries it could have.
 */
function declaredProjects(root: string, config: StackConfig, entries: readonly StagingEntry[] | undefined): DeclaredProject[] {
  if (entries) {
    return entries.map((entry) => ({
      name: entry.name,
      file: relativeFile(root, entry.file),
      stagingRegistries: [
        ...(entry.shared ? [entry.shared.address] : []),
        ...(entry.dedicated?.spec.registries.map((registry) => registry.address) ?? []),
      ],
    }));
  }
  return readdirSync(join(root, "projects"))
    .filter((entry) => entry.endsWith(".yaml"))
    .sort()
    .map((entry) => {
      const name = entry.slice(0, -".yaml".length);
      const dedicated = registryAddress(`${PROJECT_ID_PREFIX}${name}`, config.registryLocation, config.registryRepositoryId);
      const shared = registryAddress(config.sharedProject, config.sharedRegistryLocation, name);
      return { name, file: `projects/${entry}`, stagingRegistries: [shared, dedicated] };
    });
}

/**
 * Validates every manifest of the tree strictly (reporting into `problems` and `warnings`) and returns those of
 * valid projects; an image refused for its destination path is a problem here.
 */
function validManifests(root: string, problems: Problem[], warnings: Problem[]): Manifest[] {
  const validation = validateThinTree(root);
  problems.push(...strictProblems(validation));
  warnings.push(...validation.projects.flatMap((project) => project.warnings));
  return validation.projects.flatMap((project) => (project.manifest ? [project.manifest] : []));
}

function relativeFile(root: string, file: string): string {
  const path = isAbsolute(file) || file.startsWith(root) ? relative(root, file) : file;
  return path.split("\\").join("/");
}
