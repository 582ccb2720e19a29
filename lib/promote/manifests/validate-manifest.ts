import type { z } from "zod";
import type { Problem } from "../../diagnostics/problem";
import type { ParsedYaml } from "../../yaml/parse-yaml";
import { zodProblems } from "../../yaml/zod-problems";
import { digestProblem, imageNameProblem, registryNameProblem, tagProblem } from "./grammar";
import {
  FatManifestSchema,
  ImagesFileSchema,
  ThinManifestSchema,
  type ImageEntry,
  type ProvenanceEntry,
  type RegistryEntry,
} from "./schema";
import type { Manifest, ManifestImage, ManifestRegistry, ProvenancePolicy } from "./types";

/** A manifest built from parsed files, or why it could not be: every problem in those files. */
export interface ValidatedManifest {
  /** The manifest, present only when {@link ValidatedManifest.problems} is empty. */
  readonly manifest?: Manifest;
  /** Every problem found in the manifest's files (syntax, shape and naming rules), unsorted. */
  readonly problems: readonly Problem[];
  /**
   * Findings that cannot change what is promoted (a registry listed twice, a tag listed twice, an identical
   * duplicate key or image entry), unsorted. The manifest holds each such thing once.
   */
  readonly warnings: readonly Problem[];
}

/**
 * Validates a thin manifest pair: `manifests/<p>/promoter-manifest.yaml` and `images/<p>/images.yaml`, both
 * parsed with the failsafe schema. Checks shape (unknown keys are errors, `imagesPath` is ignored) and the
 * naming rules: exactly one source registry, registry and image names, digests and tags.
 *
 * @param project the `<p>` directory name
 * @param manifestFile the parsed `promoter-manifest.yaml`
 * @param imagesFile the parsed `images.yaml` (a blank file means no images)
 * @returns the manifest, or every problem found in either file
 * @example
 * const { manifest, problems } = validateThinManifest("k8s-staging-etcd", parsedManifest, parsedImages);
 */
export function validateThinManifest(
  project: string,
  manifestFile: ParsedYaml,
  imagesFile: ParsedYaml,
): ValidatedManifest {
  const problems: Problem[] = [];
  const warnings: Problem[] = [...manifestFile.warnings, ...imagesFile.warnings];
  const found = { problems, warnings };
  const manifestValue = checkShape(manifestFile, ThinManifestSchema, problems);
  const imagesValue = checkShape(imagesFile, ImagesFileSchema, problems);
  const registries = manifestValue ? registriesOf(manifestFile, manifestValue.registries, found) : undefined;
  const images = imagesValue !== undefined ? imagesOf(imagesFile, imagesValue ?? [], [], found) : undefined;
  const policies = manifestValue && registries ? policiesOf(manifestFile, manifestValue, registries, problems) : undefined;
  if (problems.length > 0 || !registries || !images) return { problems, warnings };
  return {
    manifest: {
      project,
      file: manifestFile.file,
      imagesFile: imagesFile.file,
      registries,
      images,
      ...policies,
      registriesSource: manifestFile,
      imagesSource: imagesFile,
    },
    problems,
    warnings,
  };
}

/**
 * Validates a single fat manifest file (`registries` + `images`), parsed with the failsafe schema, by the
 * same rules as {@link validateThinManifest}. A missing or empty `images` means no images.
 *
 * @param project the name to report the manifest under (the file's base name)
 * @param file the parsed manifest file
 * @returns the manifest, or every problem found in the file
 */
export function validateFatManifest(project: string, file: ParsedYaml): ValidatedManifest {
  const problems: Problem[] = [];
  const warnings: Problem[] = [...file.warnings];
  const value = checkShape(file, FatManifestSchema, problems);
  if (!value) return { problems, warnings };
  const registries = registriesOf(file, value.registries, { problems, warnings });
  const images = imagesOf(file, value.images ?? [], ["images"], { problems, warnings });
  const policies = policiesOf(file, value, registries, problems);
  if (problems.length > 0) return { problems, warnings };
  return {
    manifest: {
      project,
      file: file.file,
      imagesFile: file.file,
      registries,
      images,
      ...policies,
      registriesSource: file,
      imagesSource: file,
    },
    problems,
    warnings,
  };
}

/** Where the rules put what they find. */
interface Findings {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Syntax, duplicate-key and schema problems of one file; the typed value when the shape is right. */
function checkShape<T extends z.ZodType>(
  parsed: ParsedYaml,
  schema: T,
  problems: Problem[],
): z.infer<T> | undefined {
  problems.push(...parsed.problems);
  // A syntax error nulls the value; it must not be mistaken for a blank images.yaml.
  if (parsed.value === null && parsed.problems.length > 0) return undefined;
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    problems.push(...zodProblems(parsed, result.error));
    return undefined;
  }
  return result.data;
}

