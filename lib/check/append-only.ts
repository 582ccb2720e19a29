import type { Problem } from "../diagnostics/problem";
import { readImageTable } from "./image-table";

/**
 * Production is append-only: compares an `images.yaml` with the same file at the base revision and reports
 * every digest or tag that was removed and every tag that now points at another digest. A removed image is
 * one problem (not one per digest); removed digests and tags are positioned at the image's entry when it
 * still exists, a moved tag at the tag itself.
 *
 * @param file the file as shown in messages, e.g. `images/k8s-staging-kind/images.yaml`
 * @param baseText the file at the base revision; `undefined` when it did not exist (nothing to keep)
 * @param currentText the file now; `undefined` when it was deleted
 * @param base the base revision as the user named it, for messages
 * @returns the problems, unsorted
 * @example appendOnlyProblems("images/k8s-staging-kind/images.yaml", before, after, "origin/main")
 */
export function appendOnlyProblems(
  file: string,
  baseText: string | undefined,
  currentText: string | undefined,
  base: string,
): Problem[] {
  if (baseText === undefined) return [];
  const before = readImageTable(file, baseText).table;
  const { table: now, parsed } = readImageTable(file, currentText ?? "");
  const atFile = (message: string): Problem => ({ file, line: 1, col: 1, path: "", message });
  // The message names the image, digest and tag, so the document path would only repeat it.
  const at = (path: readonly PropertyKey[], message: string, where?: "key"): Problem => ({
    file,
    ...parsed.locate(path, where),
    path: "",
    message,
  });
  const problems: Problem[] = [];
  const moved = new Set<string>();

  for (const [image, digests] of now) {
    const tagsBefore = tagOwners(before.get(image));
    for (const [digest, entry] of digests) {
      entry.tags.forEach((tag, index) => {
        const owner = tagsBefore.get(tag);
        if (owner === undefined || owner === digest || before.get(image)?.get(digest)?.tags.includes(tag)) return;
        moved.add(`${image}\n${tag}`);
        problems.push(
          at(
            [...entry.path, index],
            `tag "${tag}" of image "${image}" pointed at ${owner} at ${base}; an existing tag must not move to another digest`,
          ),
        );
      });
    }
  }

  for (const [image, digests] of before) {
    const current = now.get(image);
    if (current === undefined) {
      problems.push(atFile(`image "${image}" was removed with its ${digests.size} digest(s) listed at ${base}; production is append-only`));
      continue;
    }
    for (const [digest, entry] of digests) {
      const kept = current.get(digest);
      if (kept === undefined) {
        const [firstEntry] = [...current.values()];
        const imagePath = firstEntry ? firstEntry.path.slice(0, 1) : [];
        problems.push(
          at(imagePath, `digest ${digest} of image "${image}" was removed (listed at ${base}); production is append-only`),
        );
        continue;
      }
      for (const tag of entry.tags) {
        if (kept.tags.includes(tag) || moved.has(`${image}\n${tag}`)) continue;
        problems.push(
          at(kept.path, `tag "${tag}" was removed from this digest (listed at ${base}); production is append-only`, "key"),
        );
      }
    }
  }
  return problems;
}

/** Tag → the first digest that carries it. */
function tagOwners(digests: ReadonlyMap<string, { readonly tags: readonly string[] }> | undefined): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [digest, { tags }] of digests ?? []) for (const tag of tags) if (!owners.has(tag)) owners.set(tag, digest);
  return owners;
}
