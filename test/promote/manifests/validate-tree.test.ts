import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compareProblems, formatProblem, type Problem } from "../../../lib/diagnostics/problem";
import { strictProblems, validateThinTree, verdictOf, type TreeValidation } from "../../../lib/promote/manifests/validate-tree";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const REPO_ROOT = join(__dirname, "../../..");
const CORPUS_TREE = join(__dirname, "../../../../shared/corpus/k8s.io/registry.k8s.io");

function lines(problems: readonly Problem[]): string[] {
  return [...problems].sort(compareProblems).map(formatProblem);
}

function verdicts(validation: TreeValidation): Record<string, string> {
  return Object.fromEntries(validation.projects.map((project) => [project.project, verdictOf(project)]));
}

describe("validateThinTree", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "validate-tree-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  const project = (name: string, source: string, destinations: string[], images: string) => ({
    [`manifests/${name}/promoter-manifest.yaml`]:
      `registries:\n- name: ${source}\n  src: true\n${destinations.map((d) => `- name: ${d}\n`).join("")}`,
    [`images/${name}/images.yaml`]: images,
  });
  const image = (name: string, digest = A, tag = "v1") => `- name: ${name}\n  dmap:\n    "${digest}": ["${tag}"]\n`;

  it("judges each project on its own files: one invalid project leaves the others valid", () => {
    write({
      ...project("k8s-staging-good", "gcr.io/k8s-staging-good", ["us.gcr.io/prod/good"], image("app")),
      ...project("k8s-staging-bad", "gcr.io/k8s-staging-bad", ["us.gcr.io/prod/bad"], `- name: app\n  dmap:\n    "sha256:abc": [v1]\n    "${B}": ["no good"]\n`),
      ...project("k8s-staging-twice", "gcr.io/k8s-staging-twice", ["us.gcr.io/prod/twice", "us.gcr.io/prod/twice"], image("app")),
    });
    const validation = validateThinTree(root);
    expect(verdicts(validation)).toEqual({ "k8s-staging-bad": "invalid", "k8s-staging-good": "valid", "k8s-staging-twice": "warnings" });
    const bad = validation.projects.find((p) => p.project === "k8s-staging-bad")!;
    expect(bad.manifest).toBeUndefined();
    expect(lines(bad.problems)).toEqual([
      'images/k8s-staging-bad/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)',
      `images/k8s-staging-bad/images.yaml:4:81: [0].dmap["${B}"][0]: tag must match ^\\w[\\w.-]{0,127}$`,
    ]);
    expect(lines(validation.projects.find((p) => p.project === "k8s-staging-twice")!.warnings)).toEqual([
      "manifests/k8s-staging-twice/promoter-manifest.yaml:5:9: registries[2].name: registry listed twice (first on line 4); the duplicate is ignored",
    ]);
    expect(validation.refusals).toEqual([]);
    expect(validation.problems).toEqual([]);
  });

  it("reports a hostile file as its project's problem and still reports every other project's problems", () => {
    write({
      ...project("k8s-staging-huge", "gcr.io/k8s-staging-huge", ["us.gcr.io/prod/huge"], `# ${"x".repeat(2000)}\n`),
      ...project("k8s-staging-bomb", "gcr.io/k8s-staging-bomb", ["us.gcr.io/prod/bomb"], "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"),
      ...project("k8s-staging-zero", "gcr.io/k8s-staging-zero", ["us.gcr.io/prod/zero"], image("app")),
      ...project("k8s-staging-typo", "gcr.io/k8s-staging-typo", ["us.gcr.io/prod/typo"], image("App")),
    });
    rmSync(join(root, "images/k8s-staging-zero/images.yaml"));
    symlinkSync("/dev/zero", join(root, "images/k8s-staging-zero/images.yaml"));
    const validation = validateThinTree(root, { maxFileBytes: 1024 });
    expect(lines(strictProblems(validation))).toEqual([
      "images/k8s-staging-bomb/images.yaml:2:8: YAML aliases expand to more than 1000 nodes; the file was not read",
      "images/k8s-staging-huge/images.yaml:1:1: is larger than 1024 bytes, the limit for one file; not read",
      "images/k8s-staging-typo/images.yaml:1:9: [0].name: image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'",
      "images/k8s-staging-zero/images.yaml:1:1: is a symbolic link leading outside the tree; not read",
    ]);
  });

  it("stops reading at the budget for the whole tree and says so for each file left unread", () => {
    write({
      ...project("k8s-staging-a", "gcr.io/k8s-staging-a", ["us.gcr.io/prod/a"], image("app")),
      ...project("k8s-staging-b", "gcr.io/k8s-staging-b", ["us.gcr.io/prod/b"], image("app")),
    });
    const validation = validateThinTree(root, { maxTreeBytes: 200 });
    expect(verdicts(validation)).toEqual({ "k8s-staging-a": "valid", "k8s-staging-b": "invalid" });
    expect(lines(strictProblems(validation))).toEqual([
      "images/k8s-staging-b/images.yaml:1:1: not read: the files read so far and this one exceed 200 bytes, the limit for the whole tree",
      "manifests/k8s-staging-b/promoter-manifest.yaml:1:1: not read: the files read so far and this one exceed 200 bytes, the limit for the whole tree",
    ]);
  });

  it("attributes a nested manifest and a missing images.yaml to their project, and a missing images/ to the tree", () => {
    write({
      ...project("k8s-staging-a", "gcr.io/k8s-staging-a", ["us.gcr.io/prod/a"], image("app")),
      "manifests/k8s-staging-a/old/promoter-manifest.yaml": "registries: []\n",
      "manifests/k8s-staging-b/promoter-manifest.yaml": "registries: []\n",
    });
    const validation = validateThinTree(root);
    expect(verdicts(validation)).toEqual({ "k8s-staging-a": "invalid", "k8s-staging-b": "invalid" });
    expect(lines(strictProblems(validation))).toEqual([
      "manifests/k8s-staging-a/old/promoter-manifest.yaml:1:1: unexpected manifest path: manifests must be at manifests/<project>/promoter-manifest.yaml",
      "manifests/k8s-staging-b/promoter-manifest.yaml:1:1: images/k8s-staging-b/images.yaml not found: every manifest needs its images file",
    ]);
    rmSync(join(root, "images"), { recursive: true });
    expect(lines(validateThinTree(root).problems)).toEqual(["images:1:1: directory not found (a thin manifest directory needs images/ and manifests/)"]);
  });
});

