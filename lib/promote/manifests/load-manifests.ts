import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { InvalidInputError, type Problem } from "../../diagnostics/problem";
import { parseYaml } from "../../yaml/parse-yaml";
import { destinationTagProblems } from "./check-destination-tags";
import { discoverThinProjects } from "./discover-thin";
import type { Manifest } from "./types";
import { validateFatManifest, validateThinManifest } from "./validate-manifest";

/**
 * Loads and validates every manifest of a thin manifest directory (`manifests/<p>/promoter-manifest.yaml` +
 * `images/<p>/images.yaml`), then checks that no destination tag is claimed by two digests across them all.
 * File names in messages are relative to `dir`, e.g. `images/k8s-staging-foo/images.yaml:3:5: …`.
 *
 * @param dir the thin manifest directory
 * @returns the manifests, sorted by project
 * @throws InvalidInputError with every layout, syntax, shape, naming and conflict problem found
 * @example
 * const manifests = loadThinManifests("../k8s.io/registry.k8s.io");
 * manifests.map((m) => m.project); // ["k8s-staging-build-image", …]
 */
export function loadThinManifests(dir: string): Manifest[] {
  const layout = discoverThinProjects(dir);
  const problems: Problem[] = [...layout.problems];
  const manifests: Manifest[] = [];
  for (const project of layout.projects) {
    const manifestFile = parseFile(dir, project.manifestFile);
    const imagesFile = parseFile(dir, project.imagesFile);
    const result = validateThinManifest(project.project, manifestFile, imagesFile);
    problems.push(...result.problems);
    if (result.manifest) manifests.push(result.manifest);
  }
  return checked(manifests, problems);
}

/**
 * Loads and validates a single fat manifest file (`registries` + `images`). The project is the file's base
 * name (e.g. `promoter-manifest.yaml`); messages show `file` as given.
 *
 * @param file path of the manifest file
 * @returns a one-element list, so callers treat both layouts alike
 * @throws InvalidInputError with every syntax, shape, naming and conflict problem found
 * @throws Error when the file cannot be read
 * @example
 * const [manifest] = loadFatManifest("fixture/sanity/promoter-manifest.yaml");
 */
export function loadFatManifest(file: string): Manifest[] {
  const parsed = parseYaml(file, readFileSync(file, "utf8"), { schema: "failsafe" });
  const result = validateFatManifest(basename(file), parsed);
  return checked(result.manifest ? [result.manifest] : [], [...result.problems]);
}

function parseFile(dir: string, relative: string): ReturnType<typeof parseYaml> {
  return parseYaml(relative, readFileSync(join(dir, relative), "utf8"), { schema: "failsafe" });
}

/** Conflicts are only meaningful between well-formed manifests, so they are looked for among those. */
function checked(manifests: Manifest[], problems: Problem[]): Manifest[] {
  problems.push(...destinationTagProblems(manifests));
  if (problems.length > 0) throw new InvalidInputError(problems);
  return manifests;
}
