import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCheckCommand } from "../../lib/cli/check";
import { runNewProjectCommand } from "../../lib/cli/new-project";
import { changedFiles, pullRequestProblems } from "../../lib/check/pull-request-rules";
import { digest, makeFixtureRepo, type FixtureRepo } from "./fixture-repo";
import { captureIo } from "../support/capture-io";

const IMAGES = "images/k8s-staging-alpha/images.yaml";
const MANIFEST = "manifests/k8s-staging-alpha/promoter-manifest.yaml";
const BASE_IMAGES = `- name: tool\n  dmap:\n    "${digest("a")}": ["v1"]\n    "${digest("b")}": ["v2"]\n`;

/** A scripted pull request: a repository whose main branch has project alpha with two promoted digests. */
describe("check --base: a scripted pull request in a temporary git repository", () => {
  let repo: FixtureRepo;
  beforeAll(async () => {
    repo = await makeFixtureRepo(["alpha"]);
    repo.write(IMAGES, BASE_IMAGES);
    repo.git("init", "--quiet");
    repo.git("add", ".");
    repo.git("commit", "--quiet", "-m", "base");
    repo.git("tag", "base");
  });
  afterAll(() => repo.dispose());
  afterEach(() => {
    repo.git("reset", "--quiet", "--hard", "base");
    repo.git("clean", "--quiet", "-fdx");
  });

  async function check(): Promise<{ status: number; out: string; err: string }> {
    const b = captureIo();
    const status = await runCheckCommand(["--base", "base"], b.io, repo.root);
    return { status, out: b.out(), err: b.err() };
  }

  it("passes a pull request that adds a project with new-project (uncommitted, then committed)", async () => {
    const b = captureIo();
    expect(await runNewProjectCommand(["newtool", "--owner", "octocat"], b.io, repo.root)).toBe(0);
    expect(await check()).toEqual({ status: 0, out: "check passed (pull-request rules against base)\n", err: "" });
    repo.git("add", ".");
    repo.git("commit", "--quiet", "-m", "add newtool");
    expect(changedFiles(repo.root, "base")).toEqual([
      "images/k8s-staging-newtool/OWNERS",
      "images/k8s-staging-newtool/images.yaml",
      "manifests/k8s-staging-newtool/promoter-manifest.yaml",
      "projects/newtool.yaml",
    ]);
    expect((await check()).status).toBe(0);
  });

  it("passes a pull request that promotes a new digest", async () => {
    repo.write(IMAGES, `${BASE_IMAGES}    "${digest("c")}": ["v3"]\n`);
    expect((await check()).status).toBe(0);
  });

  it("fails a pull request that edits both the manifest and the images of one project", async () => {
    repo.write(IMAGES, `${BASE_IMAGES}    "${digest("c")}": ["v3"]\n`);
    repo.write(MANIFEST, `${repo.read(MANIFEST)}# touched\n`);
    expect(await check()).toEqual({
      status: 1,
      out: "",
      err:
        `${MANIFEST}:1:1: this pull request changes both manifests/k8s-staging-alpha/ and images/k8s-staging-alpha/ (${IMAGES}); change the registries and the images in separate pull requests\n` +
        "check failed: 1 problem(s)\n",
    });
  });

  it("fails a pull request that removes a digest, pointing at the image", async () => {
    repo.write(IMAGES, BASE_IMAGES.replace(`    "${digest("b")}": ["v2"]\n`, ""));
    expect((await check()).err).toBe(
      `${IMAGES}:1:3: digest ${digest("b")} of image "tool" was removed (listed at base); production is append-only\ncheck failed: 1 problem(s)\n`,
    );
  });

  it("fails a pull request that moves a tag, pointing at the tag", async () => {
    repo.write(IMAGES, BASE_IMAGES.replace('["v1"]', "[]").replace('["v2"]', '["v2", "v1"]'));
    expect(await check()).toEqual({
      status: 1,
      out: "",
      err: `${IMAGES}:4:87: tag "v1" of image "tool" pointed at ${digest("a")} at base; an existing tag must not move to another digest\ncheck failed: 1 problem(s)\n`,
    });
  });

  it("a pull request turning images.yaml into a link to /dev/zero ends at once, with that one problem", async () => {
    repo.remove(IMAGES);
    symlinkSync("/dev/zero", join(repo.root, IMAGES));
    expect(await check()).toEqual({
      status: 1,
      out: "",
      err: `${IMAGES}:1:1: is a symbolic link leading outside the tree; not read\ncheck failed: 1 problem(s)\n`,
    });
  });

  it("fails when the base is not a commit", async () => {
    const b = captureIo();
    expect(await runCheckCommand(["--base", "no-such-rev"], b.io, repo.root)).toBe(1);
    expect(b.err()).toBe(`check failed: no-such-rev is not a commit of the git repository at ${repo.root}\n`);
  });

  it("pullRequestProblems throws GitRevisionError outside a git work tree", async () => {
    const outside = await makeFixtureRepo([]);
    try {
      expect(() => pullRequestProblems(outside.root, "HEAD")).toThrow(`${outside.root} is not inside a git work tree`);
    } finally {
      outside.dispose();
    }
  });
});

describe("check command line", () => {
  it("--help describes the rules and exits 0", async () => {
    const b = captureIo();
    expect(await runCheckCommand(["--help"], b.io)).toBe(0);
    expect(b.out()).toContain("--base <rev>");
    expect(b.out()).toContain("images.yaml is append-only");
  });

  it("exits 2 on an unknown option", async () => {
    const b = captureIo();
    expect(await runCheckCommand(["--bogus"], b.io)).toBe(2);
    expect(b.err()).toBe("error: unknown option '--bogus'\n");
  });
});
