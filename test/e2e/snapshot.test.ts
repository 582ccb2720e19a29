/**
 * End-to-end: `snapshot` of real registries (found through /v2/_catalog), checked against what was pushed with
 * skopeo; and the adoption round trip: snapshot staging, promote that images.yaml, and production's snapshot
 * and `--from-manifests` both say the same.
 */
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSnapshotCommand } from "../../lib/cli/snapshot";
import { pushSignature, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { pushTagged } from "./fixtures/tagged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;
let digests: { index: string; single: string; nested: string; other: string };

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
  const index = await pushTagged(`${staging.host}/k8s-staging-proj/app`, "snap-index", ["v1.0.0", "v1.0"]);
  const single = await pushTagged(`${staging.host}/k8s-staging-proj/app`, "snap-single", ["v0.9.0"], { single: true });
  const nested = await pushTagged(`${staging.host}/k8s-staging-proj/tools/debug`, "snap-nested", ["1.10"]);
  const other = await pushTagged(`${staging.host}/k8s-staging-other/app`, "snap-other", ["v1.0.0"]);
  await pushSignature(`${staging.host}/k8s-staging-proj/app`, index.digest);
  digests = { index: index.digest, single: single.digest, nested: nested.digest, other: other.digest };
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

async function snapshot(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo();
  const code = await runSnapshotCommand([...argv, "--quiet"], captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

test("a registry path: every repository below it, digest → tags, cosign tags left out, other paths not included", async () => {
  const run = await snapshot([`${staging.host}/k8s-staging-proj`]);
  expect(run).toEqual({
    code: 0,
    err: "",
    out:
      "- name: app\n" +
      "  dmap:\n" +
      [[digests.index, '["v1.0", "v1.0.0"]'], [digests.single, '["v0.9.0"]']]
        .sort()
        .map(([digest, tags]) => `    "${digest}": ${tags}\n`)
        .join("") +
      "- name: tools/debug\n" +
      "  dmap:\n" +
      `    "${digests.nested}": ["1.10"]\n`,
  });
});

test("a whole registry names images with their full path; --out writes the file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "snapshot-out-"));
  const run = await snapshot([staging.host, "--out", join(dir, "images.yaml")]);
  expect(run).toMatchObject({ code: 0, out: "", err: `wrote ${join(dir, "images.yaml")}\n` });
  const text = await readFile(join(dir, "images.yaml"), "utf8");
  expect(text.match(/^- name: .*$/gm)).toEqual(["- name: k8s-staging-other/app", "- name: k8s-staging-proj/app", "- name: k8s-staging-proj/tools/debug"]);
  expect(await readdir(dir)).toEqual(["images.yaml"]);
});

test("adoption: promote the snapshot, and production's snapshot and --from-manifests equal it", async () => {
  const adopted = await snapshot([`${staging.host}/k8s-staging-proj`]);
  const tree = await writePromotionTree([
    { name: "k8s-staging-proj", source: `${staging.host}/k8s-staging-proj`, destinations: [`${prod.host}/images/proj`], images: [] },
  ]);
  await writeFile(join(tree, "images/k8s-staging-proj/images.yaml"), adopted.out);

  expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"]), 0);

  expect(await snapshot([`${prod.host}/images/proj`])).toEqual(adopted);
  expect(await snapshot([`${prod.host}/images/proj`, "--from-manifests", "--thin-manifest-dir", tree])).toEqual(adopted);
  // The root of the destination names the images with the project's prefix.
  expect((await snapshot([`${prod.host}/images`, "--from-manifests", "--thin-manifest-dir", tree])).out).toContain("- name: proj/tools/debug\n");
});

test("--from-manifests for a path no manifest promotes to: no images, and says so", async () => {
  const tree = await writePromotionTree([{ name: "p", source: `${staging.host}/p`, destinations: [`${prod.host}/p`], images: [] }]);
  expect(await snapshot(["gcr.io/elsewhere", "--from-manifests", "--thin-manifest-dir", tree])).toEqual({
    code: 0,
    out: "# No images yet\n",
    err: "no destination of the manifests is at or below gcr.io/elsewhere\n",
  });
});

test.each([
  [["not a path"], 2, 'error: invalid registry path "not a path": expected HOST[:PORT] or HOST[:PORT]/PATH\n'],
  [["gcr.io/Upper"], 2, 'error: invalid registry path "gcr.io/Upper": expected HOST[:PORT] or HOST[:PORT]/PATH\n'],
  [[], 2, "error: missing required argument 'registry-path'\n"],
])("usage %j exits %i", async (argv, code, message) => {
  const run = await snapshot(argv);
  expect(run.code).toBe(code);
  expect(run.err).toBe(message);
});

test("a registry that is down: exit 1, nothing written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "snapshot-down-"));
  const down = await startRegistry();
  await down.dispose();
  const run = await snapshot([`${down.host}/proj`, "--out", join(dir, "images.yaml"), "--timeout", "5"]);
  expect(run.code).toBe(1);
  expect(run.err).toMatch(/^snapshot failed, nothing written: GET http:\/\/127\.0\.0\.1:\d+\/v2\/proj\/tags\/list: /);
  expect(await readdir(dir)).toEqual([]);
});
