/** The longest name of a dedicated project: GCP project ids have at most 30 characters and `k8s-staging-` takes 12. */
export const MAX_PROJECT_NAME_LENGTH = 18;

/** The longest name of a shared registry: an Artifact Registry repository id has at most 63 characters. */
export const MAX_REGISTRY_NAME_LENGTH = 63;

/** The shortest name of a shared registry: its build account `<name>-sa` needs the 6 characters an account id takes. */
export const MIN_REGISTRY_NAME_LENGTH = 3;

/** The prefix of every staging project id. */
export const PROJECT_ID_PREFIX = "k8s-staging-";

/*
 * The shape is ^[a-z][a-z0-9-]*[a-z0-9]$, which taken literally needs two characters and would
 * contradict "1-18 characters". We read it as "starts with a letter, ends with a letter or digit": a single
 * letter satisfies both ends, so `a` is a valid name (project id k8s-staging-a, 13 characters).
 */
const NAME_SHAPE = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** Which kinds of staging an entry declares; the name rules depend on them. */
export interface EntryKinds {
  /** It declares a dedicated project `k8s-staging-<name>`. */
  readonly dedicated: boolean;
  /** It declares a repository `<name>` in the shared staging project. */
  readonly shared: boolean;
}

/**
 * Checks the name of a staging entry (the base name of its file in `projects/`): lowercase letters, digits and
 * hyphens, starting with a letter and ending with a letter or digit; at most 18 characters when it names a
 * dedicated project, 3–63 when it names a shared registry.
 *
 * @param name e.g. `cluster-api-gcp`
 * @param kinds what the entry declares
 * @returns what is wrong with it, or `undefined` when it is valid
 * @example projectNameProblem("kind", { dedicated: true, shared: true })   // → undefined
 * @example projectNameProblem("node-readiness-controller", { dedicated: false, shared: true })   // → undefined
 */
export function projectNameProblem(name: string, kinds: EntryKinds): string | undefined {
  if (name.length === 0) return "the project name is empty";
  if (kinds.dedicated && name.length > MAX_PROJECT_NAME_LENGTH) {
    return `project name "${name}" has ${name.length} characters; at most ${MAX_PROJECT_NAME_LENGTH} fit in a GCP project id after "${PROJECT_ID_PREFIX}"`;
  }
  if (name.length > MAX_REGISTRY_NAME_LENGTH) {
    return `name "${name}" has ${name.length} characters; a repository id has at most ${MAX_REGISTRY_NAME_LENGTH}`;
  }
  if (kinds.shared && name.length < MIN_REGISTRY_NAME_LENGTH) {
    return `registry name "${name}" has ${name.length} characters; its build account "${name}-sa" needs at least ${MIN_REGISTRY_NAME_LENGTH}`;
  }
  if (!NAME_SHAPE.test(name)) {
    return `project name "${name}" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit`;
  }
  return undefined;
}
