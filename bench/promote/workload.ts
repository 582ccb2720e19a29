/**
 * A promotion benchmark workload: N images (single-platform or multi-arch) built deterministically into one OCI
 * layout and seeded into a staging registry, plus the two descriptions of "copy all of them to these destinations" — a thin
 * promoter manifest tree for our CLI and a `skopeo sync --src yaml` file for skopeo.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { seedLayout, startRegistry, writeImage, writeIndex, type HarnessRegistry, type WrittenManifest } from "../../test/harness";
import { writePromotionTree } from "../../test/harness/promotion-tree";
import { REPO_ROOT, type Command } from "./promote-command";

/** What to build. */
export interface WorkloadSpec {
  /** How many images. */
  readonly images: number;
  /**
   * Platforms per image: one builds a plain image manifest, several an OCI index over them, e.g.
   * `["linux/amd64", "linux/arm64"]`.
   */
  readonly platforms: readonly string[];
  /** Layers per platform image. */
  readonly layersPerImage: number;
  /** Smallest and largest layer content in bytes (each layer's size is drawn from the seed). */
  readonly minLayerBytes: number;
  readonly maxLayerBytes: number;
  /** Seed for every size and byte, so two runs build the same digests. */
  readonly seed: string;
}

/** The seeded images and the size of what a destination must receive. */
export interface Workload {
  /** The images, in name order. */
  readonly images: readonly WorkloadImage[];
  /** Bytes of all distinct layer and config blobs: what one empty destination host must be sent, at least. */
  readonly blobBytes: number;
}

/** One seeded image. */
export interface WorkloadImage {
  /** The image name under the staging path, e.g. `img-007`. */
  readonly name: string;
  /** The tag it carries in staging and must carry in every destination. */
  readonly tag: string;
  /** The digest (of the index, or of the manifest of a single-platform image) every destination tag must resolve to. */
  readonly digest: string;
}

/** The repository path under which images are staged on the staging host. */
export const STAGING_PATH = "staging";
/** The tag every benchmark image carries. */
export const BENCH_TAG = "v1.0";

/** A size in [min, max] drawn from the seed and a position, so sizes are reproducible. */
function seededSize(seed: string, position: string, min: number, max: number): number {
  const word = createHash("sha256").update(`${seed}/size/${position}`).digest().readUInt32BE(0);
  return min + (word % (max - min + 1));
}

/**
 * Builds the images into `layoutDir` (sequentially: layout writes must not overlap) and seeds them into the
 * staging registry with `skopeo copy --all --preserve-digests`, `parallel` at a time.
 *
 * @param layoutDir an empty directory for the OCI layout
 * @param stagingHost `127.0.0.1:PORT` of the staging registry
 * @param spec what to build
 * @param parallel how many skopeo copies run at once
 * @returns the images with their digests, and the bytes of their distinct blobs
 * @throws {Error} from the layout writer, or {@link CommandError} when skopeo fails
 * @example const images = await buildWorkload(dir, staging.host, { images: 30, platforms: ["linux/amd64", "linux/arm64"], layersPerImage: 3, minLayerBytes: 262144, maxLayerBytes: 1048576, seed: "bench" }, 4);
 */
