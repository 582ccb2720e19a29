import type { Progress } from "../promote/progress";
import type { RegistryClient } from "../registry/client";
import { createLimiter } from "../registry/limit";
import { nameBelow } from "./expected-images";
import { heldImages } from "./held-images";
import type { ImagesData } from "./images-yaml";
import { ManifestLinks } from "./manifest-links";
import { readInventory } from "./read-inventory";
import { repositoriesUnder } from "./repositories-under";

/** Options of {@link snapshotRegistry}. */
export interface SnapshotOptions {
  /** Registry reads in flight at once; default 16 (per-host rate limits still apply). */
  readonly concurrency?: number;
  /** Where to show progress. */
  readonly progress?: Progress;
}

/** What a registry path holds, as `images.yaml` data. */
export interface Snapshot {
  /** Image name (relative to the path) → digest → tags. */
  readonly images: ImagesData;
  /** Repositories found below the path. */
  readonly repositories: number;
  /** Things the data cannot express, for the user (e.g. tags on the path itself). */
  readonly notes: readonly string[];
}

/**
 * Takes a snapshot of everything at or below a registry path, to adopt an existing registry: every repository
 * (found by walking a Google registry or from the catalog), its tagged images and its untagged images in their
 * own right (see {@link heldImages}), named relative to the path.
 *
 * @param client the registry client
 * @param registryPath `host[:port]` or `host/path`, e.g. `gcr.io/k8s-staging-kind`
 * @param options concurrency and progress
 * @returns the images and notes
 * @throws RegistryError when any repository cannot be read (a partial snapshot would silently drop images)
 * @example renderImagesYaml((await snapshotRegistry(client, "gcr.io/k8s-staging-kind")).images)
 */
export async function snapshotRegistry(client: RegistryClient, registryPath: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const limit = createLimiter(options.concurrency ?? 16);
  const links = new ManifestLinks(client, limit);
  options.progress?.phase(`finding repositories under ${registryPath}`, 1);
  const found = await repositoriesUnder(client, registryPath, limit);
  const failed = found.find((repository) => repository.error !== undefined);
  if (failed) throw failed.error;
  options.progress?.step(`${found.length} repositories`);
  options.progress?.phase("reading repositories", found.length);
  const images = new Map<string, ReadonlyMap<string, readonly string[]>>();
  const notes: string[] = [];
  await Promise.all(
    found.map(async ({ repository, tagList }) => {
      const held = await heldImages(await readInventory(client, repository, limit, tagList), links);
      options.progress?.step(repository);
      const name = nameBelow(registryPath, repository)!;
      if (held.size === 0) return;
      if (name === "") {
        notes.push(`${repository} itself holds ${held.size} image(s): images.yaml names images below the path, so snapshot its parent to include them`);
      } else images.set(name, held);
    }),
  );
  return { images, repositories: found.length, notes };
}
