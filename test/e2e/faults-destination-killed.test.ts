import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { digestOf, listTags, readAccessLog, seedLayout, startRegistry, writeIndex, type HarnessRegistry } from "../harness";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

const WRITES = new Set(["POST", "PUT", "PATCH"]);

describe("a destination registry killed mid-run", () => {
  let staging: HarnessRegistry;
  let survivor: HarnessRegistry;
  let victim: HarnessRegistry;
  let proxy: FaultProxy | undefined;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-killed-"));
    [staging, survivor, victim] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([staging?.dispose(), survivor?.dispose(), victim?.dispose()]);
    await rm(scratch, { recursive: true, force: true });
  });

  test("the other destination completes, the dead one is reported failed (exit 1); after restart a rerun completes it", async () => {
    const layout = join(scratch, "layout");
    const images = [];
    for (const name of ["app", "sidecar"]) {
      const index = await writeIndex(layout, name, { seed: `killed-${name}`, platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 32 * 1024 }, { size: 1024 }] });
      await seedLayout(layout, name, `${staging.host}/staging/${name}:seed`);
      images.push({ name, digest: index.digest, tags: ["v1"] });
    }
    // The proxy only watches: the victim dies as its first write request arrives.
    let killing: Promise<void> | undefined;
    proxy = await startFaultProxy({
      upstream: victim.host,
      onRequest: (request) => {
        if (WRITES.has(request.method)) killing ??= victim.stop({ signal: "SIGKILL" });
      },
    });
    const tree = await writePromotionTree([{
      name: "k8s-staging-killed",
      source: `${staging.host}/staging`,
      destinations: [`${survivor.host}/prod`, `${proxy.host}/prod`],
      images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: image.tags } })),
    }], join(scratch, "tree"));
    const json = join(scratch, "first.json");

    const first = captureIo();
    const firstCode = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--json", json, "--quiet"], first.io);
    await killing;

    expect(killing).toBeDefined();
    expect(victim.running).toBe(false);
    expect(firstCode).toBe(EXIT.failed);
    expect(first.out()).toContain("k8s-staging-killed: valid; 2 copied, 0 tagged, 0 skipped, 0 refused, 2 failed\n");
    for (const image of images) {
      expect(first.out()).toContain(`  copied ${staging.host}/staging/${image.name}@${image.digest} → ${survivor.host}/prod/${image.name} [v1]\n`);
      expect(await digestOf(`${survivor.host}/prod/${image.name}:v1`)).toBe(image.digest);
    }
    // The dead host is named once, with the edges it cost, not once per edge.
    expect(first.out()).toContain(`  FAILED 2 edges: ${proxy.host} unreachable\n`);
    expect(first.out()).toMatch(new RegExp(`\nUnreachable: ${proxy.host}: 2 edges not promoted \\(first error: .*network error.*\\)\n`));
    const report = JSON.parse(await readFile(json, "utf8")) as RunReport;
    expect(report.ok).toBe(false);
    expect(report.totals).toEqual({ copied: 2, tagged: 0, skipped: 0, refused: 0, failed: 2 });
    expect(report.projects.map((project) => project.project)).toEqual(["k8s-staging-killed"]);
    expect(report.projects[0]!.copied.map((item) => item.destination)).toEqual(images.map((image) => `${survivor.host}/prod/${image.name}`));
    expect(report.projects[0]!.failed).toEqual([]);
    expect(report.projects[0]!.unreachable).toEqual([{ host: proxy.host, edges: 2 }]);
    expect(report.unreachable).toEqual([{ host: proxy.host, edges: 2, error: expect.stringMatching(/network error/) }]);

    await victim.restart();
    const survivorWritesBefore = (await readAccessLog(survivor.accessLogPath)).filter((entry) => WRITES.has(entry.method)).length;
    const second = captureIo();
    const secondCode = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--quiet"], second.io);

    expect({ code: secondCode, out: second.out() }).toEqual({
      code: EXIT.ok,
      out: expect.stringContaining("k8s-staging-killed: valid; 2 copied, 0 tagged, 2 skipped, 0 refused, 0 failed\n"),
    });
    for (const image of images) {
      expect(await listTags(`${victim.host}/prod/${image.name}`)).toEqual(["v1"]);
      expect(await digestOf(`${victim.host}/prod/${image.name}:v1`)).toBe(image.digest);
    }
    // The rerun wrote nothing where the first run had already succeeded.
    expect((await readAccessLog(survivor.accessLogPath)).filter((entry) => WRITES.has(entry.method)).length).toBe(survivorWritesBefore);
    // A generous limit, not a timing claim: against the dead host each blob is tried 3 times × 5 requests with
    // backoff before it is reported failed, 10–25 s on a loaded 2-core machine.
  }, 120_000);
});
