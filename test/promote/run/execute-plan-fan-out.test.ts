/**
 * executePlan copies one source image to all its destinations together, against real docker-registry
 * processes on 127.0.0.1: every source blob is read once, and a destination host that is down fails alone.
 */
import type { EdgeDecision } from "../../../lib/promote/plan/assess-edge";
import { executePlan } from "../../../lib/promote/run/execute-plan";
import { RegistryClient } from "../../../lib/registry/client";
import type { RequestEvent } from "../../../lib/registry/transport";
import { startRegistry, type HarnessRegistry } from "../../harness/registry";
import { pushTestIndex, type PushedIndex } from "../../registry/test-images";
import { findFreePort } from "../../harness/free-port";

let staging: HarnessRegistry;
let production: HarnessRegistry;
let pushed: PushedIndex;
const requests: RequestEvent[] = [];
const client = new RegistryClient({ timeoutMs: 20_000, sleep: async () => undefined, observer: (event) => requests.push(event) });

function copyDecision(destination: string, digest: string, tags: string[]): EdgeDecision {
  const source = `${staging.host}/staging/app`;
  return {
    edge: { destination, digest, tags, claims: [{ project: "p", source, tags }] },
    action: "copy",
    source,
    addTags: tags,
    presentTags: [],
    refusedTags: [],
  };
}

beforeAll(async () => {
  [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
  pushed = await pushTestIndex(client, { host: staging.host, path: "staging/app" }, "execute-fan-out");
});

afterAll(async () => {
  await Promise.all([staging?.dispose(), production?.dispose()]);
});

test("one image to three destinations: blobs read once, the down host fails alone, the others are copied and tagged", async () => {
  const down = `127.0.0.1:${await findFreePort()}`;
  const decisions = [
    copyDecision(`${production.host}/prod/app`, pushed.index, ["v1", "v1.0"]),
    copyDecision(`${down}/prod/app`, pushed.index, ["v1"]),
    copyDecision(`${staging.host}/prod/app`, pushed.index, ["v1"]),
  ];
  requests.length = 0;
  const { failures, totals } = await executePlan(client, decisions, { concurrency: 1 });
  const blobGets = requests.filter((event) => event.method === "GET" && event.url.includes("/blobs/"));

  expect([...failures.keys()]).toEqual([decisions[1]]);
  expect(failures.get(decisions[1]!)).toMatch(new RegExp(`^HEAD http://${down}/v2/prod/app/manifests/${pushed.index}: NETWORK: `));
  const sizes = await Promise.all(pushed.blobs.map((digest) => client.headBlob({ host: staging.host, path: "staging/app" }, digest)));
  const blobBytes = sizes.reduce((sum, head) => sum + (head === "absent" ? Number.NaN : head.size), 0);
  expect(totals).toEqual({ imagesCopied: 2, tagsWritten: 3, bytesUploaded: blobBytes, blobsMounted: 6 });
  expect(blobGets.length).toBe(pushed.blobs.length);
  for (const tag of ["v1", "v1.0"]) expect(await client.headManifest({ host: production.host, path: "prod/app" }, tag)).toMatchObject({ digest: pushed.index });
  expect(await client.headManifest({ host: staging.host, path: "prod/app" }, "v1")).toMatchObject({ digest: pushed.index });
});

test("a copy that fails in the destination is reported for that decision and writes no tag", async () => {
  const missing = `sha256:${"2".repeat(64)}`;
  const decision = copyDecision(`${production.host}/prod/other`, missing, ["v9"]);
  const { failures, totals } = await executePlan(client, [decision]);
  expect(failures.get(decision)).toBe(`GET http://${staging.host}/v2/staging/app/manifests/${missing}: 404 MANIFEST_UNKNOWN: manifest GET failed: manifest unknown`);
  expect(totals).toEqual({ imagesCopied: 0, tagsWritten: 0, bytesUploaded: 0, blobsMounted: 0 });
  expect(await client.headManifest({ host: production.host, path: "prod/other" }, "v9")).toBe("absent");
});
