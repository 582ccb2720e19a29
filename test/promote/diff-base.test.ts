import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GitRevisionError, readFilesAtRevision } from "../../lib/promote/diff-base/read-at-revision";
import { selectChangedSince } from "../../lib/promote/diff-base/select-changed";
import { loadFatManifest, loadThinManifests } from "../../lib/promote/manifests/load-manifests";
import { buildEdges } from "../../lib/promote/plan/edges";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const [A, B, C] = [D("a"), D("b"), D("c")];
// A closed loopback port: nothing in these tests may reach a registry.
const MANIFEST = "registries:\n- name: 127.0.0.1:9/staging\n  src: true\n- name: 127.0.0.1:9/prod\n";

/** images.yaml text from image → digest → tags. */
function imagesYaml(images: Record<string, Record<string, string[]>>): string {
  return Object.entries(images)
    .map(([name, dmap]) => `- name: ${name}\n  dmap:\n${Object.entries(dmap).map(([d, tags]) => `    "${d}": [${tags.map((t) => `"${t}"`).join(", ")}]\n`).join("")}`)
    .join("");
}

/** A git repository holding a thin tree under `registry.k8s.io/`, with helpers to write and commit. */
function gitTree() {
  const repo = mkdtempSync(join(tmpdir(), "diff-base-"));
  const tree = join(repo, "registry.k8s.io");
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { stdio: "pipe" }).toString();
  git("init", "-q", "-b", "main");
  const write = (relative: string, text: string) => {
    mkdirSync(dirname(join(tree, relative)), { recursive: true });
    writeFileSync(join(tree, relative), text);
  };
  const project = (name: string, images: Record<string, Record<string, string[]>>) => {
    write(`manifests/${name}/promoter-manifest.yaml`, MANIFEST);
    write(`images/${name}/images.yaml`, imagesYaml(images));
  };
  const commit = (message: string) => {
    git("add", "-A");
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD").trim();
  };
  return { repo, tree, write, project, commit, remove: () => rmSync(repo, { recursive: true, force: true }) };
}

/** (project, image, digest, tags) of every digest a selection keeps. */
function kept(manifests: ReturnType<typeof selectChangedSince>["manifests"]): string[][] {
  return manifests.flatMap((m) => m.images.flatMap((i) => [...i.dmap].map(([d, tags]) => [m.project, i.name, d.slice(7, 8), tags.join(",")])));
}

describe("selectChangedSince", () => {
  let t: ReturnType<typeof gitTree>;
  let base: string;
  beforeEach(() => {
    t = gitTree();
    t.project("p", { foo: { [A]: ["1.0"], [B]: [] } });
    t.project("q", { bar: { [A]: ["2.0"] } });
    base = t.commit("base");
  });
  afterEach(() => t.remove());

  // Each change edits the working tree; a change may commit a new base and return it.
  test.each<[string, () => string | void, string[][], number]>([
    ["nothing changed → nothing kept", () => {}, [], 3],
    ["an added digest → only that digest", () => t.project("p", { foo: { [A]: ["1.0"], [B]: [], [C]: ["1.1"] } }), [["p", "foo", "c", "1.1"]], 3],
    ["a tag added to a digest → that digest, with all its tags", () => t.project("p", { foo: { [A]: ["1.0", "latest"], [B]: [] } }), [["p", "foo", "a", "1.0,latest"]], 2],
    ["a digest moved to another image → changed", () => t.project("q", { baz: { [A]: ["2.0"] } }), [["q", "baz", "a", "2.0"]], 2],
    ["a tag removed only → nothing kept", () => t.project("p", { foo: { [A]: [], [B]: [] } }), [], 3],
    ["a project new since the base → all of it", () => t.project("r", { new: { [C]: [] } }), [["r", "new", "c", ""]], 3],
    [
      "a base images.yaml that did not parse → all of that project",
      () => {
        t.write("images/p/images.yaml", "- name: foo\n  dmap: {\n");
        const broken = t.commit("broken");
        t.project("p", { foo: { [A]: ["1.0"], [B]: [] } });
        return broken;
      },
      [["p", "foo", "a", "1.0"], ["p", "foo", "b", ""]],
      1,
    ],
  ])("%s", (_name, change, expected, unchanged) => {
    const against = change() ?? base;
    const selection = selectChangedSince(against, t.tree, loadThinManifests(t.tree));
    expect(kept(selection.manifests)).toEqual(expected);
    expect([selection.changed, selection.unchanged]).toEqual([expected.length, unchanged]);
  });

  it("plans only the added digest", () => {
    t.project("p", { foo: { [A]: ["1.0"], [B]: [], [C]: ["1.1"] } });
    const edges = buildEdges(selectChangedSince(base, t.tree, loadThinManifests(t.tree)).manifests);
    expect(edges.map((edge) => [edge.destination, edge.digest])).toEqual([["127.0.0.1:9/prod/foo", C]]);
  });

  it("reads a single (fat) manifest file at the revision, by its path from the current directory", () => {
    t.write("fat.yaml", `${MANIFEST}images:\n${imagesYaml({ foo: { [A]: ["1.0"] } }).replace(/^/gm, "  ").trimEnd()}\n`);
    const fatBase = t.commit("fat");
    t.write("fat.yaml", `${MANIFEST}images:\n${imagesYaml({ foo: { [A]: ["1.0"], [B]: ["2.0"] } }).replace(/^/gm, "  ").trimEnd()}\n`);
    const file = join(t.tree, "fat.yaml");
    expect(kept(selectChangedSince(fatBase, undefined, loadFatManifest(file)).manifests)).toEqual([["fat.yaml", "foo", "b", "2.0"]]);
  });

  it("throws GitRevisionError for a revision that names no commit", () => {
    expect(() => selectChangedSince("no-such-branch", t.tree, loadThinManifests(t.tree))).toThrow(
      new GitRevisionError(`no-such-branch is not a commit of the git repository at ${t.tree}`),
    );
  });
});

describe("readFilesAtRevision", () => {
  it("reads files as committed, undefined for files absent at the revision, nothing for no paths", () => {
    const t = gitTree();
    try {
      t.write("a.txt", "first\n");
      const first = t.commit("one");
      t.write("a.txt", "second\n");
      t.write("b.txt", "new\n");
      expect(readFilesAtRevision(t.tree, first, ["a.txt", "b.txt"])).toEqual(new Map([["a.txt", "first\n"], ["b.txt", undefined]]));
      expect(readFilesAtRevision(t.tree, first, [])).toEqual(new Map());
    } finally {
      t.remove();
    }
  });

  it("throws GitRevisionError outside a git work tree", () => {
    const dir = mkdtempSync(join(tmpdir(), "not-git-"));
    try {
      expect(() => readFilesAtRevision(dir, "HEAD", ["x"])).toThrow(GitRevisionError);
      expect(() => readFilesAtRevision(dir, "HEAD", ["x"])).toThrow(`${dir} is not inside a git work tree`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

