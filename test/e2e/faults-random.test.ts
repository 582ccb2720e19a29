import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { digestOf, listTags, seedLayout, startRegistry, writeImage, writeIndex, type HarnessRegistry } from "../harness";
import { ALL_FAULT_KINDS, FaultInjector, INCIDENT_MIX, startFaultProxy, type FaultPlan, type FaultProxy } from "../harness/fault-proxy";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

describe("promotion through a fault-injecting proxy", () => {
  let staging: HarnessRegistry;
  let production: HarnessRegistry;
  let proxies: FaultProxy[] = [];
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-random-"));
    [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all([staging?.dispose(), production?.dispose()]);
    await rm(scratch, { recursive: true, force: true });
  });

  /** Three images (two multi-arch indexes, one single), seeded in staging; promotes them through proxies with `plan`. */
  async function promoteThroughFaults(plan: FaultPlan, options: readonly string[]) {
    const layout = join(scratch, `layout-${plan.seed}`);
    const images = [
      { name: "app", ...(await writeIndex(layout, "app", { seed: `${plan.seed}-app`, platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 96 * 1024 }, { size: 2048 }] })), tags: ["v1.0", "latest"] },
      { name: "tools/cli", ...(await writeIndex(layout, "cli", { seed: `${plan.seed}-cli`, platforms: ["linux/amd64", "linux/s390x"], layers: [{ size: 64 * 1024 }] })), tags: ["v2"] },
      { name: "single", ...(await writeImage(layout, "single", { seed: `${plan.seed}-single`, layers: [{ size: 128 * 1024 }, { size: 512 }] })), tags: ["v3"] },
    ];
    for (const image of images) await seedLayout(layout, image.name === "tools/cli" ? "cli" : image.name, `${staging.host}/${plan.seed}/${image.name}:seed`);
    const injector = new FaultInjector(plan);
    const started = await Promise.all([staging, production].map((registry) => startFaultProxy({ upstream: registry.host, injector })));
    proxies.push(...started);
    const [stagingProxy, productionProxy] = started as [FaultProxy, FaultProxy];
    const tree = await writePromotionTree([{
      name: "k8s-staging-faults",
      source: `${stagingProxy.host}/${plan.seed}`,
      destinations: [`${productionProxy.host}/${plan.seed}-prod`],
      images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: image.tags } })),
    }], join(scratch, `tree-${plan.seed}`));
    const output = captureIo();
    const json = join(scratch, `report-${plan.seed}.json`);
    const code = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--json", json, "--quiet", ...options], output.io);
    return { code, out: output.out(), err: output.err(), images, injector, report: JSON.parse(await readFile(json, "utf8")) as { ok: boolean; totals: Record<string, number> } };
  }

  /** The oracle reads the real registry, not the proxy: every tag names the source digest. */
  async function expectPromoted(prefix: string, images: ReadonlyArray<{ name: string; digest: string; tags: readonly string[] }>): Promise<void> {
    for (const image of images) {
      expect(await listTags(`${production.host}/${prefix}-prod/${image.name}`)).toEqual([...image.tags].sort());
      for (const tag of image.tags) expect(await digestOf(`${production.host}/${prefix}-prod/${image.name}:${tag}`)).toBe(image.digest);
    }
  }

  test("the incident mix for the whole run (10% 429 with Retry-After, 10% 503, 5% resets), default settings: exit 0, every digest right", async () => {
    const run = await promoteThroughFaults({ seed: "incident", mix: INCIDENT_MIX, retryAfterSeconds: 1 }, []);
    expect({ code: run.code, out: run.out }).toEqual({ code: EXIT.ok, out: expect.stringContaining("3 copied, 0 tagged, 0 skipped, 0 refused, 0 failed") });
    // Faults kept coming to the end: about a quarter of all its requests met one (the resets of a body only where
    // there is one).
    expect(run.injector.total / (run.injector.total + run.injector.passed)).toBeGreaterThan(0.1);
    expect(run.injector.injected["429-retry-after"] + run.injector.injected["503"]).toBeGreaterThan(10);
    await expectPromoted("incident", run.images);
    expect(run.report).toMatchObject({ ok: true, totals: { copied: 3, failed: 0 } });
  }, 180_000);

  test("uploads cut half-way one time in two: each blob is restarted until it is in, exit 0, every digest right", async () => {
    const run = await promoteThroughFaults({ seed: "uploads", mix: { "reset-mid-upload": 0.5 } }, []);
    expect({ code: run.code, out: run.out }).toEqual({ code: EXIT.ok, out: expect.stringContaining("3 copied, 0 tagged, 0 skipped, 0 refused, 0 failed") });
    expect(run.injector.injected["reset-mid-upload"]).toBeGreaterThan(3);
    await expectPromoted("uploads", run.images);
  }, 180_000);

  test("every kind of fault, stalls included, at a steady 3% each: exit 0, every digest right", async () => {
    const mix = Object.fromEntries(ALL_FAULT_KINDS.map((kind) => [kind, 0.03]));
    // A 1 s stall timeout makes stalls cheap.
    const run = await promoteThroughFaults({ seed: "every-kind", mix, retryAfterSeconds: 1 }, ["--timeout", "1"]);
    expect({ code: run.code, out: run.out }).toEqual({ code: EXIT.ok, out: expect.stringContaining("3 copied, 0 tagged, 0 skipped, 0 refused, 0 failed") });
    expect(run.injector.total).toBeGreaterThan(5);
    await expectPromoted("every-kind", run.images);
  }, 180_000);
});
