/**
 * End-to-end: `add-image` against a real staging registry. A repository made by the real scaffold (its staging
 * registry, whatever the scaffold declares — gcr.io/k8s-staging-alpha or a shared …/k8s-staging-images/alpha —
 * read here at a local docker-registry through --registry-endpoint) gets the digests skopeo reads for the tags,
 * and `check --base` passes right after; shared-registry sources are told apart; refusals write nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { runAddImageCommand } from "../../lib/cli/add-image";
import { runCheckCommand } from "../../lib/cli/check";
import { digestOf, inspectRaw, pushSignature, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { makeFixtureRepo, type FixtureRepo } from "../check/fixture-repo";
import { captureIo } from "../support/capture-io";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { copyByHand, pushTagged } from "./fixtures/tagged-images";

let staging: HarnessRegistry;
let repo: FixtureRepo;
const images = "images/k8s-staging-alpha/images.yaml";
/** The staging registry the scaffold declared, split at the host: its images live at `${staging.host}/${path}`. */
let source: { host: string; path: string };
let controller: string;
/** The same repository in the local registry. */
let local: string;

beforeAll(async () => {
  staging = await startRegistry();
  repo = await makeFixtureRepo(["alpha"]);
  repo.git("init", "--quiet");
  repo.git("add", ".");
  repo.git("commit", "--quiet", "-m", "base");
  repo.git("tag", "base");
  const manifest = parse(repo.read("manifests/k8s-staging-alpha/promoter-manifest.yaml")) as { registries: Array<{ name: string; src?: boolean }> };
  const name = manifest.registries.find((registry) => registry.src)!.name;
  source = { host: name.slice(0, name.indexOf("/")), path: name.slice(name.indexOf("/") + 1) };
  controller = `${name}/controller`;
  local = `${staging.host}/${source.path}/controller`;
  const index = await pushTagged(local, "add-image-v1", ["v1.0.0", "v1.0", "latest"]);
  await pushTagged(local, "add-image-v1.1", ["v1.1.0"], { single: true });
  await pushTagged(local, "add-image-rc", ["v1.2.0-rc.1"], { single: true });
  await pushSignature(local, index.digest);
});
afterAll(async () => {
  repo?.dispose();
  await staging?.dispose();
});

