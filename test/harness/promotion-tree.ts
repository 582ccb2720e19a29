import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

/** One image entry of `images.yaml`: digest → tags (an empty list promotes by digest only). */
export interface TreeImage {
  /** The image name, e.g. `app` or `a/b/c`. */
  readonly name: string;
  /** `sha256:…` → tags, written exactly as given. */
  readonly dmap: Readonly<Record<string, readonly string[]>>;
}

/** One project of a thin-manifest tree. */
export interface TreeProject {
  /** The project directory name, e.g. `k8s-staging-app`. */
  readonly name: string;
  /** The staging repository (`HOST/PATH`), written as the `src: true` registry. */
  readonly source: string;
  /** The destination registries (`HOST[/PREFIX]`). */
  readonly destinations: readonly string[];
  /** The images; an empty list writes the blank `# No images yet` file. */
  readonly images: readonly TreeImage[];
  /** The manifest's `provenance:` block, written as given. */
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** The manifest's `signing:` block, written as given. */
  readonly signing?: Readonly<Record<string, unknown>>;
}

/**
 * Writes a thin-manifest tree as kpromo lays it out: `manifests/<p>/promoter-manifest.yaml` (registries, with a
 * service account on each destination as the real files have) and `images/<p>/images.yaml`. Tags are written
 * as YAML strings, so `1.10` stays `1.10`.
 *
 * @param projects the projects to write
 * @param root the tree's directory (default: a new temp directory)
 * @returns the tree's directory, for `--thin-manifest-dir`
 * @throws the fs error
 * @example
 * const dir = await writePromotionTree([{ name: "k8s-staging-app", source: `${staging.host}/staging`,
 *   destinations: [`${prod.host}/prod`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] }]);
 */
export async function writePromotionTree(projects: readonly TreeProject[], root?: string): Promise<string> {
  const dir = root ?? (await mkdtemp(join(tmpdir(), "promotion-tree-")));
  for (const project of projects) {
    const manifestDir = join(dir, "manifests", project.name);
    const imagesDir = join(dir, "images", project.name);
    await mkdir(manifestDir, { recursive: true });
    await mkdir(imagesDir, { recursive: true });
    const registries = [
      { name: project.source, src: true },
      ...project.destinations.map((name) => ({ name, "service-account": "promoter@example.iam.gserviceaccount.com" })),
    ];
    const policies = { ...(project.provenance ? { provenance: project.provenance } : {}), ...(project.signing ? { signing: project.signing } : {}) };
    await writeFile(join(manifestDir, "promoter-manifest.yaml"), stringify({ registries, ...policies }));
    const images = project.images.map((image) => ({ name: image.name, dmap: image.dmap }));
    await writeFile(join(imagesDir, "images.yaml"), images.length === 0 ? "# No images yet\n" : stringify(images));
  }
  return dir;
}
