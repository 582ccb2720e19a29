/**
 * End-to-end: kinds of image promoted through the real command line between real registries — an OCI index,
 * a Docker manifest list, a digest without tags, signatures — checked with skopeo (byte-identical manifests).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectRaw, listTags, pushSignature, seedAsDocker, startRegistry, writeIndex, type HarnessRegistry } from "../harness";
import { promoteProject } from "./fixtures/promote-run";
import { expectSameImage, stageImage, stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prodA: HarnessRegistry;

beforeAll(async () => {
  [staging, prodA] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prodA?.dispose()]);
});

test("a multi-arch OCI index is copied whole: index and children byte-identical", async () => {
  const index = await stageIndex(`${staging.host}/oci-index/app:staged`, "oci-index");
  const stdout = await promoteProject(staging.host, "oci-index", [{ name: "app", dmap: { [index.digest]: ["v1.0"] } }], [`${prodA.host}/oci-index`]);
  await expectSameImage(`${prodA.host}/oci-index/app:v1.0`, index);
  expect(stdout).toContain(`copied ${staging.host}/oci-index/app@${index.digest} → ${prodA.host}/oci-index/app [v1.0]\n`);
});

test("a Docker manifest list keeps its media type and digest", async () => {
  const layout = await mkdtemp(join(tmpdir(), "promote-e2e-docker-"));
  await writeIndex(layout, "image", { seed: "docker-list", platforms: ["linux/amd64", "linux/s390x"], layers: [{ size: 2048 }] });
  const listDigest = await seedAsDocker(layout, "image", `${staging.host}/docker-list/app:staged`);
  const listBytes = await inspectRaw(`${staging.host}/docker-list/app:staged`);
  const list = JSON.parse(listBytes.toString("utf8")) as { mediaType: string; manifests: Array<{ digest: string }> };
  const children = await Promise.all(
    list.manifests.map(async ({ digest }) => ({ digest, bytes: await inspectRaw(`${staging.host}/docker-list/app@${digest}`) })),
  );
  await promoteProject(staging.host, "docker-list", [{ name: "app", dmap: { [listDigest]: ["v2"] } }], [`${prodA.host}/docker-list`]);
  await expectSameImage(`${prodA.host}/docker-list/app:v2`, { digest: listDigest, bytes: listBytes, children });
  expect(list.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
});

test("tagless promotion: the digest lands, no tag is created", async () => {
  const index = await stageIndex(`${staging.host}/tagless/app:staged`, "tagless");
  const other = await stageImage(`${staging.host}/tagless/app:other`, "tagless-tagged");
  await promoteProject(staging.host, "tagless", [{ name: "app", dmap: { [index.digest]: [], [other.digest]: ["v1"] } }], [`${prodA.host}/tagless`]);
  await expectSameImage(`${prodA.host}/tagless/app@${index.digest}`, index);
  expect(await listTags(`${prodA.host}/tagless/app`)).toEqual(["v1"]);
});

test("signature and attestation tags of a promoted digest are carried along, byte-identical", async () => {
  const index = await stageIndex(`${staging.host}/signed/app:staged`, "signed");
  const signature = await pushSignature(`${staging.host}/signed/app`, index.digest);
  const attestation = await pushSignature(`${staging.host}/signed/app`, index.digest, { kind: "att" });
  await promoteProject(staging.host, "signed", [{ name: "app", dmap: { [index.digest]: ["v1"] } }], [`${prodA.host}/signed`]);
  expect(await listTags(`${prodA.host}/signed/app`)).toEqual([attestation.tag, signature.tag, "v1"].sort());
  await expectSameImage(`${prodA.host}/signed/app:v1`, index);
  await expectSameImage(`${prodA.host}/signed/app:${signature.tag}`, signature);
  await expectSameImage(`${prodA.host}/signed/app:${attestation.tag}`, attestation);
});
