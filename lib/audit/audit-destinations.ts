import { expectedRepositories } from "../inventory/expected-images";
import { heldImages } from "../inventory/held-images";
import { ManifestLinks } from "../inventory/manifest-links";
import { readInventory } from "../inventory/read-inventory";
import { repositoriesUnder } from "../inventory/repositories-under";
import type { Manifest } from "../promote/manifests/types";
import { compareText } from "../promote/plan/edges";
import type { Progress } from "../promote/progress";
import { HostBreaker } from "../promote/run/host-breaker";
import type { RegistryClient, TagList } from "../registry/client";
import { createLimiter, type Limiter } from "../registry/limit";
import { parseRepository } from "../registry/reference";
import { compareRepository, KIND_ORDER, type Finding, type FindingKind } from "./compare-repository";

/** Options of {@link auditDestinations}. */
export interface AuditOptions {
  /** Registry reads in flight at once; default 16 (per-host rate limits still apply). */
  readonly concurrency?: number;
  /** Where to show progress. */
  readonly progress?: Progress;
}

/** What an audit found. */
export interface AuditReport {
  /** True when nothing was found. */
  readonly ok: boolean;
  /** The destination registry paths audited, sorted. */
  readonly destinations: readonly string[];
  /** Repositories read. */
  readonly repositories: number;
  /** Findings per kind. */
  readonly counts: Readonly<Record<FindingKind, number>>;
  /** Every finding, sorted by repository, digest, tag. */
  readonly findings: readonly Finding[];
}

/**
 * Audits production against the manifests: every repository at or below every destination registry path is
 * read (including the repositories the manifests expect but the registry lacks), and compared with what all
 * manifests together want there. Nothing is written. A repository that cannot be read is a finding and does
 * not stop the others.
 *
 * @param client the registry client
 * @param manifests validated manifests
 * @param options concurrency and progress
 * @returns the findings
 * @example const report = await auditDestinations(client, loadThinManifests(".")); if (!report.ok) process.exitCode = 1;
 */
export async function auditDestinations(client: RegistryClient, manifests: readonly Manifest[], options: AuditOptions = {}): Promise<AuditReport> {
  const limit = createLimiter(options.concurrency ?? 16);
  const links = new ManifestLinks(client, limit);
  const expected = expectedRepositories(manifests);
  const destinations = outermostPaths(manifests.flatMap((manifest) => manifest.registries.filter((r) => !r.src).map((r) => r.name)));
  const findings: Finding[] = [];

  options.progress?.phase("finding repositories", destinations.length);
  const tagLists = new Map<string, TagList | undefined>();
  const unreadableRepositories = new Map<string, Error>();
  await Promise.all(
    destinations.map(async (path) => {
      try {
        for (const found of await repositoriesUnder(client, path, limit)) {
          if (found.error) unreadableRepositories.set(found.repository, found.error);
          else tagLists.set(found.repository, found.tagList);
        }
        options.progress?.step(path);
      } catch (error) {
        findings.push(unreadable(path, error));
        options.progress?.step(path, (error as Error).message);
      }
    }),
  );
  for (const [repository, error] of unreadableRepositories) findings.push(unreadable(repository, error));
  for (const repository of expected.keys()) if (!tagLists.has(repository) && !unreadableRepositories.has(repository)) tagLists.set(repository, undefined);

  const repositories = [...tagLists.keys()].sort(compareText);
  options.progress?.phase("reading repositories", repositories.length);
  // A host that is down fails each read only after its retries: after two such repositories, skip its others.
  const hosts = new HostBreaker(2, "repositories");
  const repositoryLimit = createLimiter(options.concurrency ?? 16);
  await Promise.all(
    repositories.map((repository) => repositoryLimit(async () => {
      const host = parseRepository(repository).host;
      try {
        hosts.check(host);
        const wanted = expected.get(repository);
        const inventory = await readInventory(client, repository, limit, tagLists.get(repository));
        const wantedDigests = new Set(wanted?.keys());
        const absent = inventory.complete ? new Set<string>() : await absentDigests(client, repository, [...wantedDigests].filter((d) => !inventory.manifests.has(d)), limit);
        const held = await heldImages(inventory, links, wantedDigests);
        findings.push(...compareRepository(repository, wanted, { inventory, held, absent }));
        hosts.succeeded(host);
        options.progress?.step(repository);
      } catch (error) {
        hosts.failed(host, error);
        findings.push(unreadable(repository, error));
        options.progress?.step(repository, (error as Error).message);
      }
    })),
  );

  findings.sort((a, b) => compareText(a.repository, b.repository));
  const counts = Object.fromEntries(KIND_ORDER.map((kind) => [kind, findings.filter((f) => f.kind === kind).length])) as Record<FindingKind, number>;
  return { ok: findings.length === 0, destinations, repositories: repositories.length + unreadableRepositories.size, counts, findings };
}

/** Wanted digests that no tag points to must be asked about one by one on a plain registry. */
async function absentDigests(client: RegistryClient, repository: string, digests: readonly string[], limit: Limiter): Promise<Set<string>> {
  const ref = parseRepository(repository);
  const heads = await Promise.all(digests.map((digest) => limit(() => client.headManifest(ref, digest))));
  return new Set(digests.filter((_, index) => heads[index] === "absent"));
}

/** The registry paths to walk: each once, and none below another (walking the outer one covers it). */
function outermostPaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)].sort(compareText);
  return unique.filter((path) => !unique.some((other) => other !== path && path.startsWith(`${other}/`)));
}

function unreadable(repository: string, error: unknown): Finding {
  return { kind: "unreadable", repository, message: `cannot be read: ${(error as Error).message}` };
}
