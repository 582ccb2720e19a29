import { compare as compareVersions, satisfies } from "semver";
import { signatureSubject } from "../inventory/signature-tags";
import { compareText } from "../promote/plan/edges";
import type { Progress } from "../promote/progress";
import type { RegistryClient } from "../registry/client";
import { RegistryError } from "../registry/errors";
import { createLimiter } from "../registry/limit";
import { parseRepository } from "../registry/reference";
import type { ProjectImage } from "./find-project";
import type { StagingRef, TagSelector } from "./staging-ref";

/** A staging reference with the project it belongs to. */
export interface ProjectRef {
  readonly ref: StagingRef;
  readonly project: ProjectImage;
}

/** One tag found in staging, with the digest it points to now. */
export interface ResolvedTag extends ProjectRef {
  readonly tag: string;
  /** `sha256:` of the manifest the tag points to: for a multi-arch image, the index. */
  readonly digest: string;
}

/** What resolving the references found. */
export interface Resolution {
  /** Every selected tag with its digest, in the order of the references, each reference's tags sorted. */
  readonly resolved: readonly ResolvedTag[];
  /** References that selected nothing or a tag staging lacks, and registry failures: `REF: why`. */
  readonly problems: readonly string[];
  /** Tags a pattern or range matched but that are never added (`latest`), for the user. */
  readonly leftOut: readonly string[];
}

/**
 * The tags of a list that a selector picks. Patterns and ranges never pick `latest` (it moves) or cosign
 * signature tags (they travel with their image); semver picks are in version order, pattern picks in text order.
 *
 * @param selector from the reference
 * @param tags the repository's tags
 * @returns the picked tags, and `latest` when a pattern or range would otherwise have picked it
 * @example selectTags({ kind: "semver", range: "^1.2" }, ["v1.1.0", "v1.2.3", "v1.2.10"]).selected // → ["v1.2.3", "v1.2.10"]
 */
export function selectTags(selector: TagSelector, tags: readonly string[]): { selected: string[]; leftOut: string[] } {
  if (selector.kind === "tag") return { selected: [selector.tag], leftOut: [] };
  const candidates = tags.filter((tag) => signatureSubject(tag) === undefined);
  const picked =
    selector.kind === "pattern"
      ? candidates.filter((tag) => selector.matcher.test(tag)).sort(compareText)
      : candidates.filter((tag) => satisfies(tag, selector.range)).sort(compareVersions);
  return { selected: picked.filter((tag) => tag !== "latest"), leftOut: picked.filter((tag) => tag === "latest") };
}

/**
 * Resolves references to digests in their staging repositories: a tag list per repository (only for patterns and
 * ranges), then one manifest GET per selected tag; the digest is that of the bytes served.
 *
 * @param client the registry client
 * @param refs the references with their projects
 * @param options concurrency (default 8) and progress
 * @returns the resolved tags, and every problem (nothing stops at the first)
 * @example const { resolved, problems } = await resolveTags(client, refs);
 */
export async function resolveTags(
  client: RegistryClient,
  refs: readonly ProjectRef[],
  options: { readonly concurrency?: number; readonly progress?: Progress } = {},
): Promise<Resolution> {
  const limit = createLimiter(options.concurrency ?? 8);
  const problems: string[] = [];
  const leftOut: string[] = [];
  const tagLists = new Map<string, Promise<readonly string[]>>();
  const listTags = (repository: string) => {
    let list = tagLists.get(repository);
    if (!list) tagLists.set(repository, (list = limit(async () => (await client.listTags(parseRepository(repository))).tags)));
    return list;
  };
  const selections = await Promise.all(
    refs.map(async ({ ref, project }) => {
      try {
        const { selected, leftOut: notAdded } = selectTags(ref.selector, ref.selector.kind === "tag" ? [] : await listTags(ref.repository));
        leftOut.push(...notAdded.map((tag) => `${ref.repository}:${tag} (matched by ${ref.text}; latest is never promoted)`));
        if (selected.length === 0) problems.push(`${ref.text}: no tag of ${ref.repository} matches`);
        return selected.map((tag) => ({ ref, project, tag }));
      } catch (error) {
        problems.push(`${ref.text}: ${(error as Error).message}`);
        return [];
      }
    }),
  );
  const wanted = selections.flat();
  options.progress?.phase("resolving tags", wanted.length);
  const digests = await Promise.all(
    wanted.map(({ ref, tag }) =>
      limit(async () => {
        const label = `${ref.repository}:${tag}`;
        try {
          const { digest } = await client.getManifest(parseRepository(ref.repository), tag);
          options.progress?.step(label);
          return digest;
        } catch (error) {
          const missing = error instanceof RegistryError && error.status === 404;
          problems.push(missing ? `${ref.text}: ${label} not found in staging` : `${ref.text}: ${(error as Error).message}`);
          options.progress?.step(label, (error as Error).message);
          return undefined;
        }
      }),
    ),
  );
  const resolved = wanted.flatMap((item, index) => (digests[index] === undefined ? [] : [{ ...item, digest: digests[index]! }]));
  return { resolved, problems, leftOut };
}