async function addImage(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo();
  const code = await runAddImageCommand(["--thin-manifest-dir", repo.root, "--registry-endpoint", `${source.host}=http://${staging.host}`, "--quiet", ...argv], captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

async function check(): Promise<{ code: number; err: string }> {
  const captured = captureIo();
  return { code: await runCheckCommand(["--base", "base"], captured.io, repo.root), err: captured.err() };
}

const stagedDigest = (tag: string) => digestOf(`${local}:${tag}`);

test("a tag: the index digest skopeo reads is added, manifests/ untouched, and check --base passes", async () => {
  const digest = await stagedDigest("v1.0.0");
  expect(JSON.parse((await inspectRaw(`${local}:v1.0.0`)).toString()).mediaType).toBe("application/vnd.oci.image.index.v1+json");

  const run = await addImage(`${controller}:v1.0.0`);

  expect(run).toEqual({
    code: 0,
    err: "",
    out: `${images}: controller ${digest} + v1.0.0\nwrote ${images}\nnext: npm run check -- --base origin/main, then open a pull request\n`,
  });
  expect(repo.read(images)).toBe(`- name: controller\n  dmap:\n    "${digest}": ["v1.0.0"]\n`);
  expect(repo.git("status", "--porcelain")).toBe(` M ${images}\n`);
  expect(await check()).toEqual({ code: 0, err: "" });
});

test("a semver range (no prereleases), a pattern and * (never latest or .sig): listed digests gain tags, new digests get a line", async () => {
  repo.git("commit", "--quiet", "-am", "v1.0.0");
  const [v1, v11] = [await stagedDigest("v1.0.0"), await stagedDigest("v1.1.0")];

  const range = await addImage(`${controller}:^1.0`);
  expect(range.code).toBe(0);
  expect(range.out).toContain(`already listed: ${controller}:v1.0.0 → ${v1} (${images}:3:`);
  expect(range.out).toContain(`${images}: controller ${v11} + v1.1.0\n`);
  expect(range.out).not.toContain("rc");

  const pattern = await addImage(`${controller}:v1.0*`);
  expect(pattern.code).toBe(0);
  expect(repo.read(images)).toBe(`- name: controller\n  dmap:\n    "${v1}": ["v1.0.0", "v1.0"]\n    "${v11}": ["v1.1.0"]\n`);
  expect(await check()).toEqual({ code: 0, err: "" });

  const everything = await addImage(`${controller}:*`);
  expect(everything.out).toContain(`left out: ${controller}:latest (matched by ${controller}:*; latest is never promoted)\n`);
  expect(everything.out).toContain(`controller ${await stagedDigest("v1.2.0-rc.1")} + v1.2.0-rc.1\n`);
  expect(everything.out).not.toContain(".sig");
  expect(await check()).toEqual({ code: 0, err: "" });
});

test("--dry-run prints the change as a diff and writes nothing", async () => {
  await pushTagged(`${staging.host}/${source.path}/tools/debug`, "add-image-debug", ["1.10"], { single: true });
  const before = repo.read(images);
  const run = await addImage("--dry-run", `${source.host}/${source.path}/tools/debug:1.10`);
  const digest = await digestOf(`${staging.host}/${source.path}/tools/debug:1.10`);
  const lines = before.split("\n").length - 1;
  expect(run.code).toBe(0);
  expect(run.out).toBe(
    `${images}: tools/debug ${digest} + 1.10\n` +
      `--- a/${images}\n+++ b/${images}\n@@ -${lines},0 +${lines + 1},3 @@\n+- name: tools/debug\n+  dmap:\n+    "${digest}": ["1.10"]\n` +
      "Dry run: nothing written.\n",
  );
  expect(repo.read(images)).toBe(before);
});

test.each([
  [":latest", 1, (c: string) => `${c}:latest: latest is never promoted (it moves); name a version tag`],
  [":v9.9.9", 1, (c: string) => `${c}:v9.9.9: ${c}:v9.9.9 not found in staging\n`],
  [":v7.*", 1, (c: string) => `${c}:v7.*: no tag of ${c} matches`],
  ["", 2, (c: string) => `${c}: expected REPOSITORY:TAG, REPOSITORY:PATTERN or REPOSITORY:SEMVER-RANGE`],
])("controller%s is refused (exit %i), nothing written", async (suffix, code, message) => {
  const before = repo.read(images);
  const run = await addImage(`${controller}:v1.1.0`, `${controller}${suffix}`);
  expect(run.code).toBe(code);
  expect(run.err).toContain(message(controller));
  expect(run.err).toMatch(/add-image: nothing written/);
  expect(repo.read(images)).toBe(before);
});

test("a repository in no project's staging registry is refused (exit 2), nothing written", async () => {
  const before = repo.read(images);
  const run = await addImage(`${controller}:v1.1.0`, "gcr.io/k8s-staging-beta/controller:v1");
  expect(run.code).toBe(2);
  expect(run.err).toBe(
    "gcr.io/k8s-staging-beta/controller: no promoter manifest (manifests/*/promoter-manifest.yaml) has a source registry that holds it\nadd-image: nothing written\n",
  );
  expect(repo.read(images)).toBe(before);
});

test("a tag moved in staging after it was listed is refused with where it is listed", async () => {
  await copyByHand(`${local}:v1.2.0-rc.1`, `${local}:v1.1.0`);
  const before = repo.read(images);
  const run = await addImage(`${controller}:v1.1.0`);
  expect(run.code).toBe(1);
  expect(run.err).toMatch(
    new RegExp(`^${controller}:v1\\.1\\.0: tag v1\\.1\\.0 of controller is already promoted as sha256:[0-9a-f]{64} \\(${images}:4:\\d+\\); staging now has sha256:[0-9a-f]{64}, and tags are never moved\\n`),
  );
  expect(repo.read(images)).toBe(before);
});

test("shared staging registries (…/k8s-staging-images/<name>): each reference goes to its own project; then the promotion works", async () => {
  const shared = `${staging.host}/k8s-staging-images`;
  const kueue = await pushTagged(`${shared}/kueue/charts/kueue`, "add-image-kueue", ["0.12.0"], { single: true });
  const jobset = await pushTagged(`${shared}/jobset/jobset`, "add-image-jobset", ["v0.8.0"]);
  const prod = await startRegistry();
  try {
    const tree = await writePromotionTree([
      { name: "k8s-staging-kueue", source: `${shared}/kueue`, destinations: [`${prod.host}/images/kueue`], images: [] },
      { name: "k8s-staging-jobset", source: `${shared}/jobset`, destinations: [`${prod.host}/images/jobset`], images: [] },
    ]);
    const captured = captureIo();
    const code = await runAddImageCommand(["--thin-manifest-dir", tree, "--quiet", `${shared}/kueue/charts/kueue:0.12.0`, `${shared}/jobset/jobset:v0.8.0`], captured.io);
    expect([code, captured.err()]).toEqual([0, ""]);
    expect(readFileSync(join(tree, "images/k8s-staging-kueue/images.yaml"), "utf8")).toBe(`- name: charts/kueue\n  dmap:\n    "${kueue.digest}": ["0.12.0"]\n`);
    expect(readFileSync(join(tree, "images/k8s-staging-jobset/images.yaml"), "utf8")).toBe(`- name: jobset\n  dmap:\n    "${jobset.digest}": ["v0.8.0"]\n`);

    expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"]), 0);
    expect(await digestOf(`${prod.host}/images/kueue/charts/kueue:0.12.0`)).toBe(kueue.digest);
    expect(await digestOf(`${prod.host}/images/jobset/jobset:v0.8.0`)).toBe(jobset.digest);
  } finally {
    await prod.dispose();
  }
});

test("a tag another project wants on another digest in the same destination is refused, with both places", async () => {
  const shared = `${staging.host}/k8s-staging-images`;
  const ours = await pushTagged(`${shared}/one/app`, "add-image-clash-one", ["v1"], { single: true });
  const theirs = `sha256:${"7".repeat(64)}`;
  const tree = await writePromotionTree([
    { name: "k8s-staging-one", source: `${shared}/one`, destinations: ["prod.example/images/common"], images: [] },
    { name: "k8s-staging-two", source: `${shared}/two`, destinations: ["prod.example/images/common"], images: [{ name: "app", dmap: { [theirs]: ["v1"] } }] },
  ]);
  const before = readFileSync(join(tree, "images/k8s-staging-one/images.yaml"), "utf8");
  const captured = captureIo();
  expect(await runAddImageCommand(["--thin-manifest-dir", tree, "--quiet", `${shared}/one/app:v1`], captured.io)).toBe(1);
  expect(captured.err()).toBe(
    `images/k8s-staging-one/images.yaml:3:81: [0].dmap["${ours.digest}"][0]: destination tag prod.example/images/common/app:v1 is also claimed by ${theirs} at images/k8s-staging-two/images.yaml:4:9\n` +
      `images/k8s-staging-two/images.yaml:4:9: [0].dmap["${theirs}"][0]: destination tag prod.example/images/common/app:v1 is also claimed by ${ours.digest} at images/k8s-staging-one/images.yaml:3:81\n` +
      "add-image: nothing written: 2 problem(s)\n",
  );
  expect(readFileSync(join(tree, "images/k8s-staging-one/images.yaml"), "utf8")).toBe(before);
});
