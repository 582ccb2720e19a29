import { readFileSync } from "node:fs";
import { join } from "node:path";

/** k8s.io's own Terraform for the shared staging project, unmodified (the specification). */
export const CORPUS_TERRAFORM = join(__dirname, "../../../shared/corpus/k8s.io/infra/gcp/terraform");

/** One registry of the corpus's `registries.tf`. */
export interface CorpusRegistry {
  /** The key: repository id and registry name. */
  readonly name: string;
  /** Its writers member. */
  readonly writers: string;
  /** Whether its cleanup policy is a dry run (`registries_excluded_from_cleanup`). */
  readonly dryRun: boolean;
}

/**
 * Reads the registries straight from the corpus's `registries.tf` (its `local.registries` map and the
 * `registries_excluded_from_cleanup` list), independently of the shipped `projects/`, so tests compare the plan
 * against k8s.io's file rather than against our own data.
 */
export function corpusRegistries(): CorpusRegistry[] {
  const text = readFileSync(join(CORPUS_TERRAFORM, "k8s-staging-images/registries.tf"), "utf8");
  const map = /registries = \{([\s\S]*?)\n {2}\}/.exec(text)![1]!;
  const excluded = /registries_excluded_from_cleanup = \[([\s\S]*?)\]/.exec(text)![1]!;
  const dryRun = new Set([...excluded.matchAll(/"([^"]+)"/g)].map((match) => match[1]!));
  return [...map.matchAll(/^\s+([a-z0-9-]+)\s+=\s+"([^"]+)"/gm)]
    .map((match) => ({ name: match[1]!, writers: match[2]!, dryRun: dryRun.has(match[1]!) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The registry names of the corpus's `registries.tf`, sorted. */
export function corpusRegistryNames(): string[] {
  return corpusRegistries().map((registry) => registry.name);
}
