/**
 * End-to-end: what the promoter refuses and what it cannot do — a tag move and a digest lost from staging —
 * each reported for its own image with exit 1, while every other image is still promoted.
 */
import { EXIT } from "../../lib/cli/promote";
import { deleteManifest, digestOf, inspectRaw, listTags, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { expectSameImage, stageImage, stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry({ deleteEnabled: true }), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

test("a tag move is refused (exit 1, tag untouched); the digest's other tags and other images are promoted", async () => {
  const current = await stageImage(`${prod.host}/move/app:v1`, "move-current");
  const wanted = await stageIndex(`${staging.host}/move/app:staged`, "move-wanted");
  const sibling = await stageIndex(`${staging.host}/move/sibling:staged`, "move-sibling");
  const elsewhere = await stageIndex(`${staging.host}/move-ok/tool:staged`, "move-elsewhere");
  const tree = await writePromotionTree([
    {
      name: "move",
      source: `${staging.host}/move`,
      destinations: [`${prod.host}/move`],
      images: [
        { name: "app", dmap: { [wanted.digest]: ["v1", "v1.0.1"] } },
        { name: "sibling", dmap: { [sibling.digest]: ["v1"] } },
      ],
    },
    { name: "move-ok", source: `${staging.host}/move-ok`, destinations: [`${prod.host}/move-ok`], images: [{ name: "tool", dmap: { [elsewhere.digest]: ["v9"] } }] },
  ]);

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);

  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toContain(
    `move: valid; 2 copied, 0 tagged, 0 skipped, 1 refused, 0 failed\n` +
      `  copied ${staging.host}/move/app@${wanted.digest} → ${prod.host}/move/app [v1.0.1]\n` +
      `  copied ${staging.host}/move/sibling@${sibling.digest} → ${prod.host}/move/sibling [v1]\n` +
      `  REFUSED ${prod.host}/move/app:v1 points to ${current.digest}; tags are never moved\n` +
      `move-ok: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n`,
  );
  expect(await digestOf(`${prod.host}/move/app:v1`)).toBe(current.digest);
  await expectSameImage(`${prod.host}/move/app:v1.0.1`, wanted);
  await expectSameImage(`${prod.host}/move/sibling:v1`, sibling);
  await expectSameImage(`${prod.host}/move-ok/tool:v9`, elsewhere);
  expect(await listTags(`${prod.host}/move/app`)).toEqual(["v1", "v1.0.1"]);
});

test("a digest lost from staging fails for that image only (exit 1); the others are promoted", async () => {
  const lost = await stageIndex(`${staging.host}/lost/app:staged`, "lost-gone");
  await deleteManifest(`${staging.host}/lost/app@${lost.digest}`);
  const kept = await stageIndex(`${staging.host}/lost/app:kept`, "lost-kept");
  const other = await stageIndex(`${staging.host}/lost-ok/tool:staged`, "lost-other");
  const tree = await writePromotionTree([
    {
      name: "lost",
      source: `${staging.host}/lost`,
      destinations: [`${prod.host}/lost`],
      images: [{ name: "app", dmap: { [lost.digest]: ["v1"], [kept.digest]: ["v2"] } }],
    },
    { name: "lost-ok", source: `${staging.host}/lost-ok`, destinations: [`${prod.host}/lost-ok`], images: [{ name: "tool", dmap: { [other.digest]: ["v1"] } }] },
  ]);

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);

  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toContain(
    `lost: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 1 failed\n` +
      `  copied ${staging.host}/lost/app@${kept.digest} → ${prod.host}/lost/app [v2]\n` +
      `  FAILED ${prod.host}/lost/app@${lost.digest}: ${lost.digest} not found in ${staging.host}/lost/app\n` +
      `lost-ok: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n`,
  );
  await expect(inspectRaw(`${prod.host}/lost/app@${lost.digest}`)).rejects.toThrow(/manifest unknown/);
  expect(await listTags(`${prod.host}/lost/app`)).toEqual(["v2"]);
  await expectSameImage(`${prod.host}/lost/app:v2`, kept);
  await expectSameImage(`${prod.host}/lost-ok/tool:v1`, other);
});
