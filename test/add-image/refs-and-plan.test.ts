import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectOf } from "../../lib/add-image/find-project";
import { planAdditions } from "../../lib/add-image/plan-additions";
import { selectTags } from "../../lib/add-image/resolve-tags";
import { parseStagingRef } from "../../lib/add-image/staging-ref";
import { loadThinManifests } from "../../lib/promote/manifests/load-manifests";

const d = (c: string): string => `sha256:${c.repeat(64)}`;

describe("parseStagingRef", () => {
  test.each([
    ["gcr.io/k8s-staging-kind/node:v1.30.0", "gcr.io/k8s-staging-kind/node", { kind: "tag", tag: "v1.30.0" }],
    ["127.0.0.1:5000/a/b/c:1.10", "127.0.0.1:5000/a/b/c", { kind: "tag", tag: "1.10" }],
    ["gcr.io/p/app:latest", "gcr.io/p/app", { kind: "tag", tag: "latest" }],
    ["gcr.io/p/app:^1.2", "gcr.io/p/app", { kind: "semver", range: "^1.2" }],
    ["gcr.io/p/app:>=1.2.0 <1.3.0", "gcr.io/p/app", { kind: "semver", range: ">=1.2.0 <1.3.0" }],
  ])("%s", (text, repository, selector) => {
    expect(parseStagingRef(text)).toEqual({ text, repository, selector });
  });

  test("a pattern: * and ? over tag characters, everything else literal", () => {
    const { selector } = parseStagingRef("gcr.io/p/app:v1.2.*");
    if (selector.kind !== "pattern") throw new Error("expected a pattern");
    expect(["v1.2.0", "v1.2.10-rc.1", "v1.20.0", "v1.2", "xv1.2.0"].filter((tag) => selector.matcher.test(tag))).toEqual(["v1.2.0", "v1.2.10-rc.1"]);
    const single = parseStagingRef("gcr.io/p/app:v?.0").selector;
    expect(single.kind === "pattern" && ["v1.0", "v10.0", "v.0"].filter((tag) => single.matcher.test(tag))).toEqual(["v1.0"]);
  });

  test.each([
    ["gcr.io/p/app", "gcr.io/p/app: expected REPOSITORY:TAG, REPOSITORY:PATTERN or REPOSITORY:SEMVER-RANGE"],
    ["gcr.io/p/app@sha256:abc", "gcr.io/p/app@sha256:abc: images are added by tag (REPOSITORY:TAG); a digest alone gives no tag to promote"],
    ["gcr.io/P/app:v1", 'gcr.io/P/app:v1: invalid repository "gcr.io/P/app": bad repository path "P/app"'],
    ["gcr.io/p/app:v1/x", "gcr.io/p/app:v1/x: expected REPOSITORY:TAG, REPOSITORY:PATTERN or REPOSITORY:SEMVER-RANGE"],
    ["gcr.io/p/app:not a range!", 'gcr.io/p/app:not a range!: "not a range!" is neither a tag, a tag pattern (* and ?) nor a semver range'],
  ])("refuses %s", (text, message) => expect(() => parseStagingRef(text)).toThrow(message));
});

test.each([
  ["v1.2.*", ["v1.2.1", "v1.2.0", "latest", `sha256-${"a".repeat(64)}.sig`, "v1.3.0"], ["v1.2.0", "v1.2.1"], []],
  ["*", ["b", "latest", "a"], ["a", "b"], ["latest"]],
  ["^1.2", ["v1.10.0", "v1.2.3", "1.2.0", "v1.3.0-rc.1", "v2.0.0", "latest", "nightly"], ["1.2.0", "v1.2.3", "v1.10.0"], []],
])("selectTags %s", (selector, tags, selected, leftOut) => {
  expect(selectTags(parseStagingRef(`r.io/p/app:${selector}`).selector, tags)).toEqual({ selected, leftOut });
});

