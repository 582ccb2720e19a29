/**
 * End-to-end: one destination accepts blob uploads and then stops reading them. It is cut out of the shared source
 * stream and fails alone; the healthy destinations of the same image are written and tagged without waiting for
 * it — before its own later attempts even start.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { digestOf, seedLayout, startRegistry, writeImage, type HarnessRegistry } from "../harness";
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from "../harness/fault-proxy";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

describe("a destination that stops reading uploads", () => {
  let staging: HarnessRegistry;
  const healthy: HarnessRegistry[] = [];
  let stuck: HarnessRegistry;
  const proxies: FaultProxy[] = [];
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-slow-"));
    const started = await Promise.all([startRegistry(), startRegistry(), startRegistry(), startRegistry()]);
    [staging, stuck] = [started[0]!, started[3]!];
    healthy.push(started[1]!, started[2]!);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all([staging, stuck, ...healthy].map((registry) => registry?.dispose()));
    await rm(scratch, { recursive: true, force: true });
  });

  test("is cut out of the shared stream and fails alone; the others are written and tagged without waiting for it", async () => {
    const layout = join(scratch, "layout");
    // A layer far larger than the lag a branch may have (4 MiB), so the stuck destination does hold the others up.
    const image = await writeImage(layout, "app", { seed: "slow-destination", layers: [{ size: 12 * 1024 * 1024 }, { size: 4096 }] });
    await seedLayout(layout, "app", `${staging.host}/staging/app:seed`);

    // Every request to a destination, in one order across them all.
    const seen: Array<ProxiedRequest & { sequence: number }> = [];
    const observe = (request: ProxiedRequest) => void seen.push({ ...request, sequence: seen.length });
    for (const registry of healthy) proxies.push(await startFaultProxy({ upstream: registry.host, onRequest: observe }));
    const stuckProxy = await startFaultProxy({ upstream: stuck.host, onRequest: observe, stopReadingUploads: () => true });
    proxies.push(stuckProxy);
    const tree = await writePromotionTree([{
      name: "k8s-staging-slow",
      source: `${staging.host}/staging`,
      destinations: proxies.map((proxy) => `${proxy.host}/prod`),
      images: [{ name: "app", dmap: { [image.digest]: ["v1"] } }],
    }], join(scratch, "tree"));

    const output = captureIo();
    const json = join(scratch, "report.json");
    // A timeout well above the grace before a branch is cut out (1 s), so the two cannot be confused.
    const code = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--json", json, "--quiet", "--timeout", "5"], output.io);

    expect(code).toBe(EXIT.failed);
    const report = JSON.parse(await readFile(json, "utf8")) as RunReport;
    const [project] = report.projects;
    expect(project!.copied.map((item) => item.destination).sort()).toEqual(healthy.map((_, k) => `${proxies[k]!.host}/prod/app`).sort());
    // It never answered an upload within the timeout: a host not serving, reported once with the edge it cost.
    expect([...project!.failed.map((item) => item.destination), ...project!.unreachable.map((count) => `${count.host} × ${count.edges}`)]).toEqual([
      `${stuckProxy.host} × 1`,
    ]);
    expect(output.out()).toContain(`FAILED 1 edge: ${stuckProxy.host} unreachable`);
    for (const registry of healthy) expect(await digestOf(`${registry.host}/prod/app:v1`)).toBe(image.digest);

    // The healthy destinations' tags went in before the stuck one's first retry of any blob upload: they waited
    // neither for its retries nor for its inactivity timeout, only for the short grace before it was cut out.
    const finalPutsToStuck = seen.filter((request) => request.upstream === stuck.host && request.method === "PUT" && request.path.includes("digest=sha256"));
    const retries = finalPutsToStuck.filter((put, n) => finalPutsToStuck.findIndex((other) => other.path.split("digest=")[1] === put.path.split("digest=")[1]) < n);
    expect(retries.length).toBeGreaterThan(0);
    const firstRetry = Math.min(...retries.map((put) => put.sequence));
    const tagPuts = seen.filter((request) => request.method === "PUT" && request.path.endsWith("/manifests/v1"));
    expect(tagPuts.map((request) => request.upstream).sort()).toEqual(healthy.map((registry) => registry.host).sort());
    for (const put of tagPuts) expect(put.sequence).toBeLessThan(firstRetry);
  }, 120_000);
});
