/**
 * End-to-end: two promoter runs at once on the same manifest tree both succeed and leave every digest and tag
 * right. distribution rewrites its link files in place, so a manifest or tag PUT of one run can be refused
 * (`400 DIGEST_INVALID`, `MANIFEST_BLOB_UNKNOWN`) when the registry reads the link of a blob or child manifest
 * the other run is rewriting at that moment; the content is in place all the same.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { digestOf, inspectRaw, listTags, seedLayout, startRegistry, writeIndex, type HarnessRegistry, type WrittenIndex } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

/** Rounds, each into fresh destination repositories so both runs really copy every time. */
const ROUNDS = 8;

describe("two runs at once on the same tree", () => {
  let staging: HarnessRegistry;
  let destinations: HarnessRegistry[];
  let scratch: string;
  let previousDockerConfig: string | undefined;
  const images: Array<WrittenIndex & { name: string; tags: string[] }> = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "concurrent-runs-"));
    // Both runs read one DOCKER_CONFIG, set once here: runPromote's per-run swap would race between them.
    previousDockerConfig = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = scratch;
    const started = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    staging = started[0]!;
    destinations = started.slice(1);
    const layout = join(scratch, "layout");
    // Every child shares the base layer: its link in each repository is rewritten once per child upload, in both runs.
    for (const name of ["app", "tools/cli", "proxy", "agent"]) {
      const index = await writeIndex(layout, name, {
        seed: `concurrent-${name}`,
        platforms: ["linux/amd64", "linux/arm64", "linux/s390x"],
        layers: [{ size: 2048, seed: "concurrent-base" }, { size: 1024 }],
      });
      await seedLayout(layout, name, `${staging.host}/staging/${name}:seed`);
      images.push({ ...index, name, tags: [`${name.replace("/", "-")}-v1`, "latest"] });
    }
  }, 60_000);
  afterAll(async () => {
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
    await Promise.all([staging, ...(destinations ?? [])].map((registry) => registry?.dispose()));
    await rm(scratch, { recursive: true, force: true });
  });

  /** The oracle is skopeo against the registries themselves: every tag names its index, every child is there byte for byte. */
  async function expectPromoted(prefix: string): Promise<void> {
    await Promise.all(destinations.flatMap((registry) => images.map(async (image) => {
      const repository = `${registry.host}/${prefix}/${image.name}`;
      expect(await listTags(repository)).toEqual([...image.tags].sort());
      for (const tag of image.tags) expect(await digestOf(`${repository}:${tag}`)).toBe(image.digest);
      for (const child of image.children) expect(await inspectRaw(`${repository}@${child.digest}`)).toEqual(child.bytes);
    })));
  }

  test(`${ROUNDS} rounds of two --confirm runs at once: both exit 0 each time, every tag names its digest, every child is in place`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const prefix = `round-${round}`;
      const tree = await writePromotionTree([{
        name: "k8s-staging-concurrent",
        source: `${staging.host}/staging`,
        destinations: destinations.map((registry) => `${registry.host}/${prefix}`),
        images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: image.tags } })),
      }], join(scratch, `tree-${round}`));

      // In-process: each run has its own client, connection pools and rate limits (the library keeps no state across
      // runs), and the two stay in step; two child processes would each spend 1.5 s loading the CLI through tsx, with
      // a spread between them as large as a whole round's copying, and would often not overlap where it matters.
      const runs = await Promise.all([captureIo(), captureIo()].map(async (output) => {
        const code = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--quiet"], output.io);
        return { round, code, out: output.out(), err: output.err() };
      }));

      for (const run of runs) expect(run).toEqual({ round, code: EXIT.ok, out: expect.stringContaining(" 0 refused, 0 failed\n"), err: "" });
      await expectPromoted(prefix);
    }
  }, 120_000);
});