describe("projects and additions", () => {
  const root = mkdtempSync(join(tmpdir(), "add-image-plan-"));
  const project = (name: string, source: string, images: string) => {
    mkdirSync(join(root, "manifests", name), { recursive: true });
    mkdirSync(join(root, "images", name), { recursive: true });
    writeFileSync(join(root, "manifests", name, "promoter-manifest.yaml"), `registries:\n- name: ${source}\n  src: true\n- name: prod.example/images/${name}\n`);
    writeFileSync(join(root, "images", name, "images.yaml"), images);
  };
  project("k8s-staging-kind", "gcr.io/k8s-staging-kind", `- name: node\n  dmap:\n    "${d("1")}": ["v1.30.0"]\n`);
  project("k8s-staging-kueue", "us-central1-docker.pkg.dev/k8s-staging-images/kueue", "# No images yet\n");
  project("k8s-staging-jobset", "us-central1-docker.pkg.dev/k8s-staging-images/jobset", "# No images yet\n");
  const manifests = loadThinManifests(root);

  test.each([
    ["gcr.io/k8s-staging-kind/node", "k8s-staging-kind", "node"],
    ["gcr.io/k8s-staging-kind/base/node", "k8s-staging-kind", "base/node"],
    ["us-central1-docker.pkg.dev/k8s-staging-images/kueue/charts/kueue", "k8s-staging-kueue", "charts/kueue"],
  ])("%s belongs to %s as %s", (repository, name, image) => {
    const found = projectOf(repository, manifests);
    expect([found.manifest.project, found.image]).toEqual([name, image]);
  });

  test.each([
    ["gcr.io/k8s-staging-kindx/node", "gcr.io/k8s-staging-kindx/node: no promoter manifest (manifests/*/promoter-manifest.yaml) has a source registry that holds it"],
    ["us-central1-docker.pkg.dev/k8s-staging-images/other/x", "no promoter manifest"],
  ])("%s belongs to no project", (repository, message) => expect(() => projectOf(repository, manifests)).toThrow(message));

  const resolvedTag = (text: string, tag: string, digest: string) => {
    const ref = parseStagingRef(text);
    return { ref, project: projectOf(ref.repository, manifests), tag, digest };
  };

  test("new tags are grouped per file and digest; listed ones skipped; moved ones and latest refused", () => {
    const plan = planAdditions([
      resolvedTag("gcr.io/k8s-staging-kind/node:v1.30.0", "v1.30.0", d("1")),
      resolvedTag("gcr.io/k8s-staging-kind/node:v1.30.*", "v1.30.1", d("2")),
      resolvedTag("gcr.io/k8s-staging-kind/node:v1.30.*", "v1.30", d("2")),
      resolvedTag("gcr.io/k8s-staging-kind/node:latest", "latest", d("2")),
      resolvedTag("gcr.io/k8s-staging-kind/node:v1.30.0", "v1.30.0", d("9")),
      resolvedTag("us-central1-docker.pkg.dev/k8s-staging-images/kueue/kueue:v0.12.0", "v0.12.0", d("3")),
    ]);
    expect(plan.files.map((file) => [file.manifest.project, file.additions])).toEqual([
      ["k8s-staging-kind", [{ image: "node", digest: d("2"), tags: ["v1.30.1", "v1.30"] }]],
      ["k8s-staging-kueue", [{ image: "kueue", digest: d("3"), tags: ["v0.12.0"] }]],
    ]);
    expect(plan.alreadyListed).toEqual([`gcr.io/k8s-staging-kind/node:v1.30.0 → ${d("1")} (images/k8s-staging-kind/images.yaml:3:81)`]);
    expect(plan.refusals).toEqual([
      "gcr.io/k8s-staging-kind/node:latest: latest is never promoted (it moves); name a version tag",
      `gcr.io/k8s-staging-kind/node:v1.30.0: tag v1.30.0 of node is already promoted as ${d("1")} (images/k8s-staging-kind/images.yaml:3:81); ` +
        `staging now has ${d("9")}, and tags are never moved`,
    ]);
  });
});
