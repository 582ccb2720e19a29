/**
 * A copy to several destinations against real docker-registry processes behind proxies that fault chosen requests
 * a known number of times: a destination whose answers come late (each of its checks refused once with
 * `Retry-After: 1`) does not hold up the others, and a small blob whose upload is refused is sent again into the
 * same session from memory, not read again from the source into a new session.
 */
import { RegistryClient } from "../../lib/registry/client";
import { copyImage, copyImageToMany } from "../../lib/registry/copy";
import type { RepositoryRef } from "../../lib/registry/reference";
import { startRegistry, type HarnessRegistry } from "../harness/registry";
import { ScriptedFaults, startFaultProxy, type FaultProxy, type ProxiedRequest } from "../harness/fault-proxy";
import { pushTestIndex, type PushedIndex } from "./test-images";

let staging: HarnessRegistry;
let destinations: HarnessRegistry[];
let pushed: PushedIndex;
const proxies: FaultProxy[] = [];
const client = new RegistryClient({ timeoutMs: 20_000 });
const repo = (host: string, path: string): RepositoryRef => ({ host, path });

beforeAll(async () => {
  [staging, ...destinations] = await Promise.all([startRegistry(), startRegistry(), startRegistry(), startRegistry(), startRegistry()]);
  pushed = await pushTestIndex(client, repo(staging.host, "staging/app"), "late-answers");
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all([staging, ...destinations].map((registry) => registry?.dispose()));
});

test("a destination whose every check is refused once with Retry-After: 1 is left behind; the others are written without waiting for it", async () => {
  const seen: Array<ProxiedRequest & { sequence: number }> = [];
  const observe = (request: ProxiedRequest) => void seen.push({ ...request, sequence: seen.length });
  const late = new ScriptedFaults((method) => (method === "HEAD" ? { kind: "429-retry-after", times: 1 } : undefined));
  for (const registry of destinations.slice(0, 2)) proxies.push(await startFaultProxy({ upstream: registry.host, onRequest: observe }));
  const lateProxy = await startFaultProxy({ upstream: destinations[2]!.host, injector: late, onRequest: observe });
  proxies.push(lateProxy);
  const targets = [...proxies.slice(-3).map((proxy) => repo(proxy.host, "prod/app"))];

  const outcomes = await copyImageToMany(client, repo(staging.host, "staging/app"), targets, pushed.index);

  expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
  for (const target of targets) expect(await client.headManifest(target, pushed.index)).toMatchObject({ digest: pushed.index });
  // The prompt destinations' index went in before the late one had even started its first upload: neither the
  // manifests' checks nor the blobs' waited for its refused HEADs (in lockstep, each level waits a second for them).
  const indexPuts = seen.filter((request) => request.method === "PUT" && request.path.endsWith(`/manifests/${pushed.index}`));
  const lateUploads = seen.filter((request) => request.upstream === destinations[2]!.host && request.method === "POST");
  expect(indexPuts.filter((request) => request.upstream !== destinations[2]!.host)).toHaveLength(2);
  expect(lateUploads.length).toBeGreaterThan(0);
  for (const put of indexPuts.filter((request) => request.upstream !== destinations[2]!.host)) {
    expect(put.sequence).toBeLessThan(lateUploads[0]!.sequence);
  }
  expect(late.injected["429-retry-after"]).toBeGreaterThanOrEqual(1 + pushed.children.length);
});

test("a small blob whose upload is refused with 503 is sent again into the same session: one upload session per blob, each source blob read once", async () => {
  const refused = new ScriptedFaults((method, path) => (method === "PUT" && path.includes("/blobs/uploads/") ? { kind: "503", times: 1 } : undefined));
  const proxy = await startFaultProxy({ upstream: destinations[3]!.host, injector: refused });
  proxies.push(proxy);
  const reads: string[] = [];
  const counting = new RegistryClient({ timeoutMs: 20_000, observer: (event) => void (event.method === "GET" && event.url.includes("/blobs/") && reads.push(event.url)) });

  const result = await copyImage(counting, repo(staging.host, "staging/app"), repo(proxy.host, "prod/app"), pushed.index);

  expect(result.blobsUploaded).toBe(pushed.blobs.length);
  expect(refused.injected["503"]).toBe(pushed.blobs.length);
  // Without the copy in memory, each refused PUT (a one-shot stream) costs a new session and a new source read.
  expect(proxy.requests.filter((request) => request.method === "POST")).toHaveLength(pushed.blobs.length);
  expect(reads).toHaveLength(pushed.blobs.length);
  expect(await client.headManifest(repo(proxy.host, "prod/app"), pushed.index)).toMatchObject({ digest: pushed.index });
});
