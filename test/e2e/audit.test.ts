/**
 * End-to-end: `audit` against real registries after a real promotion. Clean production passes; then images and
 * tags pushed by hand with skopeo, a moved tag and entries never promoted are each found, and it exits 1.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAuditCommand } from "../../lib/cli/audit";
import { pushSignature, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { copyByHand, pushTagged } from "./fixtures/tagged-images";

let staging: HarnessRegistry;
let prodA: HarnessRegistry;
let prodB: HarnessRegistry;
let tree: string;
const d: Record<string, string> = {};

beforeAll(async () => {
  [staging, prodA, prodB] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  d.app = (await pushTagged(`${staging.host}/p1/app`, "audit-app", ["v1"])).digest;
  d.tagless = (await pushTagged(`${staging.host}/p1/app`, "audit-tagless", ["staged"], { single: true })).digest;
  d.core = (await pushTagged(`${staging.host}/core/kube-thing`, "audit-core", ["v1.30.0"])).digest;
  await pushSignature(`${staging.host}/p1/app`, d.app);
  // Like the real tree: one project at a destination's root (as kubernetes is), another below it.
  tree = await writePromotionTree([
    {
      name: "k8s-staging-p1", source: `${staging.host}/p1`, destinations: [`${prodA.host}/images/p1`, `${prodB.host}/images/p1`],
      images: [{ name: "app", dmap: { [d.app]: ["v1", "v1.0"], [d.tagless]: [] } }],
    },
    { name: "k8s-staging-core", source: `${staging.host}/core`, destinations: [`${prodA.host}/images`], images: [{ name: "kube-thing", dmap: { [d.core]: ["v1.30.0"] } }] },
  ]);
  expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"]), 0);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prodA?.dispose(), prodB?.dispose()]);
});

async function audit(extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo();
  const code = await runAuditCommand(["--thin-manifest-dir", tree, "--quiet", ...extra], captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

test("after a complete promotion: no findings, exit 0 (signatures, tagless digests and nested projects are not findings)", async () => {
  expect(await audit()).toEqual({ code: 0, err: "", out: "Audit: no findings (3 repositories under 2 destination path(s))\n" });
});

describe("after changes outside the promoter", () => {
  beforeAll(async () => {
    // A tag put on a promoted image by hand, a new image pushed by hand, a whole repository nobody promotes to.
    await copyByHand(`${prodA.host}/images/p1/app:v1`, `${prodA.host}/images/p1/app:hotfix`);
    d.rogue = (await pushTagged(`${prodA.host}/images/p1/app`, "audit-rogue", ["v9"], { single: true })).digest;
    d.stray = (await pushTagged(`${prodA.host}/images/stray`, "audit-stray", ["latest"], { single: true })).digest;
    // A wanted tag moved to another digest in one region.
    await copyByHand(`${staging.host}/p1/app@${d.tagless}`, `${prodB.host}/images/p1/app:v1.0`);
    // Entries merged but never promoted: a new digest, and a new tag on a promoted one.
    d.fresh = (await pushTagged(`${staging.host}/core/kube-thing`, "audit-fresh", ["v1.31.0"], { single: true })).digest;
    const images = join(tree, "images/k8s-staging-core/images.yaml");
    const text = await readFile(images, "utf8");
    await writeFile(images, text.replace(`- v1.30.0\n`, `- v1.30.0\n      - v1.30\n    ${d.fresh}:\n      - v1.31.0\n`));
  });

  test("each is found, with the repository, digest and tag; exit 1; the JSON report says the same", async () => {
    const dir = await mkdtemp(join(tmpdir(), "audit-json-"));
    const run = await audit(["--json", join(dir, "audit.json")]);
    expect(run.code).toBe(1);
    expect(run.err).toBe("");
    const a = `${prodA.host}/images`;
    // Repositories in name order (the two registries' ports decide which comes first), findings by kind.
    const blocks: Record<string, string[]> = {
      [`${a}/kube-thing`]: [`missing-digest: ${d.fresh} [v1.31.0] is missing`, `missing-tag: tag v1.30 of ${d.core} is missing`],
      [`${a}/p1/app`]: [`unexpected-digest: ${d.rogue} (tagged v9) is not promoted here by any manifest`, `unexpected-tag: tag hotfix on ${d.app} is in no manifest`],
      [`${a}/stray`]: [`unexpected-digest: ${d.stray} (tagged latest) is not promoted here by any manifest`],
      [`${prodB.host}/images/p1/app`]: [`tag-moved: tag v1.0 points to ${d.tagless}; the manifests say ${d.app}`],
    };
    expect(run.out).toBe(
      [
        ...Object.keys(blocks).sort().flatMap((repository) => [repository, ...blocks[repository]!.map((line) => `  ${line}`)]),
        `Audit: 6 finding(s): unexpected-digest 2, unexpected-tag 1, tag-moved 1, missing-digest 1, missing-tag 1 (4 repositories under 2 destination path(s))`,
        "",
      ].join("\n"),
    );
    const report = JSON.parse(await readFile(join(dir, "audit.json"), "utf8"));
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ "unexpected-digest": 2, "unexpected-tag": 1, "tag-moved": 1, "missing-digest": 1, "missing-tag": 1, unreadable: 0 });
    expect(report.findings).toContainEqual({
      kind: "unexpected-tag", repository: `${a}/p1/app`, digest: d.app, tag: "hotfix", message: `tag hotfix on ${d.app} is in no manifest`,
    });
  });
});
