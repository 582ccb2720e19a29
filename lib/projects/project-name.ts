/** The longest name: GCP project ids have at most 30 characters and `k8s-staging-` takes 12. */
export const MAX_PROJECT_NAME_LENGTH = 18;

/** The prefix of every staging project id. */
export const PROJECT_ID_PREFIX = "k8s-staging-";

/*
 * The shape is ^[a-z][a-z0-9-]*[a-z0-9]$, which taken literally needs two characters and would
 * contradict "1-18 characters". We read it as "starts with a letter, ends with a letter or digit": a single
 * letter satisfies both ends, so `a` is a valid name (project id k8s-staging-a, 13 characters).
 */
const NAME_SHAPE = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Checks a staging project name (the base name of its file in `projects/`).
 *
 * @param name e.g. `cluster-api-gcp`
 * @returns what is wrong with it, or `undefined` when it is valid
 * @example projectNameProblem("kind")   // → undefined
 */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the project name is empty";
  if (name.length > MAX_PROJECT_NAME_LENGTH) {
    return `project name "${name}" has ${name.length} characters; at most ${MAX_PROJECT_NAME_LENGTH} fit in a GCP project id after "${PROJECT_ID_PREFIX}"`;
  }
  if (!NAME_SHAPE.test(name)) {
    return `project name "${name}" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit`;
  }
  return undefined;
}
