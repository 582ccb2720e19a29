/**
 * A scripted registry answering like GCR / Artifact Registry: tag lists with the `manifest` (digest → tags,
 * untagged manifests included) and `child` extensions. docker-registry has neither, so these cases run against
 * the scripted origin.
 */
import { createHash } from "node:crypto";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

/** A manifest held by a scripted repository. */
export interface ScriptedManifest {
  readonly mediaType: string;
  readonly tags: readonly string[];
  /** The JSON document; its digest is that of `JSON.stringify(document)`. */
  readonly document: object;
}

/** One repository of the scripted registry: its children (names one level down) and manifests. */
export interface ScriptedRepository {
  readonly children?: readonly string[];
  readonly manifests?: readonly ScriptedManifest[];
}

/**
 * @param document a manifest document
 * @returns `sha256:` of its JSON bytes, as the scripted registry serves them
 */
export function digestOfDocument(document: object): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(document)).digest("hex")}`;
}

/**
 * Starts a scripted Google-style registry: every tag list and manifest may be read any number of times.
 *
 * @param repositories path → repository
 * @returns the origin (its `host` is the registry host)
 */
export async function startGoogleStyleRegistry(repositories: Readonly<Record<string, ScriptedRepository>>): Promise<ScriptedOrigin> {
  const origin = await startScriptedOrigin();
  for (const [path, repository] of Object.entries(repositories)) {
    const manifests = repository.manifests ?? [];
    const body = {
      name: path,
      child: repository.children ?? [],
      tags: manifests.flatMap((manifest) => manifest.tags),
      manifest: Object.fromEntries(manifests.map((m) => [digestOfDocument(m.document), { mediaType: m.mediaType, tag: m.tags, imageSizeBytes: "1" }])),
    };
    origin.intercept({ method: "GET", path: `/v2/${path}/tags/list` }).reply(200, JSON.stringify(body), { headers: { "content-type": "application/json" } }).times(1000);
    for (const manifest of manifests) {
      const bytes = JSON.stringify(manifest.document);
      const headers = { "content-type": manifest.mediaType, "docker-content-digest": digestOfDocument(manifest.document) };
      origin.intercept({ method: "GET", path: `/v2/${path}/manifests/${digestOfDocument(manifest.document)}` }).reply(200, bytes, { headers }).times(1000);
    }
  }
  return origin;
}
