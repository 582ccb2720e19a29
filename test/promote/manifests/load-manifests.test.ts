import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { InvalidInputError } from "../../../lib/diagnostics/problem";
import { loadFatManifest, loadThinManifests } from "../../../lib/promote/manifests/load-manifests";

const CORPUS = join(__dirname, "../../../../shared/corpus");
const INVENTORY = "promo-tools/v4.1.0/internal/legacy/dockerregistry/inventory_test";
const LAYOUT_HINT = "directory not found (a thin manifest directory needs images/ and manifests/)";
const FOO_IN_BOTH = (other: string) =>
  `asia.gcr.io/some-prod/foo-controller (and 2 more) is also written by project ${other} (images/${other}/images.yaml:1:9); every destination path belongs to one project`;

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected InvalidInputError");
}

describe("loadThinManifests on the promo-tools fixtures (as SOURCES.md says they behave)", () => {
  test.each<[string, string[]]>([
    [`${INVENTORY}/TestParseThinManifestsFromDir/singleton`, ["a"]],
    [`${INVENTORY}/TestParseThinManifestsFromDir/multiple-rebases`, ["a", "b"]],
    [`${INVENTORY}/TestParseThinManifestsFromDir/basic-thin`, ["a", "b", "c", "d"]],
    [`${INVENTORY}/TestValidateThinManifestsFromDir/valid/singleton`, ["a"]],
    [`${INVENTORY}/TestValidateThinManifestsFromDir/valid/multiple-rebases`, ["a", "b"]],
    [`${INVENTORY}/TestValidateThinManifestsFromDir/valid/malformed-directory-tree-structure-bad-prefix-is-ignored`, ["a"]],
    ["promo-tools/HEAD/image/manifest/testdata/singleton", ["a"]],
    ["promo-tools/HEAD/canary", ["k8s-staging-bom", "sigstore"]],
    ["promo-tools/v4.1.0/test-e2e/cip/fixture/recursive-thin", ["bar", "foo"]],
  ])("%s is valid", (dir, projects) => {
    expect(loadThinManifests(join(CORPUS, dir)).map((m) => m.project)).toEqual(projects);
  });

  test.each<[string, string[]]>([
    [`${INVENTORY}/TestParseThinManifestsFromDir/empty`, [`images:1:1: ${LAYOUT_HINT}`, `manifests:1:1: ${LAYOUT_HINT}`]],
    [`${INVENTORY}/TestValidateThinManifestsFromDir/invalid/empty`, [`images:1:1: ${LAYOUT_HINT}`, `manifests:1:1: ${LAYOUT_HINT}`]],
    ["promo-tools/HEAD/image/manifest/testdata/empty", [`images:1:1: ${LAYOUT_HINT}`, `manifests:1:1: ${LAYOUT_HINT}`]],
    [
      `${INVENTORY}/TestValidateThinManifestsFromDir/invalid/malformed-directory-tree-structure`,
      ["manifests/b/promoter-manifest.yaml:1:1: images/b/images.yaml not found: every manifest needs its images file"],
    ],
    [
      `${INVENTORY}/TestValidateThinManifestsFromDir/invalid/malformed-directory-tree-structure-nested`,
      [
        "manifests/b/c/promoter-manifest.yaml:1:1: unexpected manifest path: manifests must be at manifests/<project>/promoter-manifest.yaml",
      ],
    ],
    [
      `${INVENTORY}/TestValidateThinManifestsFromDir/invalid/overlapping-destination-vertices-different-digest`,
      [
        // kpromo's reason is the tag 1.0 wanted on two digests; here the image's path is refused to both projects.
        `images/a/images.yaml:1:9: [0].name: ${FOO_IN_BOTH("b")}`,
        `images/b/images.yaml:1:9: [0].name: ${FOO_IN_BOTH("a")}`,
      ],
    ],
  ])("%s is invalid", (dir, expected) => {
    expect(problemsOf(() => loadThinManifests(join(CORPUS, dir)))).toEqual(expected);
  });

  // kpromo accepts two manifests writing one image; here every destination path belongs to exactly one project.
  test.each([
    `${INVENTORY}/TestValidateThinManifestsFromDir/valid/overlapping-src-registries`,
    `${INVENTORY}/TestValidateThinManifestsFromDir/valid/overlapping-destination-vertices-same-digest`,
  ])("%s (valid for kpromo) is refused: both projects write foo-controller", (dir) => {
    expect(problemsOf(() => loadThinManifests(join(CORPUS, dir)))).toEqual([
      `images/a/images.yaml:1:9: [0].name: ${FOO_IN_BOTH("b")}`,
      `images/b/images.yaml:1:9: [0].name: ${FOO_IN_BOTH("a")}`,
    ]);
  });

  it("reads the fat sanity manifest with its tagless digest and tags kept as written", () => {
    const [manifest] = loadFatManifest(join(CORPUS, "promo-tools/v4.1.0/test-e2e/cip/fixture/sanity/promoter-manifest.yaml"));
    expect(manifest!.project).toBe("promoter-manifest.yaml");
    expect(manifest!.registries.map((r) => r.name)).toEqual([
      "gcr.io/k8s-staging-cip-test/golden-foo",
      "us.gcr.io/k8s-cip-test-prod/e2e/some/subdir",
      "eu.gcr.io/k8s-cip-test-prod/e2e/some/subdir",
      "asia.gcr.io/k8s-cip-test-prod/e2e/some/subdir",
    ]);
    expect([...manifest!.images[0]!.dmap.values()]).toEqual([["1.0"], ["1.0-linux_amd64"], ["1.0-linux_s390x"], []]);
  });
});

