import { compareText } from "../promote/plan/edges";

/** The content of an `images.yaml`: image name → digest → tags (an empty list: promoted by digest only). */
export type ImagesData = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/** What a blank `images.yaml` holds (the file must exist for every project, and YAML cannot be empty-looking). */
export const NO_IMAGES_YET = "# No images yet\n";

/**
 * One `dmap` entry as the real files write it: the digest double-quoted, the tags as a flow list of
 * double-quoted strings (quoted so that no YAML reader can take `1.10` for a number).
 *
 * @param indent the spaces before the key
 * @param digest `sha256:…`
 * @param tags the tags, in the order to write them
 * @param separator between tags: `", "` (default) or `","` to match a file written that way
 * @returns the line, without a newline
 * @example digestLine("    ", "sha256:ab…", ["v1"]) // → '    "sha256:ab…": ["v1"]'
 */
export function digestLine(indent: string, digest: string, tags: readonly string[], separator = ", "): string {
  return `${indent}${JSON.stringify(digest)}: [${tags.map((tag) => JSON.stringify(tag)).join(separator)}]`;
}

/**
 * Renders images as an `images.yaml` in the layout of kubernetes/k8s.io: entries sorted by name, digests
 * sorted, tags sorted; `# No images yet` when there are none.
 *
 * @param images name → digest → tags
 * @param header comment lines (without `#`) to put first, e.g. where the snapshot came from
 * @returns the file's text
 * @example renderImagesYaml(new Map([["app", new Map([["sha256:ab…", ["v1"]]])]]))
 * // → '- name: app\n  dmap:\n    "sha256:ab…": ["v1"]\n'
 */
export function renderImagesYaml(images: ImagesData, header: readonly string[] = []): string {
  const lines = header.map((line) => (line === "" ? "#" : `# ${line}`));
  for (const name of [...images.keys()].sort(compareText)) {
    const dmap = images.get(name)!;
    lines.push(`- name: ${name}`, "  dmap:");
    for (const digest of [...dmap.keys()].sort(compareText)) lines.push(digestLine("    ", digest, [...dmap.get(digest)!].sort(compareText)));
  }
  if (images.size === 0) return `${lines.join("\n")}${lines.length > 0 ? "\n" : ""}${NO_IMAGES_YET}`;
  return `${lines.join("\n")}\n`;
}
