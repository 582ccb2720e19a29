import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError, type Problem } from "../diagnostics/problem";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { parseYaml, type ParsedYaml } from "../yaml/parse-yaml";
import { zodProblems } from "../yaml/zod-problems";
import { grantKey, projectGrants, type Grant } from "./project-grants";
import { projectNameProblem } from "./project-name";
import { ProjectFileSchema } from "./project-schema";
import { deriveProjectSpec, type StagingProjectSpec } from "./staging-project-spec";

/** One project file's name and text. */
export interface ProjectFileText {
  /** The file as shown in messages, e.g. `projects/kind.yaml`. */
  readonly file: string;
  /** The project name: the file's base name without `.yaml`. */
  readonly name: string;
  /** The file's contents. */
  readonly text: string;
}

/** A validated project: what it is and every grant it gets. */
export interface LoadedProject {
  /** The derived project. */
  readonly spec: StagingProjectSpec;
  /** Every grant, defaults first; keys ({@link grantKey}) are unique. */
  readonly grants: readonly Grant[];
}

/**
 * Validates project files: names, YAML, the strict schema, then the rules that need the stack config
 * (extras that repeat a default, clashing bucket names). Reports every problem of every file at once.
 *
 * @param files the files, in any order
 * @param config the validated stack config
 * @returns the projects, sorted by name
 * @throws InvalidInputError with every problem, before anything is declared
 */
export function parseProjects(files: readonly ProjectFileText[], config: StackConfig): LoadedProject[] {
  const { projects, problems } = validateProjects(files, config);
  if (problems.length > 0) throw new InvalidInputError(problems);
  return projects;
}

function validateProjects(
  files: readonly ProjectFileText[],
  config: StackConfig,
): { projects: LoadedProject[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const projects: LoadedProject[] = [];
  const seen = new Set<string>();
  for (const { file, name, text } of files) {
    const atFile = (message: string) => problems.push({ file, line: 1, col: 1, path: "", message });
    const nameProblem = projectNameProblem(name);
    if (nameProblem) atFile(nameProblem);
    if (seen.has(name)) atFile(`project name "${name}" is used by another file`);
    seen.add(name);

    const parsed = parseYaml(file, text);
    problems.push(...parsed.problems);
    // A syntax error leaves nothing to check; duplicate keys still leave a value whose other problems count.
    if (parsed.value === null && parsed.problems.length > 0) continue;
    const result = ProjectFileSchema.safeParse(parsed.value ?? {});
    if (!result.success) {
      problems.push(...zodProblems(parsed, result.error));
      continue;
    }
    if (nameProblem || parsed.problems.length > 0) continue;
    const spec = deriveProjectSpec(name, file, result.data, config);
    const grants = projectGrants(spec, config);
    problems.push(...repeatedExtras(parsed, spec, config), ...repeatedGrants(parsed, grants));
    projects.push({ spec, grants });
  }
  problems.push(...clashingBuckets(projects));
  projects.sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));
  return { projects, problems };
}

/**
 * Reads every `*.yaml` file of a directory and validates it (see {@link parseProjects}). A `*.yml` file is
 * reported rather than ignored, so a misnamed project is not silently left out; other files are ignored.
 *
 * @param dir the directory, e.g. `projects`
 * @param config the validated stack config
 * @returns the projects, sorted by name
 * @throws InvalidInputError with every problem; the fs error when the directory cannot be read
 * @example const projects = await loadProjects("projects", config);
 */
export async function loadProjects(dir: string, config: StackConfig): Promise<LoadedProject[]> {
  const entries = (await readdir(dir)).sort();
  const misnamed: Problem[] = entries
    .filter((entry) => entry.endsWith(".yml"))
    .map((entry) => ({ file: join(dir, entry), line: 1, col: 1, path: "", message: "project files end in .yaml" }));
  const files = await Promise.all(
    entries
      .filter((entry) => entry.endsWith(".yaml"))
      .map(async (entry) => ({
        file: join(dir, entry),
        name: entry.slice(0, -".yaml".length),
        text: await readFile(join(dir, entry), "utf8"),
      })),
  );
  const { projects, problems } = validateProjects(files, config);
  if (problems.length + misnamed.length > 0) throw new InvalidInputError([...problems, ...misnamed]);
  return projects;
}

function repeatedExtras(parsed: ParsedYaml, spec: StagingProjectSpec, config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  (spec.source.apis ?? []).forEach((api, index) => {
    if (config.apis.includes(api)) problems.push(parsed.problemAt(["apis", index], `${api} is enabled for every project`));
    else if (spec.source.apis!.indexOf(api) !== index) problems.push(parsed.problemAt(["apis", index], `${api} is listed twice`));
  });
  spec.registries.forEach((registry, index) => {
    const first = spec.registries.findIndex((other) => other.key === registry.key);
    if (first !== index) {
      const what = first === 0 ? "is the project's main registry" : "is listed twice";
      problems.push(parsed.problemAt(["registries", index - 1], `${registry.location}/${registry.repositoryId} ${what}`));
    }
  });
  (spec.source.groupMembers ?? []).forEach((member, index) => {
    if (spec.source.groupMembers!.indexOf(member) !== index) {
      problems.push(parsed.problemAt(["groupMembers", index], `${member} is listed twice`));
    }
  });
  return problems;
}

function repeatedGrants(parsed: ParsedYaml, grants: readonly Grant[]): Problem[] {
  const problems: Problem[] = [];
  const firstByKey = new Map<string, Grant>();
  for (const grant of grants) {
    const key = grantKey(grant);
    const first = firstByKey.get(key);
    if (!first) firstByKey.set(key, grant);
    else if (grant.source) {
      const why = first.source ? "is granted twice" : "is already granted to every project";
      problems.push(parsed.problemAt(grant.source, `${grant.role} for ${grant.member} ${why}`));
    }
  }
  return problems;
}

function clashingBuckets(projects: readonly LoadedProject[]): Problem[] {
  const owners = new Map(projects.map(({ spec }) => [spec.buckets.gcb, spec.name]));
  return projects.flatMap(({ spec }) => {
    const owner = owners.get(spec.buckets.main);
    return owner === undefined
      ? []
      : [{ file: spec.file, line: 1, col: 1, path: "", message: `bucket "${spec.buckets.main}" is already the Cloud Build bucket of project "${owner}"` }];
  });
}
