import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MEDIA_TYPES } from "./media-types";
import { writeTarLayer, type Compression } from "./tar-layer";

/** An image platform such as `linux/arm/v7`. */
export interface Platform {
  /** e.g. `linux`. */
  readonly os: string;
  /** e.g. `arm64`. */
  readonly architecture: string;
  /** e.g. `v7`, only when given. */
  readonly variant?: string;
}

/** One layer of a fixture image. */
export interface LayerSpec {
  /** Bytes of random file content in the layer (the blob is a little larger: tar framing, gzip). */
  readonly size: number;
  /** `gzip` (default) or `none`. */
  readonly compression?: Compression;
  /** Content seed; give two layers the same seed (and size) to share a blob between images. */
  readonly seed?: string;
}

/** A single-platform image. */
export interface ImageSpec {
  /** Seed for everything not given explicitly; the same spec always gives the same digest. */
  readonly seed: string;
  /** `os/arch[/variant]` (default `linux/amd64`). */
  readonly platform?: string;
  /** The layers, bottom first. */
  readonly layers: readonly LayerSpec[];
}

/**
 * A multi-platform image: an OCI index with one image per platform. (skopeo's `oci:` transport reads only OCI
 * media types; for a Docker manifest list, seed this with `seedAsDocker`, which converts on the way.)
 */
export interface IndexSpec {
  /** Seed for everything not given explicitly; the same spec always gives the same digest. */
  readonly seed: string;
  /** `os/arch[/variant]` per child image, in index order. */
  readonly platforms: readonly string[];
  /** Layers of every child; each child gets its own content unless a layer has an explicit seed. */
  readonly layers: readonly LayerSpec[];
}

/** A manifest (image, index or signature) stored as a blob in a layout. */
export interface WrittenManifest {
  /** The manifest's media type (also its `mediaType` field). */
  readonly mediaType: string;
  /** `sha256:` of {@link WrittenManifest.bytes}: what a registry must report after a byte-preserving copy. */
  readonly digest: string;
  /** Length of {@link WrittenManifest.bytes}. */
  readonly size: number;
  /** The exact manifest bytes. */
  readonly bytes: Buffer;
  /** Set on the children of an index. */
  readonly platform?: Platform;
}

/** An index or manifest list with its child manifests. */
export interface WrittenIndex extends WrittenManifest {
  /** The per-platform image manifests, in index order. */
  readonly children: readonly WrittenManifest[];
}

const REF_ANNOTATION = "org.opencontainers.image.ref.name";

/**
 * Parses `os/arch[/variant]`.
 *
 * @param text e.g. `linux/arm64` or `linux/arm/v7`
 * @returns the platform
 * @throws {Error} when the text does not have two or three non-empty parts
 * @example parsePlatform("linux/arm/v7") // → { os: "linux", architecture: "arm", variant: "v7" }
 */
