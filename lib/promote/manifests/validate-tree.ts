import { basename, dirname } from "node:path";
import type { Problem } from "../../diagnostics/problem";
import { TreeFileError, TreeReader } from "../../fs/tree-reader";
import { parseYaml, type ParsedYaml } from "../../yaml/parse-yaml";
import { destinationTagProblems } from "./check-destination-tags";
import { discoverThinProjects } from "./discover-thin";
import { MAX_PROMOTER_FILE_BYTES, MAX_PROMOTER_TREE_BYTES } from "./limits";
import { pathOwnershipRefusals } from "./path-ownership";
import type { Manifest, Refusal } from "./types";
import { validateFatManifest, validateThinManifest, type ValidatedManifest } from "./validate-manifest";

/** A project's files judged on their own: `invalid` when they have a problem, `warnings` when only warnings. */
export type Verdict = "valid" | "warnings" | "invalid";

/** One project of a tree and what its own files hold. */
export interface ProjectValidation {
  /** The `<p>` of `manifests/<p>/`, or the base name of a fat manifest file. */
  readonly project: string;
  /** The manifest, present only when {@link ProjectValidation.problems} is empty. */
  readonly manifest?: Manifest;
  /** Every problem of the project's files (layout, reading, syntax, shape, naming, its own tag conflicts). */
  readonly problems: readonly Problem[];
  /** Findings that cannot change what is promoted (see {@link ValidatedManifest.warnings}). */
  readonly warnings: readonly Problem[];
}

/** Everything known about a tree (or a fat manifest file) before any registry is read. */
export interface TreeValidation {
  /** Problems of the tree as a whole (no `images/` or `manifests/`): nothing can be promoted. */
  readonly problems: readonly Problem[];
  /** Every project found, sorted by name, valid or not. */
  readonly projects: readonly ProjectValidation[];
  /** Images of valid projects refused because their destination path is not theirs alone. */
  readonly refusals: readonly Refusal[];
}

/** How much a validation reads. */
export interface ValidationLimits {
  /** The largest file read; default {@link MAX_PROMOTER_FILE_BYTES}. */
  readonly maxFileBytes?: number;
  /** The most bytes read from the tree in all; default {@link MAX_PROMOTER_TREE_BYTES}. */
  readonly maxTreeBytes?: number;
}

/**
 * Validates every project of a thin manifest directory on its own (`manifests/<p>/promoter-manifest.yaml` +
 * `images/<p>/images.yaml`), then the rules between projects (every destination path belongs to one project).
 * One project's problems never hide another's: each file is read (bounded, inside the tree only) and judged
 * separately. File names in messages are relative to `dir`.
 *
 * @param dir the thin manifest directory
 * @param limits how much to read (tests lower them)
 * @returns the verdict material per project, and the refusals between projects
 * @throws Error only for file-system failures other than the ones reported as problems (e.g. `dir` unreadable)
 * @example
 * const tree = validateThinTree("registry.k8s.io");
 * tree.projects.filter((p) => verdictOf(p) === "invalid").map((p) => p.project);
 */
export function validateThinTree(dir: string, limits: ValidationLimits = {}): TreeValidation {
  const layout = discoverThinProjects(dir);
  const layoutProblems = new Map<string, Problem[]>();
  for (const { project, problem } of layout.projectProblems) {
    layoutProblems.set(project, [...(layoutProblems.get(project) ?? []), problem]);
  }
  const reader = layout.projects.length > 0 ? treeReader(dir, limits) : undefined;
  const projects = new Map<string, ProjectValidation>();
  for (const project of layout.projects) {
    const result = validateThinManifest(project.project, parseFile(reader!, project.manifestFile), parseFile(reader!, project.imagesFile));
    projects.set(project.project, judged(project.project, result, layoutProblems.get(project.project) ?? []));
  }
  for (const [project, problems] of layoutProblems) {
    if (!projects.has(project)) projects.set(project, { project, problems, warnings: [] });
  }
  return withRefusals(layout.problems, [...projects.values()].sort((a, b) => (a.project < b.project ? -1 : 1)));
}

/**
 * Validates a single fat manifest file (`registries` + `images`) as one project named after the file. The file is
 * read like a tree's files: only a regular file, inside its own directory, bounded.
 *
 * @param file path of the manifest file; messages show it as given
 * @param limits how much to read
 * @returns one project
 * @throws Error only for file-system failures other than the ones reported as problems
 */
export function validateFatFile(file: string, limits: ValidationLimits = {}): TreeValidation {
  let reader: TreeReader;
  try {
    reader = treeReader(dirname(file), limits);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return withRefusals([], [{ project: basename(file), problems: [{ file, line: 1, col: 1, path: "", message: "not found" }], warnings: [] }]);
  }
  const parsed = parseFile(reader, basename(file), file);
  return withRefusals([], [judged(basename(file), validateFatManifest(basename(file), parsed), [])]);
}

/**
 * The verdict of a project's own files.
 *
 * @param project the project's validation
 * @returns `invalid` with any problem, else `warnings` with any warning, else `valid`
 */
export function verdictOf(project: ProjectValidation): Verdict {
  if (project.problems.length > 0) return "invalid";
  return project.warnings.length > 0 ? "warnings" : "valid";
}

/**
 * Every problem of a validation, as the strict modes (`check`, `promote --strict`) count them: the tree's, every
 * project's, and every refusal.
 *
 * @param validation a tree's validation
 * @returns the problems, unsorted
 */
export function strictProblems(validation: TreeValidation): Problem[] {
  return [
    ...validation.problems,
    ...validation.projects.flatMap((project) => project.problems),
    ...validation.refusals.map((refusal) => refusal.problem),
  ];
}

function treeReader(dir: string, limits: ValidationLimits): TreeReader {
  return new TreeReader(dir, {
    maxFileBytes: limits.maxFileBytes ?? MAX_PROMOTER_FILE_BYTES,
    maxTotalBytes: limits.maxTreeBytes ?? MAX_PROMOTER_TREE_BYTES,
  });
}

/** A project's verdict material; a tag its own entries claim for two digests makes it invalid. */
function judged(project: string, result: ValidatedManifest, layoutProblems: readonly Problem[]): ProjectValidation {
  const ownConflicts = result.manifest ? destinationTagProblems([result.manifest]) : [];
  const problems = [...layoutProblems, ...result.problems, ...ownConflicts];
  return { project, problems, warnings: result.warnings, ...(problems.length === 0 && result.manifest ? { manifest: result.manifest } : {}) };
}

function withRefusals(problems: readonly Problem[], projects: ProjectValidation[]): TreeValidation {
  const valid = projects.flatMap((project) => (project.manifest ? [project.manifest] : []));
  return { problems, projects, refusals: pathOwnershipRefusals(valid) };
}

/** Reads and parses one file; a file that cannot be read parses as a document with that one problem. */
function parseFile(reader: TreeReader, relative: string, shownAs = relative): ParsedYaml {
  try {
    return parseYaml(shownAs, reader.read(relative), { schema: "failsafe", identicalDuplicates: "warning" });
  } catch (error) {
    if (!(error instanceof TreeFileError)) throw error;
    return unreadable(shownAs, error.message);
  }
}

/** Shaped like a file with a syntax error: no value and one positioned problem, so the validators add nothing. */
function unreadable(file: string, message: string): ParsedYaml {
  const problem: Problem = { file, line: 1, col: 1, path: "", message };
  return { file, value: null, problems: [problem], warnings: [], locate: () => ({ line: 1, col: 1 }), problemAt: () => problem };
}
