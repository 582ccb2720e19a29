/**
 * The promotion benchmark's workload: N multi-arch images built deterministically into one OCI layout and seeded
 * into a staging registry, plus the two descriptions of "copy all of them to these destinations" — a thin
 * promoter manifest tree for our CLI and a `skopeo sync --src yaml` file for skopeo.
 */
import { createHash } from "node:crypto";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { seedLayout, writeIndex } from "../../test/harness";
import { writePromotionTree } from "../../test/harness/promotion-tree";

/** What to build. */
export interface WorkloadSpec {
  /** How many images (each an OCI index). */
  readonly images: number;
  /** Platforms per image, e.g. `["linux/amd64", "linux/arm64"]`. */
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
  /** The index digest every destination tag must resolve to. */
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
 * @example const images = await buildWorkload(dir, staging.host, { images: 60, platforms: ["linux/amd64", "linux/arm64"], layersPerImage: 3, minLayerBytes: 262144, maxLayerBytes: 1048576, seed: "bench" }, 4);
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
    const index = await writeIndex(layoutDir, name, { seed: `${spec.seed}/${name}`, platforms: spec.platforms, layers });
    images.push({ name, tag: BENCH_TAG, digest: index.digest });
    for (const manifest of [index, ...index.children]) manifestDigests.add(manifest.digest);
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
