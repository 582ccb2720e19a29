import { InvalidInputError } from "../../diagnostics/problem";
import type { Manifest } from "./types";
import { strictProblems, validateFatFile, validateThinTree, type TreeValidation } from "./validate-tree";

/**
 * Loads a thin manifest directory all-or-nothing: every manifest, or every problem (layout, reading, syntax,
 * shape, naming, tag conflicts, destination paths that are not one project's alone). Warnings do not count.
 * File names in messages are relative to `dir`, e.g. `images/k8s-staging-foo/images.yaml:3:5: …`.
 *
 * @param dir the thin manifest directory
 * @returns the manifests, sorted by project
 * @throws InvalidInputError with every problem found
 * @example
 * const manifests = loadThinManifests("../k8s.io/registry.k8s.io");
 * manifests.map((m) => m.project); // ["k8s-staging-build-image", …]
 */
export function loadThinManifests(dir: string): Manifest[] {
  return strictly(validateThinTree(dir));
}

/**
 * Loads a single fat manifest file (`registries` + `images`) all-or-nothing. The project is the file's base
 * name (e.g. `promoter-manifest.yaml`); messages show `file` as given.
 *
 * @param file path of the manifest file
 * @returns a one-element list, so callers treat both layouts alike
 * @throws InvalidInputError with every problem found (an unreadable file is one of them)
 * @example
 * const [manifest] = loadFatManifest("fixture/sanity/promoter-manifest.yaml");
 */
export function loadFatManifest(file: string): Manifest[] {
  return strictly(validateFatFile(file));
}

function strictly(validation: TreeValidation): Manifest[] {
  const problems = strictProblems(validation);
  if (problems.length > 0) throw new InvalidInputError(problems);
  return validation.projects.map((project) => project.manifest!);
}
