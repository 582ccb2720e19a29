import { parseYaml } from "../../yaml/parse-yaml";
import type { Manifest, ManifestImage } from "../manifests/types";
import { readFileAtRevision, readFilesAtRevision } from "./read-at-revision";

/** The part of validated manifests that changed since a git revision. */
export interface ChangedSelection {
  /** The manifests reduced to the digests added or changed since the revision; projects with none left out. */
  readonly manifests: readonly Manifest[];
  /** Digest entries (image, digest) kept. */
  readonly changed: number;
  /** Digest entries left out because `images.yaml` had them, with all their tags, at the revision. */
  readonly unchanged: number;
}

/** Image name → digest → tags, as an `images.yaml` held them at the base revision. */
type BaseImages = Map<string, Map<string, Set<string>>>;

/**
 * Presubmit mode: keeps only what a pull request adds to `images.yaml`. A (image, digest) is kept when the
 * digest was not listed for that image at the revision, or when it gains a tag; everything else was promoted
 * (or checked) when the base was merged, so no registry needs to hear about it.
 *
 * The manifests given must already be fully validated; this only narrows them.
 *
 * @param revision the base, e.g. `origin/main`
 * @param root the directory the manifests' `imagesFile` paths are relative to: the thin manifest directory,
 *   or `undefined` for a single manifest file (its path is then taken as given, from the current directory)
 * @param manifests validated manifests
 * @returns the narrowed manifests and counts
 * @throws GitRevisionError when the revision cannot be read (not a git tree, unknown revision)
 * @example
 * const { manifests } = selectChangedSince("origin/main", "registry.k8s.io", loadThinManifests("registry.k8s.io"));
 * if (manifests.length === 0) console.log("nothing added: no registry contacted");
 */
export function selectChangedSince(revision: string, root: string | undefined, manifests: readonly Manifest[]): ChangedSelection {
  const texts =
    root === undefined
      ? new Map(manifests.map((manifest) => [manifest.imagesFile, readFileAtRevision(manifest.imagesFile, revision)]))
      : readFilesAtRevision(root, revision, [...new Set(manifests.map((manifest) => manifest.imagesFile))]);
  const selected: Manifest[] = [];
  let changed = 0;
  let unchanged = 0;
  for (const manifest of manifests) {
    const base = baseImages(manifest.imagesFile, texts.get(manifest.imagesFile), root === undefined);
    const images: ManifestImage[] = [];
    for (const image of manifest.images) {
      const dmap = new Map<string, readonly string[]>();
      for (const [digest, tags] of image.dmap) {
        const before = base.get(image.name)?.get(digest);
        if (before !== undefined && tags.every((tag) => before.has(tag))) unchanged++;
        else dmap.set(digest, tags);
      }
      changed += dmap.size;
      if (dmap.size > 0) images.push({ ...image, dmap });
    }
    if (images.length > 0) selected.push({ ...manifest, images });
  }
  return { manifests: selected, changed, unchanged };
}

/**
 * The images of an `images.yaml` (or of a fat manifest's `images`) at the base. The base is read leniently:
 * whatever cannot be understood there counts as absent, so its digests are considered new (and checked).
 */
function baseImages(file: string, text: string | undefined, fat: boolean): BaseImages {
  const images: BaseImages = new Map();
  if (text === undefined) return images;
  const { value, problems } = parseYaml(file, text, { schema: "failsafe" });
  if (problems.length > 0) return images;
  const entries = fat ? (value as { images?: unknown } | null)?.images : value;
  if (!Array.isArray(entries)) return images;
  for (const entry of entries as unknown[]) {
    const { name, dmap } = (entry ?? {}) as { name?: unknown; dmap?: unknown };
    if (typeof name !== "string" || typeof dmap !== "object" || dmap === null) continue;
    let digests = images.get(name);
    if (!digests) images.set(name, (digests = new Map()));
    for (const [digest, tags] of Object.entries(dmap)) {
      const known = digests.get(digest) ?? new Set<string>();
      if (Array.isArray(tags)) for (const tag of tags) if (typeof tag === "string") known.add(tag);
      digests.set(digest, known);
    }
  }
  return images;
}
