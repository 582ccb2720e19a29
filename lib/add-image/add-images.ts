import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatProblem } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { destinationTagProblems } from "../promote/manifests/check-destination-tags";
import { loadThinManifests } from "../promote/manifests/load-manifests";
import type { Manifest, ManifestImage } from "../promote/manifests/types";
import { compareText } from "../promote/plan/edges";
import { validateThinManifest } from "../promote/manifests/validate-manifest";
import type { Progress } from "../promote/progress";
import type { RegistryClient } from "../registry/client";
import { parseYaml } from "../yaml/parse-yaml";
import { additionSplices, applySplices, UnsupportedLayoutError, type Splice } from "./edit-images-yaml";
import { projectOf } from "./find-project";
import { planAdditions, type ImageAddition } from "./plan-additions";
import { resolveTags, type ProjectRef } from "./resolve-tags";
import { parseStagingRef } from "./staging-ref";

/** References that cannot be acted on at all: unparseable, or in no project's staging registry. */
export class StagingRefError extends Error {
  /** One line per reference: `REF: why`. */
  readonly problems: readonly string[];

  /** @param problems every problem, one per reference */
  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "StagingRefError";
    this.problems = problems;
  }
}

/** The change to one `images.yaml`. */
export interface FileChange {
  /** Relative to the tree, e.g. `images/k8s-staging-kind/images.yaml`. */
  readonly file: string;
  readonly before: string;
  readonly after: string;
  /** The insertions turning `before` into `after`. */
  readonly splices: readonly Splice[];
  /** What was added. */
  readonly additions: readonly ImageAddition[];
}

/** What {@link addImages} did (or, in a dry run or when refused, would have done). */
export interface AddImagesResult {
  /** The changes, written unless `dryRun` or {@link AddImagesResult.refused} is not empty. */
  readonly changes: readonly FileChange[];
  /** Why nothing was written: tags refused or not found, registry failures, a change that would break a rule. */
  readonly refused: readonly string[];
  /** Tags already listed with the same digest. */
  readonly alreadyListed: readonly string[];
  /** Tags a pattern or range matched but that are never added (`latest`). */
  readonly leftOut: readonly string[];
  /** Whether the files were written. */
  readonly written: boolean;
}

/** Options of {@link addImages}. */
export interface AddImagesOptions {
  /** Compute and return the change, write nothing. */
  readonly dryRun?: boolean;
  /** Where to show progress while resolving tags. */
  readonly progress?: Progress;
}

/**
 * Adds images from staging to the projects' `images.yaml` by tag: each reference (`REPOSITORY:TAG`, a tag pattern
 * or a semver range) is matched to the project whose manifest's source registry holds the repository, its tags
 * are resolved to digests in staging (the index digest for a multi-arch image), and the digests and tags are
 * added in place, keeping every other line as it was. `manifests/` is never written. All or nothing: when any
 * tag is refused or not found, no file is written.
 *
 * Before writing, each new file is validated as `check` does it (shape, naming, and no destination tag claimed
 * by two digests across all manifests) and re-read to confirm it holds exactly the old entries plus the new ones.
 *
 * @param client the registry client (reads staging only)
 * @param root the thin manifest tree (`images/`, `manifests/`)
 * @param refs the references as given on the command line
 * @param options dry run, progress
 * @returns the changes and everything refused or skipped
 * @throws InvalidInputError when the tree's manifests are invalid (nothing is changed in a broken tree)
 * @throws StagingRefError when a reference cannot be parsed or belongs to no project
 * @example
 * const result = await addImages(client, ".", ["gcr.io/k8s-staging-kind/node:v1.30.0"]);
 * result.changes[0].file; // "images/k8s-staging-kind/images.yaml"
 */
export async function addImages(client: RegistryClient, root: string, refs: readonly string[], options: AddImagesOptions = {}): Promise<AddImagesResult> {
  const manifests = loadThinManifests(root);
  const problems: string[] = [];
  const projectRefs: ProjectRef[] = [];
  for (const text of refs) {
    try {
      const ref = parseStagingRef(text);
      projectRefs.push({ ref, project: projectOf(ref.repository, manifests) });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new StagingRefError(problems);

  const resolution = await resolveTags(client, projectRefs, { progress: options.progress });
  const plan = planAdditions(resolution.resolved);
  const refused = [...resolution.problems, ...plan.refusals];
  const changes: FileChange[] = [];
  const updated = new Map<Manifest, Manifest>();
  for (const { manifest, additions } of plan.files) {
    try {
      const before = readFileSync(join(root, manifest.imagesFile), "utf8");
      const splices = additionSplices(before, additions);
      const after = applySplices(before, splices);
      const { manifest: next, problems: invalid } = revalidate(root, manifest, after);
      refused.push(...invalid);
      if (next) {
        updated.set(manifest, next);
        if (!sameImages(next.images, expectedImages(manifest.images, additions))) {
          throw new Error(`${manifest.imagesFile}: the edited file does not hold exactly the old entries plus the new ones; nothing written (please report this)`);
        }
      }
      changes.push({ file: manifest.imagesFile, before, after, splices, additions });
    } catch (error) {
      if (!(error instanceof UnsupportedLayoutError)) throw error;
      refused.push(`${manifest.imagesFile}: ${error.message}`);
    }
  }
  refused.push(...destinationTagProblems(manifests.map((manifest) => updated.get(manifest) ?? manifest)).map(formatProblem));

  const write = refused.length === 0 && !options.dryRun;
  if (write) for (const change of changes) await writeFileAtomic(join(root, change.file), change.after);
  return { changes, refused, alreadyListed: plan.alreadyListed, leftOut: resolution.leftOut, written: write && changes.length > 0 };
}

/** Validates the new images.yaml with its manifest, as `check` and the promoter will. */
function revalidate(root: string, manifest: Manifest, imagesText: string): { manifest?: Manifest; problems: string[] } {
  const manifestFile = parseYaml(manifest.file, readFileSync(join(root, manifest.file), "utf8"), { schema: "failsafe" });
  const imagesFile = parseYaml(manifest.imagesFile, imagesText, { schema: "failsafe" });
  const result = validateThinManifest(manifest.project, manifestFile, imagesFile);
  return { ...(result.manifest ? { manifest: result.manifest } : {}), problems: result.problems.map(formatProblem) };
}

type ImagesByName = Map<string, Map<string, string[]>>;

function byName(images: readonly ManifestImage[]): ImagesByName {
  const result: ImagesByName = new Map();
  for (const image of images) {
    const dmap = result.get(image.name) ?? new Map<string, string[]>();
    result.set(image.name, dmap);
    for (const [digest, tags] of image.dmap) dmap.set(digest, [...(dmap.get(digest) ?? []), ...tags]);
  }
  return result;
}

function expectedImages(images: readonly ManifestImage[], additions: readonly ImageAddition[]): ImagesByName {
  const result = byName(images);
  for (const { image, digest, tags } of additions) {
    const dmap = result.get(image) ?? new Map<string, string[]>();
    result.set(image, dmap);
    dmap.set(digest, [...(dmap.get(digest) ?? []), ...tags]);
  }
  return result;
}

function sameImages(images: readonly ManifestImage[], expected: ImagesByName): boolean {
  const canonical = (value: ImagesByName) =>
    JSON.stringify([...value].sort(([a], [b]) => compareText(a, b)).map(([name, dmap]) => [name, [...dmap].sort(([a], [b]) => compareText(a, b))]));
  return canonical(byName(images)) === canonical(expected);
}