describe("loadThinManifests on the real k8s.io tree", () => {
  it("reports exactly the one 63-hex digest of k8s-staging-ingress-nginx, line 203, and nothing else", () => {
    expect(problemsOf(() => loadThinManifests(join(CORPUS, "k8s.io/registry.k8s.io")))).toEqual([
      'images/k8s-staging-ingress-nginx/images.yaml:203:5: [7].dmap["sha256:23eb4b1775fbaa2adca55c73cf0341e1224d6308689b6f4b3aa1523312eb81c"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 63)',
    ]);
  });
});

describe("loadThinManifests on built trees", () => {
  const A = `sha256:${"a".repeat(64)}`;
  const B = `sha256:${"b".repeat(64)}`;
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "thin-manifests-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  const registries = (src: string, ...destinations: string[]) =>
    `registries:\n- name: ${src}\n  src: true\n${destinations.map((d) => `- name: ${d}\n`).join("")}`;

  it("accepts a blank images.yaml and ignores OWNERS and images without a manifest", () => {
    write({
      "manifests/k8s-staging-new/promoter-manifest.yaml": registries("gcr.io/k8s-staging-new", "us.gcr.io/prod/new"),
      "images/k8s-staging-new/images.yaml": "# No images yet\n",
      "images/k8s-staging-new/OWNERS": "approvers: [someone]\n",
      "images/orphan/images.yaml": "not: [valid\n",
    });
    const manifests = loadThinManifests(root);
    expect(manifests.map((m) => [m.project, m.file, m.imagesFile, m.images.length])).toEqual([
      ["k8s-staging-new", "manifests/k8s-staging-new/promoter-manifest.yaml", "images/k8s-staging-new/images.yaml", 0],
    ]);
  });

  it("reports every problem of every project at once, sorted by file", () => {
    write({
      "manifests/a/promoter-manifest.yaml": "registries:\n- name: gcr.io/a\n",
      "images/a/images.yaml": `- name: foo\n  dmap:\n    "${A}": ["1.0"]\n`,
      "manifests/b/promoter-manifest.yaml": registries("gcr.io/b", "us.gcr.io/prod"),
      "images/b/images.yaml": `- name: foo\n  dmap:\n    "sha256:AB": ["1.0"]\n`,
      "manifests/c/promoter-manifest.yaml": registries("gcr.io/c", "us.gcr.io/prod"),
    });
    expect(problemsOf(() => loadThinManifests(root))).toEqual([
      'images/b/images.yaml:3:5: [0].dmap["sha256:AB"]: digest must be "sha256:" followed by 64 lowercase hex characters',
      "manifests/a/promoter-manifest.yaml:2:1: registries: exactly one registry must have src: true (found none)",
      "manifests/c/promoter-manifest.yaml:1:1: images/c/images.yaml not found: every manifest needs its images file",
    ]);
  });

  it("reports a tag claimed by two digests within one image, naming every destination, and allows the same digest twice", () => {
    write({
      "manifests/a/promoter-manifest.yaml": registries("gcr.io/a", "us.gcr.io/prod", "eu.gcr.io/prod"),
      "images/a/images.yaml": `- name: foo\n  dmap:\n    "${A}": ["1.0"]\n    "${B}": ["1.0"]\n`,
      "manifests/b/promoter-manifest.yaml": registries("gcr.io/b", "eu.gcr.io/prod"),
      "images/b/images.yaml": `- name: foo\n  dmap:\n    "${A}": ["1.0"]\n`,
    });
    expect(problemsOf(() => loadThinManifests(root))).toEqual([
      `images/a/images.yaml:3:81: [0].dmap["${A}"][0]: destination tag eu.gcr.io/prod/foo:1.0 (and 1 more) is also claimed by ${B} at images/a/images.yaml:4:81`,
      `images/a/images.yaml:4:81: [0].dmap["${B}"][0]: destination tag eu.gcr.io/prod/foo:1.0 (and 1 more) is also claimed by ${A} at images/a/images.yaml:3:81`,
    ]);
  });

  it("reports an images.yaml that is a directory, and a missing fat file, as problems of their own", () => {
    write({
      "manifests/a/promoter-manifest.yaml": registries("gcr.io/a", "us.gcr.io/prod"),
      "images/a/images.yaml/keep": "",
    });
    expect(problemsOf(() => loadThinManifests(root))).toEqual([
      "images/a/images.yaml:1:1: is not a regular file (a directory, device, FIFO or socket); not read",
    ]);
    expect(problemsOf(() => loadFatManifest(join(root, "missing.yaml")))).toEqual([`${join(root, "missing.yaml")}:1:1: not found`]);
  });
});
