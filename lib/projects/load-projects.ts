import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError, type Problem } from "../diagnostics/problem";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { parseYaml, type ParsedYaml } from "../yaml/parse-yaml";
import { zodProblems } from "../yaml/zod-problems";
import { grantKey, projectGrants, splitAuthoritative, type Binding, type Grant } from "./project-grants";
import { projectNameProblem } from "./project-name";
import { ProjectFileSchema } from "./project-schema";
import { deriveSharedRegistrySpec, type SharedRegistrySpec } from "./shared-registry-spec";
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

/** A validated dedicated project: what it is and every grant it gets. */
export interface LoadedProject {
  /** The derived project. */
  readonly spec: StagingProjectSpec;
  /** Every grant declared one member at a time, defaults first; keys ({@link grantKey}) are unique. */
  readonly grants: readonly Grant[];
  /** The authoritative bindings of the roles the project owns whole; no grant above has one of their roles. */
  readonly bindings: readonly Binding[];
}

/** One subproject's staging, from its file: a shared registry, a dedicated project, or both. */
export interface StagingEntry {
  /** The file's base name, e.g. `kind`. */
  readonly name: string;
  /** The file as shown in messages. */
  readonly file: string;
  /** Its repository in the shared staging project, when it has one. */
  readonly shared?: SharedRegistrySpec;
  /** Its dedicated project `k8s-staging-<name>`, when it has one. */
  readonly dedicated?: LoadedProject;
}

/**
 * Validates project files: YAML, the strict schema, names (whose rules depend on what the file declares), then
 * the rules that need the stack config or other files (extras that repeat a default, authoritative roles without
 * members, clashing bucket or build account names). Reports every problem of every file at once.
 *
 * @param files the files, in any order
 * @param config the validated stack config
 * @returns the entries, sorted by name
 * @throws InvalidInputError with every problem, before anything is declared
 */
export function parseProjects(files: readonly ProjectFileText[], config: StackConfig): StagingEntry[] {
  const { entries, problems } = validateProjects(files, config);
  if (problems.length > 0) throw new InvalidInputError(problems);
  return entries;
}

function validateProjects(files: readonly ProjectFileText[], config: StackConfig): { entries: StagingEntry[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const entries: StagingEntry[] = [];
  const seen = new Set<string>();
  for (const { file, name, text } of files) {
    const atFile = (message: string) => problems.push({ file, line: 1, col: 1, path: "", message });
    if (seen.has(name)) atFile(`project name "${name}" is used by another file`);
    seen.add(name);

    const parsed = parseYaml(file, text);
    problems.push(...parsed.problems);
    const result = parsed.value === null && parsed.problems.length > 0 ? undefined : ProjectFileSchema.safeParse(parsed.value ?? {});
    if (!result?.success) {
      // The kinds are unknown: only the rules every name follows.
      const nameProblem = projectNameProblem(name, { dedicated: false, shared: false });
      if (nameProblem) atFile(nameProblem);
      if (result) problems.push(...zodProblems(parsed, result.error));
      continue;
    }
    const { sharedRegistry, dedicatedProject } = result.data;
    const nameProblem = projectNameProblem(name, { dedicated: dedicatedProject !== undefined, shared: sharedRegistry !== undefined });
    if (nameProblem) atFile(nameProblem);
    if (nameProblem || parsed.problems.length > 0) continue;

    let dedicated: LoadedProject | undefined;
    if (dedicatedProject) {
      const spec = deriveProjectSpec(name, file, dedicatedProject, config);
      const all = projectGrants(spec, config);
      const inFile = (path: readonly PropertyKey[]) => ["dedicatedProject", ...path];
      problems.push(...repeatedExtras(parsed, spec, config, inFile), ...repeatedGrants(parsed, all, inFile));
      problems.push(...authoritativeRoleProblems(parsed, spec, all, inFile));
      if (spec.projectId === config.sharedProject) {
        problems.push(parsed.problemAt(["dedicatedProject"], `${spec.projectId} is the shared staging project; choose another name`, "key"));
      }
      dedicated = { spec, ...splitAuthoritative(spec, all) };
    }
    const shared = sharedRegistry && deriveSharedRegistrySpec(name, file, sharedRegistry, config);
    entries.push({ name, file, ...(shared ? { shared } : {}), ...(dedicated ? { dedicated } : {}) });
  }
  problems.push(...clashingBuckets(entries), ...clashingBuildAccounts(entries));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, problems };
}

/**
 * Reads every `*.yaml` file of a directory and validates it (see {@link parseProjects}). A `*.yml` file is
 * reported rather than ignored, so a misnamed project is not silently left out; other files are ignored.
 *
 * @param dir the directory, e.g. `projects`
 * @param config the validated stack config
 * @returns the entries, sorted by name
 * @throws InvalidInputError with every problem; the fs error when the directory cannot be read
 * @example const entries = await loadProjects("projects", config);
 */
