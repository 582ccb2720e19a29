/**
 * End-to-end: planning's slowest read does not hold up the images already decided. One image's destination read
 * is refused twice with `Retry-After: 1`; the other image is copied and tagged while that read waits, and the late
 * one is promoted once its read is in.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { digestOf, seedLayout, startRegistry, writeImage, type HarnessRegistry } from "../harness";
import { ScriptedFaults, startFaultProxy, type FaultProxy, type ProxiedRequest } from "../harness/fault-proxy";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

describe("a read waiting out its retries at the end of planning", () => {
  let staging: HarnessRegistry;
  let production: HarnessRegistry;
  let proxy: FaultProxy;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "read-tail-"));
    [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([staging, production].map((registry) => registry?.dispose()));
    await rm(scratch, { recursive: true, force: true });
  });

  test("holds up only its own image: the other is copied and tagged meanwhile; both end promoted, exit 0", async () => {
    const layout = join(scratch, "layout");
    const prompt = await writeImage(layout, "prompt", { seed: "read-tail-prompt", layers: [{ size: 2048 }] });
    const late = await writeImage(layout, "late", { seed: "read-tail-late", layers: [{ size: 2048 }] });
    await seedLayout(layout, "prompt", `${staging.host}/staging/prompt:seed`);
    await seedLayout(layout, "late", `${staging.host}/staging/late:seed`);

    const lateRead = "/v2/prod/late/manifests/v1";
    const seen: Array<ProxiedRequest & { sequence: number }> = [];
    const faults = new ScriptedFaults((method, path) => (method === "HEAD" && path === lateRead ? { kind: "429-retry-after", times: 2 } : undefined));
    proxy = await startFaultProxy({ upstream: production.host, injector: faults, onRequest: (request) => void seen.push({ ...request, sequence: seen.length }) });
    const tree = await writePromotionTree([{
      name: "k8s-staging-tail",
      source: `${staging.host}/staging`,
      destinations: [`${proxy.host}/prod`],
      images: [{ name: "prompt", dmap: { [prompt.digest]: ["v1"] } }, { name: "late", dmap: { [late.digest]: ["v1"] } }],
    }], join(scratch, "tree"));

    const output = captureIo();
    const json = join(scratch, "report.json");
    const code = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--json", json, "--quiet"], output.io);

    expect(code).toBe(EXIT.ok);
    expect(faults.injected["429-retry-after"]).toBe(2);
    const report = JSON.parse(await readFile(json, "utf8")) as RunReport;
    expect(report.projects[0]!.copied.map((item) => item.destination).sort()).toEqual([`${proxy.host}/prod/late`, `${proxy.host}/prod/prompt`]);
    expect(await digestOf(`${production.host}/prod/prompt:v1`)).toBe(prompt.digest);
    expect(await digestOf(`${production.host}/prod/late:v1`)).toBe(late.digest);
    // The prompt image's tag went in before the late read was answered (its third try): copying did not wait for
    // the whole plan.
    const answeredRead = seen.filter((request) => request.method === "HEAD" && request.path === lateRead && request.fault === undefined);
    const promptTag = seen.find((request) => request.method === "PUT" && request.path === "/v2/prod/prompt/manifests/v1");
    expect(answeredRead.length).toBeGreaterThan(0);
    expect(promptTag!.sequence).toBeLessThan(answeredRead[0]!.sequence);
  });
});