export function parsePlatform(text: string): Platform {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === "")) {
    throw new Error(`invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * Creates an empty OCI image layout (`oci-layout`, `index.json`, `blobs/sha256`) unless one is already there.
 *
 * @param dir the layout directory (created if missing)
 * @throws the fs error
 */
export async function initOciLayout(dir: string): Promise<void> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const indexPath = join(dir, "index.json");
  await writeFile(indexPath, JSON.stringify({ schemaVersion: 2, manifests: [] }), { flag: "wx" }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    },
  );
}

/**
 * Builds a single-platform image into a layout and names it `ref` there (so `oci:DIR:REF` finds it).
 * Calls on one layout must not run concurrently (they rewrite its `index.json`).
 *
 * @param dir the layout directory (initialised if needed)
 * @param ref the name in the layout
 * @param spec seed, platform, layers and format
 * @returns the image manifest
 * @throws {Error} on an invalid platform, or the fs error
 * @example const image = await writeImage(dir, "v1", { seed: "app", layers: [{ size: 1024 }] });
 */
export async function writeImage(dir: string, ref: string, spec: ImageSpec): Promise<WrittenManifest> {
  await initOciLayout(dir);
  const platform = parsePlatform(spec.platform ?? "linux/amd64");
  const image = await buildImage(dir, spec.seed, platform, spec.layers);
  await nameInLayout(dir, ref, image);
  return image;
}

/**
 * Builds a multi-platform image (children first, then the index) into a layout and names the index `ref`.
 * Calls on one layout must not run concurrently.
 *
 * @param dir the layout directory (initialised if needed)
 * @param ref the name in the layout
 * @param spec seed, platforms, layers and format
 * @returns the index with its children
 * @throws {Error} on an invalid platform or an empty platform list, or the fs error
 * @example const index = await writeIndex(dir, "v1", { seed: "app", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 512 }] });
 */
export async function writeIndex(dir: string, ref: string, spec: IndexSpec): Promise<WrittenIndex> {
  if (spec.platforms.length === 0) throw new Error("an index needs at least one platform");
  await initOciLayout(dir);
  const children: WrittenManifest[] = [];
  for (const text of spec.platforms) {
    children.push(await buildImage(dir, `${spec.seed}/${text}`, parsePlatform(text), spec.layers));
  }
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.oci.index,
    manifests: children.map(({ mediaType, digest, size, platform }) => ({ mediaType, digest, size, platform })),
  };
  const written = await writeManifestBlob(dir, MEDIA_TYPES.oci.index, Buffer.from(JSON.stringify(index)));
  await nameInLayout(dir, ref, written);
  return { ...written, children };
}

/**
 * Stores a manifest's bytes as a blob of the layout, unnamed (see {@link nameInLayout}).
 *
 * @param dir the layout directory
 * @param mediaType the manifest's media type
 * @param bytes the exact manifest bytes
 * @returns the stored manifest
 * @throws the fs error
 */
export async function writeManifestBlob(dir: string, mediaType: string, bytes: Buffer): Promise<WrittenManifest> {
  const { digest, size } = await writeBlob(dir, bytes);
  return { mediaType, digest, size, bytes };
}

/**
 * Names a stored manifest `ref` in the layout's `index.json`, replacing an earlier manifest of that name.
 *
 * @param dir the layout directory
 * @param ref the name (`oci:DIR:REF`)
 * @param manifest the manifest to name
 * @throws the fs error, or a JSON error on a corrupt `index.json`
 */
export async function nameInLayout(dir: string, ref: string, manifest: WrittenManifest): Promise<void> {
  const indexPath = join(dir, "index.json");
  const layoutIndex = JSON.parse(await readFile(indexPath, "utf8")) as { manifests: Array<Record<string, unknown>> };
  const others = layoutIndex.manifests.filter(
    (entry) => (entry.annotations as Record<string, string> | undefined)?.[REF_ANNOTATION] !== ref,
  );
  const entry = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.size,
    annotations: { [REF_ANNOTATION]: ref },
  };
  await writeFile(indexPath, JSON.stringify({ ...layoutIndex, manifests: [...others, entry] }));
}

/**
 * Stores bytes as a content-addressed blob of the layout.
 *
 * @param dir the layout directory
 * @param bytes the blob
 * @returns its digest and size
 * @throws the fs error
 */
export async function writeBlob(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash("sha256").update(bytes).digest("hex");
  await writeFile(join(dir, "blobs", "sha256", hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

async function buildImage(
  dir: string,
  seed: string,
  platform: Platform,
  layers: readonly LayerSpec[],
): Promise<WrittenManifest> {
  const types = MEDIA_TYPES.oci;
  const blobsDir = join(dir, "blobs", "sha256");
  const written = [];
  for (const [position, layer] of layers.entries()) {
    const compression = layer.compression ?? "gzip";
    const content = await writeTarLayer(blobsDir, layer.seed ?? `${seed}/layer-${position}`, layer.size, compression);
    written.push({ ...content, mediaType: compression === "gzip" ? types.layerGzip : types.layer });
  }
  const config = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: "1970-01-01T00:00:00Z",
    // The seed as a label keeps images with identical layers apart.
    config: { Labels: { "dev.k8s-staging.harness.seed": seed } },
    rootfs: { type: "layers", diff_ids: written.map((layer) => layer.diffId) },
  };
  const configBlob = await writeBlob(dir, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, ...configBlob },
    layers: written.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  const stored = await writeManifestBlob(dir, types.manifest, Buffer.from(JSON.stringify(manifest)));
  return { ...stored, platform };
}