/**
 * The registries, each name once. A registry listed again the same way (source or destination) changes nothing
 * and is a warning; listed once as the source and once as a destination, it is a problem.
 */
function registriesOf(parsed: ParsedYaml, entries: readonly RegistryEntry[], found: Findings): ManifestRegistry[] {
  const { problems, warnings } = found;
  const registries: ManifestRegistry[] = [];
  const firstByName = new Map<string, { line: number; src: boolean }>();
  let firstSourceLine: number | undefined;
  entries.forEach((entry, index) => {
    const path = ["registries", index];
    const nameProblem = registryNameProblem(entry.name);
    if (nameProblem) problems.push(parsed.problemAt([...path, "name"], nameProblem));
    const line = parsed.locate([...path, "name"]).line;
    const src = entry.src === "true";
    const first = firstByName.get(entry.name);
    if (first !== undefined && entry.name !== "") {
      if (first.src === src) {
        warnings.push(parsed.problemAt([...path, "name"], `registry listed twice (first on line ${first.line}); the duplicate is ignored`));
      } else {
        problems.push(parsed.problemAt([...path, "name"], `registry listed twice, as source and as destination (first on line ${first.line})`));
      }
      return;
    }
    firstByName.set(entry.name, { line, src });
    if (src && firstSourceLine !== undefined) {
      problems.push(
        parsed.problemAt([...path, "src"], `only one registry may be the source (first on line ${firstSourceLine})`),
      );
    } else if (src) firstSourceLine = parsed.locate([...path, "src"]).line;
    const serviceAccount = entry["service-account"];
    registries.push({ name: entry.name, src, index, ...(serviceAccount !== undefined ? { serviceAccount } : {}) });
  });
  if (firstSourceLine === undefined) {
    problems.push(parsed.problemAt(["registries"], "exactly one registry must have src: true (found none)"));
  }
  return registries;
}

/** The provenance policy and signing registry of a manifest, checked: a policy that checks needs signers. */
function policiesOf(
  parsed: ParsedYaml,
  value: { provenance?: ProvenanceEntry; signing?: { registry: string } },
  registries: readonly ManifestRegistry[],
  problems: Problem[],
): Pick<Manifest, "provenance" | "signingRegistry"> {
  const policies: { provenance?: ProvenancePolicy; signingRegistry?: string } = {};
  if (value.provenance) {
    const { mode, signers = [], builders = [] } = value.provenance;
    if (mode !== "off" && signers.length === 0) {
      problems.push(parsed.problemAt(["provenance", "mode"], `mode ${mode} needs at least one entry in provenance.signers`));
    }
    policies.provenance = { mode, signers, builders };
  }
  if (value.signing) {
    const name = value.signing.registry;
    if (!registries.some((registry) => !registry.src && registry.name === name)) {
      problems.push(parsed.problemAt(["signing", "registry"], "must be one of the destination registries of this manifest"));
    } else policies.signingRegistry = name;
  }
  return policies;
}

function imagesOf(
  parsed: ParsedYaml,
  entries: readonly ImageEntry[],
  basePath: readonly PropertyKey[],
  found: Findings,
): ManifestImage[] {
  const { problems, warnings } = found;
  const images: ManifestImage[] = [];
  // Entries by their whole content: an identical repeat is harmless; one that adds digests or tags is not a repeat.
  const firstLineByContent = new Map<string, number>();
  entries.forEach((entry, index) => {
    const path = [...basePath, index];
    const nameProblem = imageNameProblem(entry.name);
    if (nameProblem) problems.push(parsed.problemAt([...path, "name"], nameProblem));
    const dmap = new Map<string, readonly string[]>();
    for (const [digest, tags] of Object.entries(entry.dmap)) {
      const digestPath = [...path, "dmap", digest];
      const problem = digestProblem(digest);
      if (problem) problems.push(parsed.problemAt(digestPath, problem, "key"));
      const seen = new Set<string>();
      tags.forEach((tag, tagIndex) => {
        const problem = tagProblem(tag);
        if (problem) problems.push(parsed.problemAt([...digestPath, tagIndex], problem));
        else if (seen.has(tag)) warnings.push(parsed.problemAt([...digestPath, tagIndex], "tag listed twice; the duplicate changes nothing"));
        seen.add(tag);
      });
      dmap.set(digest, tags);
    }
    const content = JSON.stringify([entry.name, ...dmap]);
    const firstLine = firstLineByContent.get(content);
    if (firstLine !== undefined) {
      warnings.push(parsed.problemAt([...path, "name"], `image entry repeats the one on line ${firstLine}; the duplicate changes nothing`));
      return;
    }
    firstLineByContent.set(content, parsed.locate([...path, "name"]).line);
    images.push({ name: entry.name, dmap, path });
  });
  return images;
}
