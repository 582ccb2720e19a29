/**
 * End-to-end: the promotion dry run's Markdown report (`--markdown FILE`) for a pull-request comment, from real
 * registries: per project what would be copied, tagged, refused and what failed.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { copyByHand, pushTagged } from "./fixtures/tagged-images";

let staging: HarnessRegistry;
let prodA: HarnessRegistry;
let prodB: HarnessRegistry;
beforeAll(async () => {
  [staging, prodA, prodB] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prodA?.dispose(), prodB?.dispose()]);
});

test("per project: to copy (destinations folded), to tag, refused (the digest still copied), failed; quiet projects only counted; exit 1", async () => {
  const app = await pushTagged(`${staging.host}/p1/app`, "md-app", ["v1"]);
  const tagme = await pushTagged(`${staging.host}/p1/tagme`, "md-tagme", ["v2"], { single: true });
  await copyByHand(`${staging.host}/p1/tagme:v2`, `${prodA.host}/p1/tagme:v1`);
  const other = await pushTagged(`${staging.host}/p2/app`, "md-other", ["v1"], { single: true });
  const moved = await pushTagged(`${prodA.host}/p2/app`, "md-moved", ["v1"], { single: true });
  const lost = `sha256:${"0".repeat(64)}`;
  const tree = await writePromotionTree([
    {
      name: "k8s-staging-p1", source: `${staging.host}/p1`, destinations: [`${prodA.host}/p1`, `${prodB.host}/p1`],
      images: [{ name: "app", dmap: { [app.digest]: ["v1", "v1.0"] } }, { name: "tagme", dmap: { [tagme.digest]: ["v1", "v2"] } }],
    },
    { name: "k8s-staging-p2", source: `${staging.host}/p2`, destinations: [`${prodA.host}/p2`], images: [{ name: "app", dmap: { [other.digest]: ["v1"], [lost]: [] } }] },
    { name: "k8s-staging-p3", source: `${staging.host}/p3`, destinations: [`${prodA.host}/p3`], images: [] },
  ]);
  const out = join(await mkdtemp(join(tmpdir(), "promote-md-")), "report.md");

  const run = await runPromote(["--thin-manifest-dir", tree, "--markdown", out]);

  expectExitCode(run, 1);
  expect(await readFile(out, "utf8")).toBe(
    [
      "### Promotion dry run: 4 to copy, 1 to tag, 1 refused, 1 failed",
      "",
      // k8s-staging-p3 wants nothing: counted, not shown.
      "1 other project(s) have everything in place already.",
      "",
      "#### `k8s-staging-p1`: 3 to copy, 1 to tag, 0 refused, 0 failed",
      "",
      "**To copy**",
      "",
      `- \`${staging.host}/p1/app@${app.digest}\` \`v1\` \`v1.0\` → 2 destinations`,
      "  <details><summary>destinations</summary>",
      "",
      ...[prodA, prodB].map((prod) => `  - \`${prod.host}/p1/app\``).sort(),
      "",
      "  </details>",
      `- \`${staging.host}/p1/tagme@${tagme.digest}\` \`v1\` \`v2\` → \`${prodB.host}/p1/tagme\``,
      "",
      "**To tag**",
      "",
      `- \`${tagme.digest}\` \`v2\` → \`${prodA.host}/p1/tagme\``,
      "",
      "#### `k8s-staging-p2`: 1 to copy, 0 to tag, 1 refused, 1 failed",
      "",
      "**To copy**",
      "",
      `- \`${staging.host}/p2/app@${other.digest}\` → \`${prodA.host}/p2/app\``,
      "",
      "**Refused** (tags are never moved)",
      "",
      `- ${prodA.host}/p2/app:v1 points to ${moved.digest}; tags are never moved`,
      "",
      "**Failed**",
      "",
      `- \`${lost}\`: ${lost} not found in ${staging.host}/p2/app → \`${prodA.host}/p2/app\``,
      "",
    ].join("\n"),
  );
});

test("invalid input: the problems in a code block, exit 2", async () => {
  const tree = await writePromotionTree([{ name: "p", source: `${staging.host}/p`, destinations: [`${prodA.host}/p`], images: [] }]);
  await writeFile(join(tree, "images/p/images.yaml"), "- name: app\n  dmap:\n    sha256:abc: []\n");
  const out = join(await mkdtemp(join(tmpdir(), "promote-md-")), "report.md");
  expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--markdown", out]), 2);
  expect(await readFile(out, "utf8")).toBe(
    "### Promotion dry run: invalid input, nothing read\n\n```\n" +
      'images/p/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)\n```\n',
  );
});
