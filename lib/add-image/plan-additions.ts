import type { Manifest } from "../promote/manifests/types";
import type { ResolvedTag } from "./resolve-tags";

/** Tags to add to one image's digest in one `images.yaml`. */
export interface ImageAddition {
  /** The image name, e.g. `node`. */
  readonly image: string;
  /** `sha256:…`. */
  readonly digest: string;
  /** The tags to add, in the order found (none of them listed yet for this image). */
  readonly tags: readonly string[];
}

/** What to change in one project's `images.yaml`. */
export interface FileAdditions {
  readonly manifest: Manifest;
  readonly additions: readonly ImageAddition[];
}

/** The change, or why not. */
export interface AdditionPlan {
  /** Per file, in the order the projects were first named. */
  readonly files: readonly FileAdditions[];
  /** Tags that must not be added (`latest`, a tag promoted under another digest): `REF: why`. */
  readonly refusals: readonly string[];
  /** Tags already listed with the same digest: nothing to do. */
  readonly alreadyListed: readonly string[];
}

/**
 * Decides what to add to each project's `images.yaml` for the resolved tags: a tag already listed for the image
 * under the same digest needs nothing; under another digest it is refused (tags are never moved: the promoter
 * would refuse it too); `latest` is refused (it moves by nature, so it cannot be pinned to a digest).
 *
 * @param resolved tags resolved in staging
 * @returns additions grouped per file and (image, digest), refusals and what is already there
 * @example planAdditions(resolved).files[0].additions // → [{ image: "node", digest: "sha256:…", tags: ["v1.30.0"] }]
 */
export function planAdditions(resolved: readonly ResolvedTag[]): AdditionPlan {
  const refusals: string[] = [];
  const alreadyListed: string[] = [];
  const files = new Map<Manifest, Map<string, { image: string; digest: string; tags: string[] }>>();
  const chosen = new Map<string, string>();
  for (const { ref, project, tag, digest } of resolved) {
    const { manifest, image } = project;
    if (tag === "latest") {
      refusals.push(`${ref.text}: latest is never promoted (it moves); name a version tag`);
      continue;
    }
    const listed = listedDigest(manifest, image, tag);
    if (listed?.digest === digest) {
      alreadyListed.push(`${ref.repository}:${tag} → ${digest} (${listed.at})`);
      continue;
    }
    if (listed !== undefined) {
      refusals.push(`${ref.text}: tag ${tag} of ${image} is already promoted as ${listed.digest} (${listed.at}); staging now has ${digest}, and tags are never moved`);
      continue;
    }
    const key = `${manifest.project}\u0000${image}\u0000${tag}`;
    const earlier = chosen.get(key);
    if (earlier !== undefined && earlier !== digest) {
      refusals.push(`${ref.text}: tag ${tag} of ${image} resolved to ${earlier} and to ${digest} during this run (it moved in staging); try again`);
      continue;
    }
    chosen.set(key, digest);
    let additions = files.get(manifest);
    if (!additions) files.set(manifest, (additions = new Map()));
    const entry = additions.get(`${image}\u0000${digest}`) ?? { image, digest, tags: [] };
    additions.set(`${image}\u0000${digest}`, entry);
    if (!entry.tags.includes(tag)) entry.tags.push(tag);
  }
  return { files: [...files].map(([manifest, additions]) => ({ manifest, additions: [...additions.values()] })), refusals, alreadyListed };
}

/** Where an image's tag is listed already, if anywhere in the manifest's `images.yaml`. */
function listedDigest(manifest: Manifest, image: string, tag: string): { digest: string; at: string } | undefined {
  for (const entry of manifest.images) {
    if (entry.name !== image) continue;
    for (const [digest, tags] of entry.dmap) {
      const index = tags.indexOf(tag);
      if (index < 0) continue;
      const { line, col } = manifest.imagesSource.locate([...entry.path, "dmap", digest, index]);
      return { digest, at: `${manifest.imagesFile}:${line}:${col}` };
    }
  }
  return undefined;
}
