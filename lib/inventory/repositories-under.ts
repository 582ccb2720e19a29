import { compareText } from "../promote/plan/edges";
import type { RegistryClient, TagList } from "../registry/client";
import type { Limiter } from "../registry/limit";
import { formatRepository, parseRepository, type RepositoryRef } from "../registry/reference";

/** A repository found below a registry path, with its tag list when finding it already read that. */
export interface FoundRepository {
  /** `host/path`. */
  readonly repository: string;
  /** The tag list read while walking (Google registries), so it need not be read again. */
  readonly tagList?: TagList;
  /** Why its tag list could not be read while walking; what lies below it is then unknown. */
  readonly error?: Error;
}

/**
 * Splits a registry path as promoter manifests write it: `host[:port]` alone, or `host/path`.
 *
 * @param registryPath e.g. `us-central1-docker.pkg.dev/k8s-artifacts-prod/images` or `127.0.0.1:5000`
 * @returns the host and the path (`""` for a whole registry)
 * @throws Error when it is not a valid host or repository path
 * @example splitRegistryPath("127.0.0.1:5000") // → { host: "127.0.0.1:5000", path: "" }
 */
export function splitRegistryPath(registryPath: string): RepositoryRef {
  try {
    // A bare host is checked as the host of a repository below it.
    return registryPath.includes("/") ? parseRepository(registryPath) : { host: parseRepository(`${registryPath}/x`).host, path: "" };
  } catch (error) {
    throw new Error(`invalid registry path ${JSON.stringify(registryPath)}: expected HOST[:PORT] or HOST[:PORT]/PATH`, { cause: error });
  }
}

/**
 * Finds every repository at or below a registry path. Google registries (GCR, Artifact Registry) name the
 * repositories one level down in each tag list (`child`), so the tree is walked with tag lists, which also
 * serve as the repositories' tag lists; any other registry is asked for its catalog (`/v2/_catalog`), filtered
 * to the path.
 *
 * @param client the registry client
 * @param registryPath `host[:port]` or `host/path`
 * @param limit bounds the tag lists read at once while walking
 * @returns the repositories, sorted; the path itself is included when it holds tags or manifests, and a child
 *   whose tag list failed is included with its error (the rest of the walk goes on)
 * @throws RegistryError when the path's own tag list fails, or the catalog of a registry that is not walked
 * @example (await repositoriesUnder(client, "gcr.io/k8s-staging-kind", createLimiter(16))).map((r) => r.repository)
 */
export async function repositoriesUnder(client: RegistryClient, registryPath: string, limit: Limiter): Promise<FoundRepository[]> {
  const root = splitRegistryPath(registryPath);
  const rootList = root.path === "" ? undefined : await client.listTags(root);
  if (rootList?.children === undefined) {
    const prefix = root.path === "" ? "" : `${root.path}/`;
    const names = (await client.catalog(root.host)).filter((name) => name === root.path || name.startsWith(prefix));
    return names.sort().map((name) => ({ repository: formatRepository({ host: root.host, path: name }) }));
  }
  const found: FoundRepository[] = [];
  const visit = async (ref: RepositoryRef, list: TagList): Promise<void> => {
    if (list.tags.length > 0 || (list.manifests?.size ?? 0) > 0) found.push({ repository: formatRepository(ref), tagList: list });
    await Promise.all(
      (list.children ?? []).map(async (child) => {
        const childRef = { host: ref.host, path: `${ref.path}/${child}` };
        let childList: TagList;
        try {
          childList = await limit(() => client.listTags(childRef));
        } catch (error) {
          found.push({ repository: formatRepository(childRef), error: error as Error });
          return;
        }
        await visit(childRef, childList);
      }),
    );
  };
  await visit(root, rootList);
  return found.sort((a, b) => compareText(a.repository, b.repository));
}