export async function buildWorkload(
  layoutDir: string,
  stagingHost: string,
  spec: WorkloadSpec,
  parallel: number,
): Promise<Workload> {
  const images: WorkloadImage[] = [];
  const manifestDigests = new Set<string>();
  for (let i = 0; i < spec.images; i++) {
    const name = `img-${String(i).padStart(3, "0")}`;
    const layers = Array.from({ length: spec.layersPerImage }, (_, layer) => ({
      size: seededSize(spec.seed, `${name}/${layer}`, spec.minLayerBytes, spec.maxLayerBytes),
    }));
    const seed = `${spec.seed}/${name}`;
    const manifests: WrittenManifest[] = [];
    if (spec.platforms.length === 1) {
      manifests.push(await writeImage(layoutDir, name, { seed, platform: spec.platforms[0]!, layers }));
    } else {
      const index = await writeIndex(layoutDir, name, { seed, platforms: spec.platforms, layers });
      manifests.push(index, ...index.children);
    }
    images.push({ name, tag: BENCH_TAG, digest: manifests[0]!.digest });
    for (const manifest of manifests) manifestDigests.add(manifest.digest);
  }
  const blobsDir = join(layoutDir, "blobs", "sha256");
  let blobBytes = 0;
  for (const hex of await readdir(blobsDir)) {
    if (!manifestDigests.has(`sha256:${hex}`)) blobBytes += (await stat(join(blobsDir, hex))).size;
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length) {
      const image = images[next++]!;
      await seedLayout(layoutDir, image.name, `${stagingHost}/${STAGING_PATH}/${image.name}:${image.tag}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return { images, blobBytes };
}

/** A workload seeded into its own staging registry. */
export interface StagedWorkload extends Workload {
  readonly spec: WorkloadSpec;
  /** The staging registry (`<host>/staging/<image>:v1.0`); dispose of it when done. */
  readonly staging: HarnessRegistry;
  /** The `skopeo sync --src yaml` file naming every image. */
  readonly syncFile: string;
}

/**
 * Starts a staging registry and seeds the workload into it; the layout is deleted once seeded.
 *
 * @param dir an empty or missing directory for the layout and the sync file
 * @param spec what to build
 * @returns the staged workload
 * @throws {RegistryStartError} or what {@link buildWorkload} throws; the registry is disposed of then
 */
export async function stageWorkload(dir: string, spec: WorkloadSpec): Promise<StagedWorkload> {
  await mkdir(dir, { recursive: true });
  const staging = await startRegistry();
  try {
    const layoutDir = join(dir, "layout");
    const workload = await buildWorkload(layoutDir, staging.host, spec, 4);
    // The layout is only needed for seeding; dropping it keeps the page cache for the registries.
    await rm(layoutDir, { recursive: true, force: true });
    const syncFile = join(dir, "skopeo-sync.yaml");
    await writeSkopeoSyncFile(syncFile, staging.host, workload.images);
    return { ...workload, spec, staging, syncFile };
  } catch (error) {
    await staging.dispose();
    throw error;
  }
}

/**
 * The peer: `skopeo sync --all --preserve-digests` of the sync file's images to one destination.
 *
 * @param syncFile from {@link writeSkopeoSyncFile}
 * @param destination `HOST/PREFIX`
 * @returns the command
 */
export function skopeoSync(syncFile: string, destination: string): Command {
  return {
    program: "skopeo",
    args: [
      "--insecure-policy", "sync", "--all", "--preserve-digests", "--src", "yaml", "--dest", "docker",
      "--src-no-creds", "--dest-no-creds", "--dest-tls-verify=false", syncFile, destination,
    ],
    cwd: REPO_ROOT,
  };
}

/**
 * Writes the thin promoter tree (one project) that promotes every image to every destination.
 *
 * @param root the directory to write `manifests/` and `images/` into
 * @param stagingHost the staging registry host
 * @param destinations destination names (`HOST/PREFIX`); images land at `<destination>/<image name>`
 * @param images the seeded images
 * @returns `root`, for `--thin-manifest-dir`
 * @throws the fs error
 */
export async function writeOurManifests(
  root: string,
  stagingHost: string,
  destinations: readonly string[],
  images: readonly WorkloadImage[],
): Promise<string> {
  return writePromotionTree(
    [{
      name: "k8s-staging-bench",
      source: `${stagingHost}/${STAGING_PATH}`,
      destinations,
      images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: [image.tag] } })),
    }],
    root,
  );
}

/**
 * Writes the `skopeo sync --src yaml` file naming the same images and tags. Without `--scoped`, skopeo puts
 * `staging/img-000` at `<destination>/img-000`, the same place our promoter does.
 *
 * @param file where to write it
 * @param stagingHost the staging registry host
 * @param images the seeded images
 * @throws the fs error
 */
export async function writeSkopeoSyncFile(file: string, stagingHost: string, images: readonly WorkloadImage[]): Promise<void> {
  const listed = Object.fromEntries(images.map((image) => [`${STAGING_PATH}/${image.name}`, [image.tag]]));
  await writeFile(file, stringify({ [stagingHost]: { "tls-verify": false, images: listed } }));
}

/**
 * `N platforms × L layers (A–B KiB)` or `1 platform …` for a workload's description line.
 *
 * @param staged the workload
 * @returns the text
 */
export function describeImages(staged: StagedWorkload): string {
  const { spec } = staged;
  const shape = spec.platforms.length === 1 ? `1 platform (${spec.platforms[0]}, plain manifest)` : `${spec.platforms.length} platforms (OCI index)`;
  return (
    `${shape} × ${spec.layersPerImage} layers of ${spec.minLayerBytes / 1024}–${spec.maxLayerBytes / 1024} KiB ` +
    `(${(staged.blobBytes / 1048576).toFixed(1)} MiB of distinct blobs)`
  );
}

/**
 * Where distribution's filesystem driver keeps a blob's bytes, to learn a blob's size from its digest.
 *
 * @param storageDir the registry's storage root
 * @param digest `sha256:<hex>`
 * @returns the path of the `data` file
 */
export function blobDataPath(storageDir: string, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(storageDir, "docker", "registry", "v2", "blobs", "sha256", hex.slice(0, 2), hex, "data");
}
