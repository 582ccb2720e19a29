import { lstatSync, readdirSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { Problem } from "../../diagnostics/problem";

/** File names of the thin layout. */
export const MANIFEST_FILE_NAME = "promoter-manifest.yaml";
/** File names of the thin layout. */
export const IMAGES_FILE_NAME = "images.yaml";

/** One project found in a thin manifest directory. Paths are relative to that directory, `/`-separated. */
export interface ThinProject {
  /** The `<p>` of `manifests/<p>/`. */
  readonly project: string;
  /** `manifests/<p>/promoter-manifest.yaml`. */
  readonly manifestFile: string;
  /** `images/<p>/images.yaml`. */
  readonly imagesFile: string;
}

/** A layout problem that concerns one project's directory only. */
export interface ProjectLayoutProblem {
  /** The `<p>` of `manifests/<p>/…`. */
  readonly project: string;
  /** What is wrong, at line 1, column 1 of the file concerned. */
  readonly problem: Problem;
}

/** What {@link discoverThinProjects} found. */
export interface ThinLayout {
  /** Projects whose two files both exist (as something; reading them may still fail), sorted by project name. */
  readonly projects: readonly ThinProject[];
  /** Problems of the whole tree (a missing `images/` or `manifests/` directory), unsorted. */
  readonly problems: readonly Problem[];
  /** Problems of one project's directory (a nested manifest, a missing `images.yaml`), unsorted. */
  readonly projectProblems: readonly ProjectLayoutProblem[];
}

/**
 * Finds the projects of a thin manifest directory by kpromo's discovery rules: every file named
 * `promoter-manifest.yaml` under the top-level `manifests/` must sit exactly at
 * `manifests/<p>/promoter-manifest.yaml` and have `images/<p>/images.yaml`; other files are ignored, as is
 * any other top-level folder (a stray `manifest/`); a missing `images/` or `manifests/` directory is an error.
 * Layout problems are positioned at line 1, column 1 of the file (or directory) concerned; those under
 * `manifests/<p>/` are the project `<p>`'s.
 *
 * @param dir the thin manifest directory (`--thin-manifest-dir`)
 * @returns the projects found and every layout problem
 * @throws Error for file-system failures other than a missing path (e.g. permission denied)
 * @example
 * const { projects, problems } = discoverThinProjects("../k8s.io/registry.k8s.io");
 * // projects[0] → { project: "k8s-staging-build-image", manifestFile: "manifests/k8s-staging-build-image/promoter-manifest.yaml", … }
 */
export function discoverThinProjects(dir: string): ThinLayout {
  const problems: Problem[] = [];
  const projectProblems: ProjectLayoutProblem[] = [];
  const atStart = (file: string, message: string): Problem => ({ file, line: 1, col: 1, path: "", message });
  const hasImagesDir = isDirectory(join(dir, "images"));
  const noTree = "directory not found (a thin manifest directory needs images/ and manifests/)";
  if (!hasImagesDir) problems.push(atStart("images", noTree));
  if (!isDirectory(join(dir, "manifests"))) {
    problems.push(atStart("manifests", noTree));
    return { projects: [], problems, projectProblems };
  }

  const projects: ThinProject[] = [];
  for (const relative of manifestFilesUnder(dir, "manifests")) {
    const parts = relative.split("/");
    const project = parts[1]!;
    if (parts.length !== 3) {
      const message = `unexpected manifest path: manifests must be at manifests/<project>/${MANIFEST_FILE_NAME}`;
      projectProblems.push({ project, problem: atStart(relative, message) });
      continue;
    }
    const imagesFile = `images/${project}/${IMAGES_FILE_NAME}`;
    if (!hasImagesDir) continue; // already reported once for the whole tree
    // Anything by that name counts (a directory or a device too): the reader then says what is wrong with it.
    if (!exists(join(dir, imagesFile))) {
      projectProblems.push({ project, problem: atStart(relative, `${imagesFile} not found: every manifest needs its images file`) });
      continue;
    }
    projects.push({ project, manifestFile: relative, imagesFile });
  }
  projects.sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
  return { projects, problems, projectProblems };
}

/** Every `promoter-manifest.yaml` below `dir/relative`, as `/`-separated paths relative to `dir`, sorted. */
function manifestFilesUnder(dir: string, relative: string): string[] {
  const found: string[] = [];
  const entries: Dirent[] = readdirSync(join(dir, relative), { withFileTypes: true });
  for (const entry of entries) {
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...manifestFilesUnder(dir, child));
    else if (entry.name === MANIFEST_FILE_NAME) found.push(child);
  }
  return found.sort();
}

function isDirectory(path: string): boolean {
  return statOrUndefined(path)?.isDirectory() ?? false;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw error;
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      return undefined;
    }
    throw error;
  }
}
