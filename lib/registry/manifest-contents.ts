/**
 * What a manifest refers to: the child manifests of an index / manifest list, or the config and layer
 * blobs of an image manifest. Only the fields the copy needs are read; the bytes are never rewritten.
 */
import { isIndexMediaType } from "./media-types";

/** A content descriptor as the manifest states it. */
export interface Descriptor {
  /** `sha256:…`. */
  readonly digest: string;
  /** Size in bytes. */
  readonly size: number;
  /** Media type of the referenced content. */
  readonly mediaType: string;
  /** Set on foreign / non-distributable layers, which are fetched from these URLs, not from the registry. */
  readonly urls?: readonly string[];
}

/** The references of one manifest. */
export type ManifestContents =
  | { readonly kind: "index"; readonly children: readonly Descriptor[] }
  | { readonly kind: "image"; readonly config: Descriptor; readonly layers: readonly Descriptor[] };

/**
 * Reads the references out of manifest bytes.
 *
 * @param bytes the raw manifest
 * @param mediaType its media type (from the registry); the manifest's own `mediaType` field is the fallback
 * @returns children for an index / manifest list, config + layers for an image
 * @throws Error when the bytes are not JSON or lack the fields of either kind (e.g. Docker schema 1)
 */
export function manifestContents(bytes: Uint8Array, mediaType: string): ManifestContents {
  let parsed: { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown; schemaVersion?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as typeof parsed;
  } catch (error) {
    throw new Error(`manifest is not JSON: ${(error as Error).message}`);
  }
  const type = mediaType || (typeof parsed.mediaType === "string" ? parsed.mediaType : "");
  if (isIndexMediaType(type) || (type === "" && Array.isArray(parsed.manifests))) {
    if (!Array.isArray(parsed.manifests)) throw new Error(`${type || "index"} has no manifests list`);
    return { kind: "index", children: parsed.manifests.map((d, i) => descriptor(d, `manifests[${i}]`)) };
  }
  if (parsed.config === undefined || !Array.isArray(parsed.layers)) {
    throw new Error(`unsupported manifest (media type "${type}", schemaVersion ${String(parsed.schemaVersion)}): no config and layers`);
  }
  return {
    kind: "image",
    config: descriptor(parsed.config, "config"),
    layers: parsed.layers.map((d, i) => descriptor(d, `layers[${i}]`)),
  };
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as { digest?: unknown; size?: unknown; mediaType?: unknown; urls?: unknown } | null;
  if (d === null || typeof d !== "object" || typeof d.digest !== "string" || typeof d.size !== "number") {
    throw new Error(`${where}: expected a descriptor with digest and size`);
  }
  const urls = Array.isArray(d.urls) && d.urls.length > 0 ? { urls: d.urls.map(String) } : {};
  return { digest: d.digest, size: d.size, mediaType: typeof d.mediaType === "string" ? d.mediaType : "", ...urls };
}
