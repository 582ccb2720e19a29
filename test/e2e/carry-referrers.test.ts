/**
 * End-to-end: OCI 1.1 referrers carried between real distribution 2.8 registries (no referrers API, so through the
 * `sha256-<hex>` fallback index): byte-identical copies, a merge into a destination's existing index, two runs
 * merging at once, the artifact-type filter, and repair of an image promoted before its referrers; checked with
 * skopeo.
 */
import { inspectRaw, pushReferrers, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { EXIT } from "../../lib/cli/promote";
import { RegistryClient } from "../../lib/registry/client";
import { copyImage } from "../../lib/registry/copy";
import { parseRepository } from "../../lib/registry/reference";
import { listInFallbackIndex } from "../../lib/registry/referrers";
import { expectExitCode, loggedRequests, runPromote, writeRequestsSince } from "./fixtures/promote-run";
import { stageImage, stageIndex } from "./fixtures/staged-images";

const BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const SPDX = "application/spdx+json";

let staging: HarnessRegistry;
let prod: HarnessRegistry;
let mirror: HarnessRegistry;

beforeAll(async () => {
  [staging, prod, mirror] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose(), mirror?.dispose()]);
});

function spec(artifactType: string, text: string) {
  return { artifactType, payload: Buffer.from(JSON.stringify({ text })), annotations: { "dev.sigstore.bundle.predicateType": "https://example.com/p" } };
}

async function tree(project: string, digest: string, destinations = [`${prod.host}/${project}`, `${mirror.host}/${project}`]): Promise<string> {
  return writePromotionTree([{ name: project, source: `${staging.host}/${project}`, destinations, images: [{ name: "app", dmap: { [digest]: ["v1"] } }] }]);
}

function indexedDigests(bytes: Buffer): string[] {
  return (JSON.parse(bytes.toString("utf8")) as { manifests: Array<{ digest: string }> }).manifests.map((entry) => entry.digest);
}

test("referrers reach every destination byte-identical, with their fallback index; the rerun writes nothing", async () => {
  const image = await stageImage(`${staging.host}/fallback/app:v1`, "fallback");
  const pushed = await pushReferrers(`${staging.host}/fallback/app`, image, [spec(BUNDLE, "signature"), spec(SPDX, "sbom")]);
  const dir = await tree("fallback", image.digest);
  const run = await runPromote(["--thin-manifest-dir", dir, "--confirm"]);
  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toContain(`carried 2 referrer(s) of ${prod.host}/fallback/app@${image.digest}`);
  const tag = image.digest.replace(":", "-");
  for (const registry of [prod, mirror]) {
    expect(await inspectRaw(`${registry.host}/fallback/app:${tag}`)).toEqual(pushed.index.bytes);
    for (const referrer of pushed.referrers) expect(await inspectRaw(`${registry.host}/fallback/app@${referrer.digest}`)).toEqual(referrer.bytes);
  }
  const before = await Promise.all([prod, mirror].map(async (registry) => (await loggedRequests(registry)).length));
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);
  expect(await writeRequestsSince(prod, before[0]!)).toEqual([]);
  expect(await writeRequestsSince(mirror, before[1]!)).toEqual([]);
});

test("an existing fallback index in the destination keeps its entries; ours are merged in after them", async () => {
  const image = await stageImage(`${staging.host}/merge/app:v1`, "merge");
  const theirs = await pushReferrers(`${prod.host}/merge/app`, image, [spec(SPDX, "written in production")]);
  const ours = await pushReferrers(`${staging.host}/merge/app`, image, [spec(BUNDLE, "from staging")]);
  expectExitCode(await runPromote(["--thin-manifest-dir", await tree("merge", image.digest, [`${prod.host}/merge`]), "--confirm"]), EXIT.ok);
  const merged = await inspectRaw(`${prod.host}/merge/app:${image.digest.replace(":", "-")}`);
  expect(indexedDigests(merged)).toEqual([theirs.referrers[0]!.digest, ours.referrers[0]!.digest]);
  expect(JSON.parse(merged.toString("utf8")).manifests[0]).toEqual(theirs.referrers[0]!.descriptor);
});

