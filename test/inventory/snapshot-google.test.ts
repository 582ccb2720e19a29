/**
 * Snapshots of a Google-style registry (scripted): repositories found by walking `child`, untagged manifests
 * listed by the `manifest` extension, and only the untagged images in their own right kept.
 */
import { heldImages } from "../../lib/inventory/held-images";
import { renderImagesYaml } from "../../lib/inventory/images-yaml";
import { ManifestLinks } from "../../lib/inventory/manifest-links";
import { readInventory } from "../../lib/inventory/read-inventory";
import { snapshotRegistry } from "../../lib/inventory/snapshot";
import { RegistryClient } from "../../lib/registry/client";
import { createLimiter } from "../../lib/registry/limit";
import { OCI_INDEX, OCI_MANIFEST } from "../../lib/registry/media-types";
import type { ScriptedOrigin } from "../harness/scripted-origin";
import { digestOfDocument, startGoogleStyleRegistry, type ScriptedManifest } from "./google-registry";

const image = (seed: string, extra: object = {}): ScriptedManifest => ({
  mediaType: OCI_MANIFEST,
  tags: [],
  document: { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: `sha256:${seed.padEnd(64, "0")}`, size: 1 }, layers: [], ...extra },
});
const amd64 = image("a1");
const arm64 = image("a2");
const index: ScriptedManifest = {
  mediaType: OCI_INDEX,
  tags: ["v1"],
  document: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [amd64, arm64].map((m) => ({ mediaType: OCI_MANIFEST, digest: digestOfDocument(m.document), size: 1 })) },
};
const orphan = image("b1");
const referrer = image("c1", { subject: { mediaType: OCI_INDEX, digest: digestOfDocument(index.document), size: 1 } });
const signature = { ...image("d1"), tags: [`sha256-${digestOfDocument(index.document).slice(7)}.sig`] };
const nested = { ...image("e1"), tags: ["1.0"] };

let registry: ScriptedOrigin;
beforeAll(async () => {
  registry = await startGoogleStyleRegistry({
    proj: { children: ["app"] },
    "proj/app": { children: ["nested"], manifests: [index, amd64, arm64, orphan, referrer, signature] },
    "proj/app/nested": { manifests: [nested] },
  });
});
afterAll(() => registry.close());

test("walks child repositories; keeps tagged images and untagged images in their own right", async () => {
  const snapshot = await snapshotRegistry(new RegistryClient(), `${registry.host}/proj`);
  expect(snapshot.repositories).toBe(2);
  expect(snapshot.notes).toEqual([]);
  expect(renderImagesYaml(snapshot.images)).toBe(
    "- name: app\n" +
      "  dmap:\n" +
      [[digestOfDocument(index.document), '["v1"]'], [digestOfDocument(orphan.document), "[]"]]
        .sort()
        .map(([digest, tags]) => `    "${digest}": ${tags}\n`)
        .join("") +
      "- name: app/nested\n" +
      "  dmap:\n" +
      `    "${digestOfDocument(nested.document)}": ["1.0"]\n`,
  );
  expect(registry.unmatched).toEqual([]);
  // Each tag list once (the walk's lists serve as the repositories'), and no HEADs: the extension names digests.
  expect(registry.requests.filter((r) => r.path.endsWith("/tags/list")).map((r) => r.path)).toEqual(["/v2/proj/tags/list", "/v2/proj/app/tags/list", "/v2/proj/app/nested/tags/list"]);
  expect(registry.requests.filter((r) => r.method === "HEAD")).toEqual([]);
});

test("a path that itself holds images is noted, not named", async () => {
  const snapshot = await snapshotRegistry(new RegistryClient(), `${registry.host}/proj/app/nested`);
  expect(snapshot.images.size).toBe(0);
  expect(snapshot.notes).toEqual([
    `${registry.host}/proj/app/nested itself holds 1 image(s): images.yaml names images below the path, so snapshot its parent to include them`,
  ]);
});

test("untagged digests already known to be images are kept without reading any manifest", async () => {
  const before = registry.requests.length;
  const client = new RegistryClient();
  const limit = createLimiter(4);
  const inventory = await readInventory(client, `${registry.host}/proj/app`, limit);
  const known = new Set([amd64, arm64, orphan, referrer].map((m) => digestOfDocument(m.document)));
  const held = await heldImages(inventory, new ManifestLinks(client, limit), known);
  expect(held.get(digestOfDocument(amd64.document))).toEqual([]);
  expect(held.has(digestOfDocument(signature.document))).toBe(false);
  expect(registry.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v2/proj/app/tags/list"]);
});
