/**
 * Repository references (`host/path`) and the choice between HTTP and HTTPS for a registry host.
 * Pure functions: no I/O, so every other layer can rely on them in tests.
 */

/** A repository on a registry: `127.0.0.1:5000/team/app` → host `127.0.0.1:5000`, path `team/app`. */
export interface RepositoryRef {
  /** Registry host with optional port, exactly as written (`gcr.io`, `127.0.0.1:5000`, `[::1]:5000`). */
  readonly host: string;
  /** Repository path inside the registry, without leading or trailing slash (`k8s-staging-foo/app`). */
  readonly path: string;
}

// OCI distribution spec path grammar: lower-case components separated by `/`, inner separators `.`, `_`, `__`, `-`.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
// A host name or IPv4 with optional port, or a bracketed IPv6 with optional port.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * Parses `host/path` into a {@link RepositoryRef}. The first component is always the host (no Docker Hub
 * shorthand: promoter manifests always name the registry).
 *
 * @param reference e.g. `gcr.io/k8s-staging-foo/app` or `127.0.0.1:5000/app`
 * @returns the host and the repository path
 * @throws Error when the host or any path component is malformed, or the path is empty
 * @example parseRepository("127.0.0.1:5000/team/app") // → { host: "127.0.0.1:5000", path: "team/app" }
 */
export function parseRepository(reference: string): RepositoryRef {
  const slash = reference.indexOf("/");
  if (slash <= 0) throw new Error(`invalid repository "${reference}": expected HOST/PATH`);
  const host = reference.slice(0, slash);
  const path = reference.slice(slash + 1);
  if (!HOST.test(host)) throw new Error(`invalid repository "${reference}": bad registry host "${host}"`);
  if (path === "" || !path.split("/").every((component) => PATH_COMPONENT.test(component))) {
    throw new Error(`invalid repository "${reference}": bad repository path "${path}"`);
  }
  return { host, path };
}

/**
 * Formats a reference back to `host/path`.
 *
 * @param ref the repository
 * @returns `host/path`
 */
export function formatRepository(ref: RepositoryRef): string {
  return `${ref.host}/${ref.path}`;
}

/**
 * Returns the repository `<path>/<child>` on the same host; used for destination path prefixes.
 *
 * @param ref the parent repository (or registry prefix)
 * @param child the image name to append, e.g. `app` or `team/app`
 * @returns the joined repository
 */
export function childRepository(ref: RepositoryRef, child: string): RepositoryRef {
  return { host: ref.host, path: ref.path === "" ? child : `${ref.path}/${child}` };
}

/**
 * Strips the port from a host (`127.0.0.1:5000` → `127.0.0.1`, `[::1]:5000` → `::1`).
 *
 * @param host registry host with optional port
 * @returns the bare host name or address, lower-cased
 */
export function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]")).toLowerCase();
  const colon = host.lastIndexOf(":");
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

/**
 * Tells whether a host is loopback (`localhost`, `127.0.0.0/8`, `::1`), which is always spoken to over HTTP.
 *
 * @param host registry host with optional port
 * @returns true for loopback hosts
 */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host);
  if (name === "localhost" || name === "::1") return true;
  const octets = name.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/**
 * Chooses the base URL of a registry: `http://` for loopback hosts and hosts listed as insecure, else `https://`.
 *
 * @param host registry host with optional port
 * @param insecureHosts hosts (as written, with port if any) the user allowed plain HTTP for
 * @returns e.g. `https://gcr.io` or `http://127.0.0.1:5000`
 */
export function registryBaseUrl(host: string, insecureHosts: readonly string[] = []): string {
  const plain = isLoopbackHost(host) || insecureHosts.some((h) => h.toLowerCase() === host.toLowerCase());
  return `${plain ? "http" : "https"}://${host}`;
}

/**
 * Tells whether a host is served by Google (Container Registry or Artifact Registry), whose credentials
 * are a Google OAuth access token.
 *
 * @param host registry host with optional port
 * @returns true for `gcr.io`, `*.gcr.io` and `*-docker.pkg.dev`
 */
export function isGoogleHost(host: string): boolean {
  const name = hostName(host);
  return name === "gcr.io" || name.endsWith(".gcr.io") || name.endsWith("-docker.pkg.dev");
}
