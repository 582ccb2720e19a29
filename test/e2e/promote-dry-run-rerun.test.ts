/**
 * End-to-end: a dry run writes nothing, a second `--confirm` run writes nothing (checked in the registries'
 * own access logs), and `--json` writes the report as data.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../../lib/cli/promote";
import { startRegistry, type HarnessRegistry, type WrittenIndex, type WrittenManifest } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { catalog, expectExitCode, loggedRequests, runPromote, writeRequestsSince } from "./fixtures/promote-run";
import { expectSameImage, stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

/** Stages one index under `<project>/app` and writes a one-project tree promoting it as `v1`. */
async function oneImageTree(project: string): Promise<{ tree: string; index: WrittenIndex; digest: string }> {
  const index = await stageIndex(`${staging.host}/${project}/app:staged`, project);
  const tree = await writePromotionTree([
    { name: project, source: `${staging.host}/${project}`, destinations: [`${prod.host}/${project}`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
  ]);
  return { tree, index, digest: index.digest };
}

test("a dry run prints what it would copy and sends no write request to any registry", async () => {
  const { tree, digest } = await oneImageTree("dry");
  const before = await Promise.all([loggedRequests(staging), loggedRequests(prod)]);

  const run = await runPromote(["--thin-manifest-dir", tree]);

  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toBe(
    `dry: valid; 1 to copy, 0 to tag, 0 skipped, 0 refused, 0 failed\n` +
      `  would copy ${staging.host}/dry/app@${digest} → ${prod.host}/dry/app [v1]\n` +
      "Projects: 1 valid, 0 with warnings, 0 invalid\n" +
      `Dry run (nothing written; pass --confirm to promote): 1 to copy, 0 to tag, 0 skipped, 0 refused, 0 failed\n`,
  );
  expect(await writeRequestsSince(staging, before[0]!.length)).toEqual([]);
  expect(await writeRequestsSince(prod, before[1]!.length)).toEqual([]);
  expect((await catalog(prod)).filter((repository) => repository.startsWith("dry/"))).toEqual([]);
  // The dry run did read the destination: the check above is not vacuous.
  expect((await loggedRequests(prod)).slice(before[1]!.length)).toContainEqual(
    expect.objectContaining({ method: "HEAD", path: "/v2/dry/app/manifests/v1" }),
  );
});

test("a second --confirm run finds everything in place: exit 0, all skipped, no write request", async () => {
  const { tree, index } = await oneImageTree("rerun");
  expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"]), EXIT.ok);
  const before = await Promise.all([loggedRequests(staging), loggedRequests(prod)]);
  // The first run's writes are in the log, so an empty list below means the rerun wrote nothing.
  expect(await writeRequestsSince(prod, 0)).toContain("PUT /v2/rerun/app/manifests/v1");

  const rerun = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);

  expectExitCode(rerun, EXIT.ok);
  expect(rerun.stdout).toBe(
    `rerun: valid; 0 copied, 0 tagged, 1 skipped, 0 refused, 0 failed\n` +
      "Projects: 1 valid, 0 with warnings, 0 invalid\n" +
      `Promotion: 0 copied, 0 tagged, 1 skipped, 0 refused, 0 failed\n` +
      `Written: 0 images, 0 tags, 0 B uploaded, 0 blobs mounted\n`,
  );
  expect(await writeRequestsSince(staging, before[0]!.length)).toEqual([]);
  expect(await writeRequestsSince(prod, before[1]!.length)).toEqual([]);
  await expectSameImage(`${prod.host}/rerun/app:v1`, index);
});

test("--json writes the report: mode, totals, bytes written and per-project items", async () => {
  const { tree, index, digest } = await oneImageTree("json");
  const jsonPath = join(await mkdtemp(join(tmpdir(), "promote-e2e-json-")), "report.json");

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm", "--json", jsonPath]);

  expectExitCode(run, EXIT.ok);
  const report = JSON.parse(await readFile(jsonPath, "utf8")) as unknown;
  expect(report).toEqual({
    mode: "confirm",
    ok: true,
    verdicts: { valid: 1, warnings: 0, invalid: 0 },
    totals: { copied: 1, tagged: 0, skipped: 0, refused: 0, failed: 0 },
    written: { imagesCopied: 1, tagsWritten: 1, bytesUploaded: blobBytes(index.children), blobsMounted: 0 },
    projects: [
      {
        project: "json",
        copied: [{ destination: `${prod.host}/json/app`, digest, tags: ["v1"], source: `${staging.host}/json/app` }],
        tagged: [],
        skipped: [],
        refused: [],
        failed: [],
        unreachable: [],
        verdict: "valid",
        problems: [],
        warnings: [],
        notShown: 0,
      },
    ],
    unreachable: [],
    provenance: [],
    referrers: [],
    signing: [],
  });
});

/** The bytes of every distinct config and layer blob the children reference: what a full copy uploads. */
function blobBytes(children: readonly WrittenManifest[]): number {
  const sizes = new Map<string, number>();
  for (const child of children) {
    const manifest = JSON.parse(child.bytes.toString("utf8")) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
    for (const blob of [manifest.config, ...manifest.layers]) sizes.set(blob.digest, blob.size);
  }
  return [...sizes.values()].reduce((sum, size) => sum + size, 0);
}
