/**
 * End-to-end: where promoted images land and under which names — several tags, nested image names,
 * destination path prefixes, two destination registries — checked with skopeo (byte-identical manifests).
 */
import { digestOf, listTags, startRegistry, type HarnessRegistry } from "../harness";
import { promoteProject } from "./fixtures/promote-run";
import { expectSameImage, stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prodA: HarnessRegistry;
let prodB: HarnessRegistry;

beforeAll(async () => {
  [staging, prodA, prodB] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prodA?.dispose(), prodB?.dispose()]);
});

test("several tags on one digest all resolve to it; tags are kept as written (1.10 is not 1.1)", async () => {
  const index = await stageIndex(`${staging.host}/many-tags/app:staged`, "many-tags");
  const tags = ["1.10", "1.10.0", "latest", "v1.10.0-rc.1"];
  await promoteProject(staging.host, "many-tags", [{ name: "app", dmap: { [index.digest]: tags } }], [`${prodA.host}/many-tags`]);
  expect(await listTags(`${prodA.host}/many-tags/app`)).toEqual([...tags].sort());
  await expectSameImage(`${prodA.host}/many-tags/app:1.10`, index);
  for (const tag of tags) expect(await digestOf(`${prodA.host}/many-tags/app:${tag}`)).toBe(index.digest);
});

test("nested image names (a/b/c) keep their path", async () => {
  const index = await stageIndex(`${staging.host}/nested/a/b/c:staged`, "nested");
  await promoteProject(staging.host, "nested", [{ name: "a/b/c", dmap: { [index.digest]: ["v3"] } }], [`${prodA.host}/nested`]);
  await expectSameImage(`${prodA.host}/nested/a/b/c:v3`, index);
});

test("a destination path prefix puts the image under <destination>/<image>", async () => {
  const index = await stageIndex(`${staging.host}/prefix/app:staged`, "prefix");
  await promoteProject(staging.host, "prefix", [{ name: "app", dmap: { [index.digest]: ["v1"] } }], [`${prodA.host}/deep/prod/prefix`]);
  await expectSameImage(`${prodA.host}/deep/prod/prefix/app:v1`, index);
});

test("two destination registries each get the image, byte-identical", async () => {
  const index = await stageIndex(`${staging.host}/two-dest/app:staged`, "two-dest");
  await promoteProject(staging.host, "two-dest", [{ name: "app", dmap: { [index.digest]: ["v1"] } }], [
    `${prodA.host}/two-dest`,
    `${prodB.host}/mirror/two-dest`,
  ]);
  await expectSameImage(`${prodA.host}/two-dest/app:v1`, index);
  await expectSameImage(`${prodB.host}/mirror/two-dest/app:v1`, index);
});
