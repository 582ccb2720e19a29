/**
 * The audit against a Google-style production registry (scripted: docker-registry lists neither untagged
 * manifests nor child repositories): untagged children and referrers of promoted images are not findings, an
 * untagged image nobody promotes is; a repository that cannot be read is a finding and does not stop the rest.
 */
import { auditDestinations } from "../../lib/audit/audit-destinations";
import { formatAudit } from "../../lib/audit/format-audit";
import { loadThinManifests } from "../../lib/promote/manifests/load-manifests";
import { RegistryClient } from "../../lib/registry/client";
import { OCI_INDEX, OCI_MANIFEST } from "../../lib/registry/media-types";
import { writePromotionTree } from "../harness/promotion-tree";
import type { ScriptedOrigin } from "../harness/scripted-origin";
import { digestOfDocument, startGoogleStyleRegistry, type ScriptedManifest } from "../inventory/google-registry";

const image = (seed: string, extra: object = {}): ScriptedManifest => ({
  mediaType: OCI_MANIFEST,
  tags: [],
  document: { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: `sha256:${seed.padEnd(64, "0")}`, size: 1 }, layers: [], ...extra },
});
const children = [image("a1"), image("a2")];
const index: ScriptedManifest = {
  mediaType: OCI_INDEX,
  tags: ["v1"],
  document: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((m) => ({ mediaType: OCI_MANIFEST, digest: digestOfDocument(m.document), size: 1 })) },
};
const referrer = image("c1", { subject: { mediaType: OCI_INDEX, digest: digestOfDocument(index.document), size: 1 } });
const leftover = image("b1");

let registry: ScriptedOrigin;
beforeAll(async () => {
  registry = await startGoogleStyleRegistry({
    "images/p1": { children: ["app"] },
    "images/p1/app": { manifests: [index, ...children, referrer, leftover] },
  });
  // Another project's destination repository that answers 403: a finding, not a stop.
  registry.intercept({ method: "GET", path: "/v2/images/p2/tool/tags/list" }).reply(403, JSON.stringify({ errors: [{ code: "DENIED", message: "no access" }] })).times(20);
  registry.intercept({ method: "GET", path: "/v2/images/p2/tags/list" }).reply(200, JSON.stringify({ child: ["tool"], manifest: {}, tags: [] })).times(5);
});
afterAll(() => registry.close());

test("children and referrers of promoted images are not findings; an untagged leftover and an unreadable repository are", async () => {
  const tree = await writePromotionTree([
    { name: "k8s-staging-p1", source: "gcr.io/k8s-staging-p1", destinations: [`${registry.host}/images/p1`], images: [{ name: "app", dmap: { [digestOfDocument(index.document)]: ["v1"] } }] },
    { name: "k8s-staging-p2", source: "gcr.io/k8s-staging-p2", destinations: [`${registry.host}/images/p2`], images: [{ name: "tool", dmap: { [digestOfDocument(leftover.document)]: ["v2"] } }] },
  ]);
  const report = await auditDestinations(new RegistryClient(), loadThinManifests(tree));
  expect(formatAudit(report)).toBe(
    [
      `${registry.host}/images/p1/app`,
      `  unexpected-digest: ${digestOfDocument(leftover.document)} (untagged) is not promoted here by any manifest`,
      `${registry.host}/images/p2/tool`,
      `  unreadable: cannot be read: GET http://${registry.host}/v2/images/p2/tool/tags/list: 403 DENIED: tags list failed: no access`,
      `Audit: 2 finding(s): unexpected-digest 1, unreadable 1 (2 repositories under 2 destination path(s))`,
      "",
    ].join("\n"),
  );
  // No HEADs: the extension says which digests each repository holds.
  expect(registry.requests.filter((request) => request.method === "HEAD")).toEqual([]);
});