export async function loadProjects(dir: string, config: StackConfig): Promise<StagingEntry[]> {
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
  const { entries: loaded, problems } = validateProjects(files, config);
  if (problems.length + misnamed.length > 0) throw new InvalidInputError([...problems, ...misnamed]);
  return loaded;
}

/**
 * The dedicated projects among entries, sorted by name.
 *
 * @param entries loaded entries
 * @returns their `dedicated` parts
 */
export function dedicatedProjects(entries: readonly StagingEntry[]): LoadedProject[] {
  return entries.flatMap((entry) => (entry.dedicated ? [entry.dedicated] : []));
}

/**
 * The shared registries among entries, sorted by name.
 *
 * @param entries loaded entries
 * @returns their `shared` parts
 */
export function sharedRegistries(entries: readonly StagingEntry[]): SharedRegistrySpec[] {
  return entries.flatMap((entry) => (entry.shared ? [entry.shared] : []));
}

type InFile = (path: readonly PropertyKey[]) => readonly PropertyKey[];

function repeatedExtras(parsed: ParsedYaml, spec: StagingProjectSpec, config: StackConfig, inFile: InFile): Problem[] {
  const problems: Problem[] = [];
  (spec.source.apis ?? []).forEach((api, index) => {
    if (config.apis.includes(api)) problems.push(parsed.problemAt(inFile(["apis", index]), `${api} is enabled for every project`));
    else if (spec.source.apis!.indexOf(api) !== index) problems.push(parsed.problemAt(inFile(["apis", index]), `${api} is listed twice`));
  });
  spec.registries.forEach((registry, index) => {
    const first = spec.registries.findIndex((other) => other.key === registry.key);
    if (first !== index) {
      const what = first === 0 ? "is the project's main registry" : "is listed twice";
      problems.push(parsed.problemAt(inFile(["registries", index - 1]), `${registry.location}/${registry.repositoryId} ${what}`));
    }
  });
  (spec.source.groupMembers ?? []).forEach((member, index) => {
    if (spec.source.groupMembers!.indexOf(member) !== index) {
      problems.push(parsed.problemAt(inFile(["groupMembers", index]), `${member} is listed twice`));
    }
  });
  return problems;
}

function repeatedGrants(parsed: ParsedYaml, grants: readonly Grant[], inFile: InFile): Problem[] {
  const problems: Problem[] = [];
  const firstByKey = new Map<string, Grant>();
  for (const grant of grants) {
    const key = grantKey(grant);
    const first = firstByKey.get(key);
    if (!first) firstByKey.set(key, grant);
    else if (grant.source) {
      const why = first.source ? "is granted twice" : "is already granted to every project";
      problems.push(parsed.problemAt(inFile(grant.source), `${grant.role} for ${grant.member} ${why}`));
    }
  }
  return problems;
}

function authoritativeRoleProblems(parsed: ParsedYaml, spec: StagingProjectSpec, grants: readonly Grant[], inFile: InFile): Problem[] {
  const roles = spec.authoritativeProjectRoles;
  return roles.flatMap((role, index) => {
    const at = inFile(["authoritativeProjectRoles", index]);
    if (roles.indexOf(role) !== index) return [parsed.problemAt(at, `${role} is listed twice`)];
    if (!grants.some((grant) => grant.target.kind === "project" && grant.role === role)) {
      return [parsed.problemAt(at, `${role} is held authoritatively but granted to no one: list its members under projectIam`)];
    }
    return [];
  });
}

function clashingBuckets(entries: readonly StagingEntry[]): Problem[] {
  const projects = dedicatedProjects(entries);
  const owners = new Map(projects.map(({ spec }) => [spec.buckets.gcb, spec.name]));
  return projects.flatMap(({ spec }) => {
    const owner = owners.get(spec.buckets.main);
    return owner === undefined
      ? []
      : [{ file: spec.file, line: 1, col: 1, path: "", message: `bucket "${spec.buckets.main}" is already the Cloud Build bucket of project "${owner}"` }];
  });
}

function clashingBuildAccounts(entries: readonly StagingEntry[]): Problem[] {
  const problems: Problem[] = [];
  const ownerByAccount = new Map<string, string>();
  for (const registry of [...sharedRegistries(entries)].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const owner = ownerByAccount.get(registry.buildAccount.accountId);
    if (owner === undefined) ownerByAccount.set(registry.buildAccount.accountId, registry.name);
    else {
      problems.push({
        file: registry.file,
        line: 1,
        col: 1,
        path: "",
        message: `build account "${registry.buildAccount.accountId}" is already the build account of registry "${owner}" (account ids keep the first 27 characters of the name)`,
      });
    }
  }
  return problems;
}
