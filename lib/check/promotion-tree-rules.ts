import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Problem } from "../diagnostics/problem";
import { TreeFileError, TreeReader } from "../fs/tree-reader";
import type { Manifest } from "../promote/manifests/types";
import { PROJECT_ID_PREFIX } from "../projects/project-name";
import { serviceAccountEmail } from "../projects/staging-project-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { parseYaml } from "../yaml/parse-yaml";

/** What the program declares for one project, as the promotion tree must reflect it. */
export interface DeclaredProject {
  /** The project name, e.g. `kind`. */
  readonly name: string;
  /** Its file, e.g. `projects/kind.yaml`. */
  readonly file: string;
  /** Addresses of the staging registries the program declares for it, main first. */
  readonly stagingRegistries: readonly string[];
}

/**
 * Checks that the projects and the promotion tree agree: every project has `images/k8s-staging-<name>/OWNERS`
 * (listing at least one approver), `images.yaml` and `manifests/k8s-staging-<name>/promoter-manifest.yaml`;
 * no manifest or images directory exists without a project; each manifest's source is a staging registry the
 * program declares for its project, and every destination is a production registry of the stack config (or a
 * path below one) written for the promoter account the stack config declares.
 *
 * @param root the repository root; messages name files relative to it
 * @param projects every project of `projects/`, valid or not (a file that failed validation still counts)
 * @param manifests the manifests that passed validation
 * @param config the stack config
 * @returns the problems, unsorted
 */
export function promotionTreeProblems(
  root: string,
  projects: readonly DeclaredProject[],
  manifests: readonly Manifest[],
  config: StackConfig,
): Problem[] {
  const problems: Problem[] = [];
  const atStart = (file: string, message: string) => problems.push({ file, line: 1, col: 1, path: "", message });
  const byDirectory = new Map(projects.map((project) => [`${PROJECT_ID_PREFIX}${project.name}`, project]));

  for (const project of projects) {
    const dir = `${PROJECT_ID_PREFIX}${project.name}`;
    const manifestFile = `manifests/${dir}/promoter-manifest.yaml`;
    const hasManifest = existsSync(join(root, manifestFile));
    if (!hasManifest) atStart(project.file, `${manifestFile} is missing (npm run new-project writes it)`);
    // With a manifest present, the manifest loader already reports a missing images.yaml.
    if (!hasManifest && !existsSync(join(root, `images/${dir}/images.yaml`))) {
      atStart(project.file, `images/${dir}/images.yaml is missing (npm run new-project writes it)`);
    }
    problems.push(...ownersProblems(root, `images/${dir}/OWNERS`, project.file));
  }

  for (const tree of ["manifests", "images"] as const) {
    for (const dir of subdirectories(join(root, tree))) {
      if (byDirectory.has(dir)) continue;
      const file = tree === "manifests" ? `manifests/${dir}/promoter-manifest.yaml` : `images/${dir}/images.yaml`;
      const name = dir.startsWith(PROJECT_ID_PREFIX) ? dir.slice(PROJECT_ID_PREFIX.length) : undefined;
      atStart(
        existsSync(join(root, file)) ? file : `${tree}/${dir}`,
        name
          ? `no project "${name}" in projects/ for ${tree}/${dir}/ (add projects/${name}.yaml or remove the directory)`
          : `${tree}/${dir}/ is not named ${PROJECT_ID_PREFIX}<project>`,
      );
    }
  }

  const promoter = serviceAccountEmail(config.promoterAccountId, config.promoterProject);
  for (const manifest of manifests) {
    const project = byDirectory.get(manifest.project);
    const source = manifest.registriesSource;
    for (const registry of manifest.registries) {
      const path = ["registries", registry.index];
      if (registry.src) {
        if (project && !project.stagingRegistries.includes(registry.name)) {
          const expected = project.stagingRegistries.join(" or ");
          problems.push(
            at(source, [...path, "name"], `source registry must be ${expected}, the staging registry the program declares for project "${project.name}"`),
          );
        }
        continue;
      }
      if (!config.productionRegistries.some(({ address }) => registry.name === address || registry.name.startsWith(`${address}/`))) {
        problems.push(at(source, [...path, "name"], `destination ${registry.name} is not a production registry of the stack config nor a path below one`));
      }
      if (registry.serviceAccount === undefined) {
        problems.push(at(source, path, `service-account is missing; destinations are written by the promoter account ${promoter}`));
      } else if (registry.serviceAccount !== promoter) {
        problems.push(
          at(source, [...path, "service-account"], `service-account must be ${promoter}, the promoter account the stack config declares`),
        );
      }
    }
  }
  return problems;
}

/**
 * Checks an OWNERS file: it must exist and list at least one approver under `approvers`.
 *
 * @param root the repository root
 * @param file the OWNERS file relative to `root`
 * @param owner where to report a missing file, e.g. `projects/kind.yaml`
 * @returns the problems; empty when the file is fine
 * @example ownersProblems(".", "images/k8s-staging-kind/OWNERS", "projects/kind.yaml") // → []
 */
export function ownersProblems(root: string, file: string, owner: string): Problem[] {
  let text: string;
  try {
    // Read as a pull request may have left it: a link to /dev/zero or out of the repository is refused, not read.
    text = new TreeReader(root, { maxFileBytes: MAX_OWNERS_BYTES, maxTotalBytes: MAX_OWNERS_BYTES }).read(file);
  } catch (error) {
    if (!(error instanceof TreeFileError)) throw error;
    if (error.code === "MISSING") {
      return [{ file: owner, line: 1, col: 1, path: "", message: `${file} is missing (npm run new-project writes it)` }];
    }
    return [{ file, line: 1, col: 1, path: "", message: error.message }];
  }
  const parsed = parseYaml(file, text);
  if (parsed.problems.length > 0) return [...parsed.problems];
  const approvers = (parsed.value as { approvers?: unknown } | null)?.approvers;
  if (Array.isArray(approvers) && approvers.length > 0 && approvers.every((login) => typeof login === "string" && login !== "")) {
    return [];
  }
  return [{ file, ...parsed.locate(["approvers"]), path: "", message: "OWNERS must list at least one approver under approvers" }];
}

/** The largest OWNERS file read: real ones list a few logins, far below this. */
const MAX_OWNERS_BYTES = 64 * 1024;

function at(source: Manifest["registriesSource"], path: readonly PropertyKey[], message: string): Problem {
  return { file: source.file, ...source.locate(path), path: "", message };
}

function subdirectories(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
