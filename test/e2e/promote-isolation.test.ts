/**
 * End-to-end: a project whose files are invalid, or an image that would land in another project's path, does not
 * stop the rest of the tree from being promoted to real registries; `--strict` keeps all-or-nothing and contacts
 * nothing. Results are read back with skopeo and from the registries' own access logs.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EXIT } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { listTags, startRegistry, type HarnessRegistry } from "../harness";
import { findFreePort } from "../harness/free-port";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, loggedRequests, runPromote } from "./fixtures/promote-run";
import { expectSameImage, stageImage } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

test("one invalid project is reported with every problem and skipped; the valid one is promoted; exit 1", async () => {
  const good = await stageImage(`${staging.host}/iso-good/app:staged`, "iso-good");
  const tree = await writePromotionTree([
    { name: "k8s-staging-good", source: `${staging.host}/iso-good`, destinations: [`${prod.host}/iso-good`], images: [{ name: "app", dmap: { [good.digest]: ["v1"] } }] },
    { name: "k8s-staging-bad", source: `${staging.host}/iso-bad`, destinations: [`${prod.host}/iso-bad`], images: [] },
  ]);
  // Two problems in the bad project's images.yaml: a 63-hex digest and a tag that is not a tag.
  await writeFile(join(tree, "images/k8s-staging-bad/images.yaml"), `- name: app\n  dmap:\n    "sha256:${"a".repeat(63)}": ["v1"]\n    "${good.digest}": ["no good"]\n`);
  const json = join(tree, "report.json");

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm", "--json", json]);

  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toBe(
    "k8s-staging-bad: invalid, skipped (nothing of it was read or written)\n" +
      `  images/k8s-staging-bad/images.yaml:3:5: [0].dmap["sha256:${"a".repeat(63)}"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 63)\n` +
      `  images/k8s-staging-bad/images.yaml:4:81: [0].dmap["${good.digest}"][0]: tag must match ^\\w[\\w.-]{0,127}$\n` +
      "k8s-staging-good: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n" +
      `  copied ${staging.host}/iso-good/app@${good.digest} → ${prod.host}/iso-good/app [v1]\n` +
      "Projects: 1 valid, 0 with warnings, 1 invalid (skipped)\n" +
      "Promotion: 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n" +
      "Written: 1 images, 1 tags, 6.8 KiB uploaded, 0 blobs mounted\n",
  );
  await expectSameImage(`${prod.host}/iso-good/app:v1`, good);
  // Nothing of the invalid project was even read.
  expect((await loggedRequests(prod)).filter((entry) => entry.path.includes("/iso-bad/"))).toEqual([]);
  const report = JSON.parse(await readFile(json, "utf8")) as RunReport;
  expect(report.ok).toBe(false);
  expect(report.verdicts).toEqual({ valid: 1, warnings: 0, invalid: 1 });
  expect(report.projects.map((project) => [project.project, project.verdict, project.problems.length])).toEqual([
    ["k8s-staging-bad", "invalid", 2],
    ["k8s-staging-good", "valid", 0],
  ]);
});

test("--strict: the same tree stops before any registry is contacted, exit 2", async () => {
  const tree = await writePromotionTree([
    { name: "k8s-staging-good", source: `${staging.host}/strict-good`, destinations: [`${prod.host}/strict-good`], images: [{ name: "app", dmap: { [`sha256:${"b".repeat(64)}`]: ["v1"] } }] },
    { name: "k8s-staging-bad", source: `${staging.host}/strict-bad`, destinations: [`${prod.host}/strict-bad`], images: [] },
  ]);
  await writeFile(join(tree, "images/k8s-staging-bad/images.yaml"), "- name: App\n  dmap: {}\n");

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm", "--strict"]);

  expectExitCode(run, EXIT.invalid);
  expect(run.stderr).toBe(
    "images/k8s-staging-bad/images.yaml:1:9: [0].name: image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'\n" +
      "1 problem(s); nothing was read or written\n",
  );
  expect(run.stdout).toBe("");
  const touched = (entries: readonly { path: string }[]) => entries.filter((entry) => entry.path.includes("/strict-"));
  expect([touched(await loggedRequests(staging)), touched(await loggedRequests(prod))]).toEqual([[], []]);
});

test("an image of a root project landing in another project's path is refused; the owner and the root project's other images are promoted", async () => {
  const [rootTool, intruder, owned] = await Promise.all([
    stageImage(`${staging.host}/own-root/tool:staged`, "own-root-tool"),
    stageImage(`${staging.host}/own-root/kind/node:staged`, "own-root-intruder"),
    stageImage(`${staging.host}/own-kind/node:staged`, "own-kind-node"),
  ]);
  const tree = await writePromotionTree([
    {
      name: "k8s-staging-root",
      source: `${staging.host}/own-root`,
      destinations: [`${prod.host}/own`],
      images: [{ name: "tool", dmap: { [rootTool.digest]: ["v1"] } }, { name: "kind/node", dmap: { [intruder.digest]: ["v1"] } }],
    },
    { name: "k8s-staging-kind", source: `${staging.host}/own-kind`, destinations: [`${prod.host}/own/kind`], images: [{ name: "node", dmap: { [owned.digest]: ["v1"] } }] },
  ]);

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);

  expectExitCode(run, EXIT.failed);
  const reason =
    `images/k8s-staging-root/images.yaml:5:9: [1].name: ${prod.host}/own/kind/node lands in ${prod.host}/own/kind, the path of project k8s-staging-kind ` +
    "(manifests/k8s-staging-kind/promoter-manifest.yaml:4:11); an image may only be written below its own project's registries";
  expect(run.stdout).toBe(
    "k8s-staging-kind: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n" +
      `  copied ${staging.host}/own-kind/node@${owned.digest} → ${prod.host}/own/kind/node [v1]\n` +
      "k8s-staging-root: valid; 1 copied, 0 tagged, 0 skipped, 1 refused, 0 failed\n" +
      `  ${reason}\n` +
      `  copied ${staging.host}/own-root/tool@${rootTool.digest} → ${prod.host}/own/tool [v1]\n` +
      `  REFUSED ${reason}\n` +
      "Projects: 2 valid, 0 with warnings, 0 invalid\n" +
      "Promotion: 2 copied, 0 tagged, 0 skipped, 1 refused, 0 failed\n" +
      "Written: 2 images, 2 tags, 13.7 KiB uploaded, 0 blobs mounted\n",
  );
  await expectSameImage(`${prod.host}/own/kind/node:v1`, owned);
  await expectSameImage(`${prod.host}/own/tool:v1`, rootTool);
  expect(await listTags(`${prod.host}/own/kind/node`)).toEqual(["v1"]);
});

test("a dry run with every registry unreachable says so once per host, with the edges it cost, not once per edge", async () => {
  const closed = `127.0.0.1:${await findFreePort()}`;
  const digests = Array.from({ length: 40 }, (_, i) => `sha256:${i.toString(16).padStart(64, "0")}`);
  const tree = await writePromotionTree([
    {
      name: "k8s-staging-offline",
      source: `${closed}/staging`,
      destinations: [`${closed}/prod`],
      images: [{ name: "app", dmap: Object.fromEntries(digests.map((digest, i) => [digest, [`v${i}`]])) }],
    },
  ]);

  const run = await runPromote(["--thin-manifest-dir", tree, "--quiet"]);

  expectExitCode(run, EXIT.failed);
  const lines = run.stdout.split("\n");
  expect(lines.slice(0, 3)).toEqual([
    "k8s-staging-offline: valid; 0 to copy, 0 to tag, 0 skipped, 0 refused, 40 failed",
    `  FAILED 40 edges: ${closed} unreachable`,
    "Projects: 1 valid, 0 with warnings, 0 invalid",
  ]);
  expect(lines[3]).toMatch(new RegExp(`^Unreachable: ${closed}: 40 edges not promoted \\(first error: .*ECONNREFUSED.*\\)$`));
  expect(lines.slice(4)).toEqual(["Dry run (nothing written; pass --confirm to promote): 0 to copy, 0 to tag, 0 skipped, 0 refused, 40 failed", ""]);
}, 60_000);