describe("path ownership: every destination path belongs to exactly one project", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "path-ownership-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const PROD = "us-central1-docker.pkg.dev/k8s-artifacts-prod/images";
  const EU = "europe-west1-docker.pkg.dev/k8s-artifacts-prod/images";
  function tree(projects: Record<string, { destinations: string[]; images: string[] }>): TreeValidation {
    for (const [name, { destinations, images }] of Object.entries(projects)) {
      mkdirSync(join(root, "manifests", name), { recursive: true });
      mkdirSync(join(root, "images", name), { recursive: true });
      const registries = [`- name: gcr.io/${name}\n  src: true\n`, ...destinations.map((d) => `- name: ${d}\n`)].join("");
      writeFileSync(join(root, "manifests", name, "promoter-manifest.yaml"), `registries:\n${registries}`);
      writeFileSync(join(root, "images", name, "images.yaml"), images.map((n) => `- name: ${n}\n  dmap:\n    "${A}": ["v1"]\n`).join(""));
    }
    return validateThinTree(root);
  }

  it("refuses a root project's image that lands in another project's path, at the image, and leaves the owner alone", () => {
    const validation = tree({
      "k8s-staging-etcd": { destinations: [PROD, EU], images: ["etcd", "kind/node"] },
      "k8s-staging-kind": { destinations: [`${PROD}/kind`, `${EU}/kind`], images: ["node"] },
    });
    expect(verdicts(validation)).toEqual({ "k8s-staging-etcd": "valid", "k8s-staging-kind": "valid" });
    expect(validation.refusals.map((refusal) => [refusal.project, refusal.destinations, formatProblem(refusal.problem)])).toEqual([
      [
        "k8s-staging-etcd",
        [`${EU}/kind/node`, `${PROD}/kind/node`],
        `images/k8s-staging-etcd/images.yaml:4:9: [1].name: ${EU}/kind/node (and 1 more) lands in ${EU}/kind, the path of project k8s-staging-kind (manifests/k8s-staging-kind/promoter-manifest.yaml:5:9); an image may only be written below its own project's registries`,
      ],
    ]);
  });

  it("refuses one image name written by two projects through the same registry, to both", () => {
    const validation = tree({
      "k8s-staging-etcd": { destinations: [PROD], images: ["etcd", "pause"] },
      "k8s-staging-kubernetes": { destinations: [PROD], images: ["pause", "kube-proxy"] },
    });
    expect(lines(validation.refusals.map((refusal) => refusal.problem))).toEqual([
      `images/k8s-staging-etcd/images.yaml:4:9: [1].name: ${PROD}/pause is also written by project k8s-staging-kubernetes (images/k8s-staging-kubernetes/images.yaml:1:9); every destination path belongs to one project`,
      `images/k8s-staging-kubernetes/images.yaml:1:9: [0].name: ${PROD}/pause is also written by project k8s-staging-etcd (images/k8s-staging-etcd/images.yaml:4:9); every destination path belongs to one project`,
    ]);
  });

  it("accepts projects sharing the registry root or a prefix both list, and distinct prefixes below the root", () => {
    const validation = tree({
      "k8s-staging-etcd": { destinations: [PROD, `${PROD}/kubernetes`], images: ["etcd", "kubernetes-etcd-tool"] },
      "k8s-staging-kubernetes": { destinations: [PROD, `${PROD}/kubernetes`], images: ["kube-proxy", "pause"] },
      "k8s-staging-kind": { destinations: [`${PROD}/kind`], images: ["node", "kindnetd/sub"] },
      "k8s-staging-kind-extra": { destinations: [`${PROD}/kind-extra`], images: ["node"] },
    });
    expect(validation.refusals).toEqual([]);
  });

  it("accepts the shipped images/ and manifests/ tree (roots shared by etcd and kubernetes) with no problem", () => {
    const validation = validateThinTree(REPO_ROOT);
    expect(lines(strictProblems(validation))).toEqual([]);
    expect(validation.projects.length).toBeGreaterThan(80);
  });

  it("finds in the real corpus tree only ingress-nginx's 63-hex digest, and judges the other nine valid", () => {
    const validation = validateThinTree(CORPUS_TREE);
    expect(lines(strictProblems(validation))).toEqual([
      'images/k8s-staging-ingress-nginx/images.yaml:203:5: [7].dmap["sha256:23eb4b1775fbaa2adca55c73cf0341e1224d6308689b6f4b3aa1523312eb81c"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 63)',
    ]);
    const judged = verdicts(validation);
    expect(judged["k8s-staging-ingress-nginx"]).toBe("invalid");
    expect(Object.values(judged).filter((verdict) => verdict !== "invalid")).toHaveLength(9);
  });
});