test("two promotions listing different referrers of one image at once: both end up in the index (at the latest after a rerun)", async () => {
  const image = await stageImage(`${staging.host}/race-a/app:v1`, "race");
  await stageImage(`${staging.host}/race-b/app:v1`, "race");
  const a = await pushReferrers(`${staging.host}/race-a/app`, image, [spec(BUNDLE, "a")]);
  const b = await pushReferrers(`${staging.host}/race-b/app`, image, [spec(SPDX, "b")]);
  const destination = [`${prod.host}/race`];
  const trees = await Promise.all(["race-a", "race-b"].map((project) => writePromotionTree([
    { name: project, source: `${staging.host}/${project}`, destinations: destination, images: [{ name: "app", dmap: { [image.digest]: ["v1"] } }] },
  ])));
  const runs = await Promise.all(trees.map((dir) => runPromote(["--thin-manifest-dir", dir, "--confirm"])));
  for (const run of runs) expectExitCode(run, EXIT.ok);
  // distribution has no conditional PUT: a writer whose read came before our write and whose write comes after
  // our read-back can still replace the index. Whatever one run lost, the next run of either tree restores.
  for (const dir of trees) expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);
  const index = await inspectRaw(`${prod.host}/race/app:${image.digest.replace(":", "-")}`);
  expect(indexedDigests(index).sort()).toEqual([a.referrers[0]!.digest, b.referrers[0]!.digest].sort());
});

test("a writer that replaces the index between our write and our check is merged again, not overwritten", async () => {
  const image = await stageImage(`${staging.host}/concurrent/app:v1`, "concurrent");
  const ours = await pushReferrers(`${staging.host}/concurrent/app`, image, [spec(BUNDLE, "ours")]);
  const theirs = await pushReferrers(`${staging.host}/concurrent/app`, image, [spec(SPDX, "theirs")]);
  const repo = parseRepository(`${prod.host}/concurrent/app`);
  const client = new RegistryClient();
  for (const referrer of [...ours.referrers, ...theirs.referrers]) {
    await copyImage(client, parseRepository(`${staging.host}/concurrent/app`), repo, referrer.digest);
  }
  const theirIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [theirs.referrers[0]!.descriptor] }));
  // The other writer's PUT lands right after our first one, as if it had read the index before we wrote it.
  const put = client.putManifest.bind(client);
  let interleaved = false;
  client.putManifest = async (...args) => {
    const stored = await put(...args);
    if (!interleaved) {
      interleaved = true;
      await put(repo, image.digest.replace(":", "-"), theirIndex, "application/vnd.oci.image.index.v1+json");
    }
    return stored;
  };
  const result = await listInFallbackIndex(client, repo, image.digest, [ours.referrers[0]!.descriptor as never]);
  expect(result).toEqual({ writes: 2, retries: 1 });
  const index = await inspectRaw(`${prod.host}/concurrent/app:${image.digest.replace(":", "-")}`);
  expect(indexedDigests(index)).toEqual([theirs.referrers[0]!.digest, ours.referrers[0]!.digest]);
});

test("only the configured artifact types are carried", async () => {
  const image = await stageImage(`${staging.host}/filtered/app:v1`, "filtered");
  const pushed = await pushReferrers(`${staging.host}/filtered/app`, image, [spec(BUNDLE, "kept"), spec("application/x-other", "left")]);
  const dir = await tree("filtered", image.digest, [`${prod.host}/filtered`]);
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm", "--referrer-artifact-type", BUNDLE]), EXIT.ok);
  const index = await inspectRaw(`${prod.host}/filtered/app:${image.digest.replace(":", "-")}`);
  expect(indexedDigests(index)).toEqual([pushed.referrers[0]!.digest]);
  await expect(inspectRaw(`${prod.host}/filtered/app@${pushed.referrers[1]!.digest}`)).rejects.toThrow();
});

test("referrers added after the image was promoted are carried by the next run, though the image is skipped", async () => {
  const image = await stageImage(`${staging.host}/repair/app:v1`, "repair");
  const dir = await tree("repair", image.digest, [`${prod.host}/repair`]);
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);
  const pushed = await pushReferrers(`${staging.host}/repair/app`, image, [spec(BUNDLE, "late")]);
  const dry = await runPromote(["--thin-manifest-dir", dir]);
  expect(dry.stdout).toContain(`would carry 1 referrer(s) of ${prod.host}/repair/app@${image.digest}`);
  const run = await runPromote(["--thin-manifest-dir", dir, "--confirm"]);
  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toContain("0 copied, 0 tagged, 1 skipped");
  expect(await inspectRaw(`${prod.host}/repair/app@${pushed.referrers[0]!.digest}`)).toEqual(pushed.referrers[0]!.bytes);
});

test("referrers attached to the platform images of an index (cosign sign --recursive) are carried too", async () => {
  const index = await stageIndex(`${staging.host}/children/app:v1`, "children");
  const child = index.children[1]!;
  const pushed = await pushReferrers(`${staging.host}/children/app`, child, [spec(BUNDLE, "child signature")]);
  expectExitCode(await runPromote(["--thin-manifest-dir", await tree("children", index.digest, [`${prod.host}/children`]), "--confirm"]), EXIT.ok);
  expect(await inspectRaw(`${prod.host}/children/app:${child.digest.replace(":", "-")}`)).toEqual(pushed.index.bytes);
  expect(await inspectRaw(`${prod.host}/children/app@${pushed.referrers[0]!.digest}`)).toEqual(pushed.referrers[0]!.bytes);
});
