import { parseYaml, type ParsedYaml } from "../yaml/parse-yaml";

/** One digest of one image as an `images.yaml` lists it, with where it is written. */
export interface DigestEntry {
  /** Tags in file order (empty: promoted by digest only). */
  readonly tags: readonly string[];
  /** Path of the digest key in the file, e.g. `[3, "dmap", "sha256:…"]`. */
  readonly path: readonly PropertyKey[];
}

/** Image name → digest → its entry: what an `images.yaml` promotes. */
export type ImageTable = Map<string, Map<string, DigestEntry>>;

/** An `images.yaml` read leniently into an {@link ImageTable}, with the parsed file to position problems. */
export interface ReadImages {
  /** The images; whatever cannot be understood is left out (the schema rules report it separately). */
  readonly table: ImageTable;
  /** The parsed file. */
  readonly parsed: ParsedYaml;
}

/**
 * Reads an `images.yaml` text (failsafe schema, so tags stay as written) into an image table. Never throws:
 * a file that does not parse, or entries of the wrong shape, contribute nothing, because the append-only rules
 * must run on a base revision that was itself broken and must not duplicate the schema rules' messages.
 * An image listed in several entries is merged; the first place a digest is written wins.
 *
 * @param file the file as shown in messages
 * @param text its contents
 * @returns the table and the parsed file
 * @example readImageTable("images/k8s-staging-kind/images.yaml", text).table.get("kindnetd")
 */
export function readImageTable(file: string, text: string): ReadImages {
  const parsed = parseYaml(file, text, { schema: "failsafe" });
  const table: ImageTable = new Map();
  const entries: unknown = parsed.value;
  if (!Array.isArray(entries)) return { table, parsed };
  entries.forEach((entry: unknown, index) => {
    const { name, dmap } = (entry ?? {}) as { name?: unknown; dmap?: unknown };
    if (typeof name !== "string" || typeof dmap !== "object" || dmap === null || Array.isArray(dmap)) return;
    let digests = table.get(name);
    if (!digests) table.set(name, (digests = new Map()));
    for (const [digest, tags] of Object.entries(dmap as Record<string, unknown>)) {
      if (digests.has(digest)) continue;
      const strings = Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
      digests.set(digest, { tags: strings, path: [index, "dmap", digest] });
    }
  });
  return { table, parsed };
}
