/**
 * The naming rules a promoter manifest must follow, from the OCI distribution specification. Each check
 * returns the problem in words, or `undefined` when the value is valid, so callers can position it.
 */

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^\w[\w.-]{0,127}$/;
// One path component of a repository name: lowercase alphanumerics joined by ".", "_", "__" or dashes.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
// A registry host: DNS labels or an IPv4 address, or a bracketed IPv6 address, with an optional port.
const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?`;
const REGISTRY_NAME = new RegExp(`^${HOST}(?:/${PATH_COMPONENT})*$`);

/**
 * Checks a manifest digest: `sha256:` followed by exactly 64 lowercase hexadecimal characters.
 *
 * @param digest the digest as written, e.g. `sha256:4ad9…d0e2`
 * @returns what is wrong, or `undefined` when valid
 * @example digestProblem("sha256:abc") // → 'digest must be "sha256:" followed by 64 lowercase hex characters (got 3)'
 */
export function digestProblem(digest: string): string | undefined {
  if (DIGEST.test(digest)) return undefined;
  const hex = digest.startsWith("sha256:") ? digest.slice("sha256:".length) : undefined;
  const got = hex !== undefined && /^[0-9a-f]*$/.test(hex) ? ` (got ${hex.length})` : "";
  return `digest must be "sha256:" followed by 64 lowercase hex characters${got}`;
}

/**
 * Checks a tag against the OCI grammar `^\w[\w.-]{0,127}$`.
 *
 * @param tag the tag as written (failsafe YAML: exactly the characters in the file)
 * @returns what is wrong, or `undefined` when valid
 */
export function tagProblem(tag: string): string | undefined {
  return TAG.test(tag) ? undefined : "tag must match ^\\w[\\w.-]{0,127}$";
}

/**
 * Checks an image name (the repository path below a registry) against the OCI distribution name grammar:
 * `/`-separated lowercase components such as `kube-apiserver` or `e2e/some/subdir`.
 *
 * @param name the image `name` from `images.yaml`
 * @returns what is wrong, or `undefined` when valid
 */
export function imageNameProblem(name: string): string | undefined {
  if (name === "") return "image name must not be empty";
  return IMAGE_NAME.test(name)
    ? undefined
    : "image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'";
}

/**
 * Checks a registry name: a host (optionally with a port) followed by optional repository path components,
 * e.g. `gcr.io/k8s-staging-etcd`, `us-central1-docker.pkg.dev/k8s-artifacts-prod/images`, `127.0.0.1:5000`.
 *
 * @param name the registry `name` from a promoter manifest
 * @returns what is wrong, or `undefined` when valid
 */
export function registryNameProblem(name: string): string | undefined {
  if (name === "") return "registry name must not be empty";
  return REGISTRY_NAME.test(name)
    ? undefined
    : "registry name must be a host[:port] followed by lowercase path components separated by '/'";
}
