import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { digestOf, listTags, seedLayout, startRegistry, writeImage, writeIndex, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

describe("failure isolation between projects", () => {
  let staging: HarnessRegistry;
  let production: HarnessRegistry;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-isolation-"));
    [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all([staging?.dispose(), production?.dispose()]);
    await rm(scratch, { recursive: true, force: true });
  });

  test("a lost source digest in A and a refused tag move in B do not stop C; each is reported per project; exit 1", async () => {
    const layout = join(scratch, "layout");
    const aGood = await writeImage(layout, "a-good", { seed: "iso-a-good", layers: [{ size: 2048 }] });
    // Written to the layout but never pushed: the digest images.yaml names is lost from staging.
    const aLost = await writeImage(layout, "a-lost", { seed: "iso-a-lost", layers: [{ size: 2048 }] });
    const bWanted = await writeImage(layout, "b-wanted", { seed: "iso-b-wanted", layers: [{ size: 2048 }] });
    const bSquatter = await writeImage(layout, "b-squatter", { seed: "iso-b-squatter", layers: [{ size: 1024 }] });
    const c = await writeIndex(layout, "c", { seed: "iso-c", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 4096 }] });
    await seedLayout(layout, "a-good", `${staging.host}/staging-a/good:seed`);
    await seedLayout(layout, "b-wanted", `${staging.host}/staging-b/b-app:seed`);
    await seedLayout(layout, "c", `${staging.host}/staging-c/app:seed`);
    // Production's b-app:v1 already names another image; promoting bWanted as v1 would move the tag.
    await seedLayout(layout, "b-squatter", `${production.host}/prod/b-app:v1`);

    const tree = await writePromotionTree([
      { name: "k8s-staging-a", source: `${staging.host}/staging-a`, destinations: [`${production.host}/prod/a`], images: [{ name: "good", dmap: { [aGood.digest]: ["v1"] } }, { name: "lost", dmap: { [aLost.digest]: ["v1"] } }] },
      { name: "k8s-staging-b", source: `${staging.host}/staging-b`, destinations: [`${production.host}/prod`], images: [{ name: "b-app", dmap: { [bWanted.digest]: ["v1"] } }] },
      { name: "k8s-staging-c", source: `${staging.host}/staging-c`, destinations: [`${production.host}/prod/c`], images: [{ name: "app", dmap: { [c.digest]: ["v1.10", "latest"] } }] },
    ], join(scratch, "tree"));
    const json = join(scratch, "report.json");
    const output = captureIo();

    const code = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--json", json, "--quiet"], output.io);

    const [src, dst] = [staging.host, production.host];
    expect({ code, out: output.out() }).toEqual({
      code: EXIT.failed,
      out:
        "k8s-staging-a: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 1 failed\n" +
        `  copied ${src}/staging-a/good@${aGood.digest} → ${dst}/prod/a/good [v1]\n` +
        `  FAILED ${dst}/prod/a/lost@${aLost.digest}: ${aLost.digest} not found in ${src}/staging-a/lost\n` +
        "k8s-staging-b: valid; 1 copied, 0 tagged, 0 skipped, 1 refused, 0 failed\n" +
        `  copied ${src}/staging-b/b-app@${bWanted.digest} → ${dst}/prod/b-app\n` +
        `  REFUSED ${dst}/prod/b-app:v1 points to ${bSquatter.digest}; tags are never moved\n` +
        "k8s-staging-c: valid; 1 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\n" +
        `  copied ${src}/staging-c/app@${c.digest} → ${dst}/prod/c/app [latest, v1.10]\n` +
        "Projects: 3 valid, 0 with warnings, 0 invalid\n" +
        "Promotion: 3 copied, 0 tagged, 0 skipped, 1 refused, 1 failed\n" +
        "Written: 3 images, 3 tags, 19.1 KiB uploaded, 0 blobs mounted\n",
    });
    const none = { copied: [], tagged: [], skipped: [], refused: [], failed: [], unreachable: [], verdict: "valid" as const, problems: [], warnings: [], notShown: 0 };
    expect(JSON.parse(await readFile(json, "utf8"))).toEqual({
      mode: "confirm",
      ok: false,
      verdicts: { valid: 3, warnings: 0, invalid: 0 },
      totals: { copied: 3, tagged: 0, skipped: 0, refused: 1, failed: 1 },
      written: { imagesCopied: 3, tagsWritten: 3, bytesUploaded: 19540, blobsMounted: 0 },
      projects: [
        {
          ...none,
          project: "k8s-staging-a",
          copied: [{ destination: `${dst}/prod/a/good`, digest: aGood.digest, tags: ["v1"], source: `${src}/staging-a/good` }],
          failed: [{ destination: `${dst}/prod/a/lost`, digest: aLost.digest, tags: ["v1"], message: `${aLost.digest} not found in ${src}/staging-a/lost` }],
        },
        {
          ...none,
          project: "k8s-staging-b",
          copied: [{ destination: `${dst}/prod/b-app`, digest: bWanted.digest, tags: [], source: `${src}/staging-b/b-app` }],
          refused: [{ destination: `${dst}/prod/b-app`, digest: bWanted.digest, tags: ["v1"], message: `${dst}/prod/b-app:v1 points to ${bSquatter.digest}; tags are never moved` }],
        },
        {
          ...none,
          project: "k8s-staging-c",
          copied: [{ destination: `${dst}/prod/c/app`, digest: c.digest, tags: ["latest", "v1.10"], source: `${src}/staging-c/app` }],
        },
      ],
      unreachable: [],
      provenance: [],
      referrers: [],
      signing: [],
    } satisfies RunReport);
    // C and A's good image are fully promoted; B's tag still names the image it named before.
    expect(await digestOf(`${dst}/prod/c/app:v1.10`)).toBe(c.digest);
    expect(await digestOf(`${dst}/prod/c/app:latest`)).toBe(c.digest);
    expect(await digestOf(`${dst}/prod/a/good:v1`)).toBe(aGood.digest);
    expect(await listTags(`${dst}/prod/b-app`)).toEqual(["v1"]);
    expect(await digestOf(`${dst}/prod/b-app:v1`)).toBe(bSquatter.digest);
  }, 120_000);
});
