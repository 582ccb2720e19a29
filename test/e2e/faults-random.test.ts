import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { digestOf, listTags, seedLayout, startRegistry, writeImage, writeIndex, type HarnessRegistry } from "../harness";
import { ALL_FAULT_KINDS, FaultInjector, startFaultProxy, type FaultProxy } from "../harness/fault-proxy";
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

  test("random 429, 500/503, resets and stalls: exit 0 and every destination tag resolves to the source digest", async () => {
    const layout = join(scratch, "layout");
    const images = [
      { name: "app", ...(await writeIndex(layout, "app", { seed: "faults-app", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 96 * 1024 }, { size: 2048 }] })), tags: ["v1.0", "latest"] },
      { name: "tools/cli", ...(await writeIndex(layout, "cli", { seed: "faults-cli", platforms: ["linux/amd64", "linux/s390x"], layers: [{ size: 64 * 1024 }] })), tags: ["v2"] },
      { name: "single", ...(await writeImage(layout, "single", { seed: "faults-single", layers: [{ size: 128 * 1024 }, { size: 512 }] })), tags: ["v3"] },
    ];
    for (const image of images) await seedLayout(layout, image.name === "tools/cli" ? "cli" : image.name, `${staging.host}/staging/${image.name}:seed`);

    const injector = new FaultInjector({ seed: "faults-random-1", probability: 0.3, kinds: ALL_FAULT_KINDS, maxFaults: 24, retryAfterSeconds: 1 });
    proxies = await Promise.all([staging, production].map((registry) => startFaultProxy({ upstream: registry.host, injector })));
    const [stagingProxy, productionProxy] = proxies as [FaultProxy, FaultProxy];
    const tree = await writePromotionTree([{
      name: "k8s-staging-faults",
      source: `${stagingProxy.host}/staging`,
      destinations: [`${productionProxy.host}/prod`],
      images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: image.tags } })),
    }], join(scratch, "tree"));

    const output = captureIo();
    const json = join(scratch, "report.json");
    // A 1 s stall timeout makes stalls cheap; a high rate keeps the 429 slow-down from dominating the run.
    const code = await runPromoteCli(
      ["--thin-manifest-dir", tree, "--confirm", "--json", json, "--timeout", "1", "--max-rps", "1000", "--quiet"],
      output.io,
    );

    expect({ code, out: output.out() }).toEqual({ code: EXIT.ok, out: expect.stringContaining("3 copied, 0 tagged, 0 skipped, 0 refused, 0 failed") });
    // How many requests a run makes varies with timing (retries, concurrency): assert the bound and the variety.
    expect(injector.total).toBeLessThanOrEqual(24);
    for (const kind of ALL_FAULT_KINDS) expect({ kind, injected: injector.injected[kind] > 0 }).toEqual({ kind, injected: true });
    // The oracle reads the real registry, not the proxy.
    for (const image of images) {
      expect(await listTags(`${production.host}/prod/${image.name}`)).toEqual([...image.tags].sort());
      for (const tag of image.tags) expect(await digestOf(`${production.host}/prod/${image.name}:${tag}`)).toBe(image.digest);
    }
    const report = JSON.parse(await readFile(json, "utf8")) as { ok: boolean; totals: Record<string, number> };
    expect(report).toMatchObject({ ok: true, totals: { copied: 3, failed: 0 } });
  }, 120_000);
});
