/**
 * Images that failed on a transient error are tried again after a pause, while the others go on; other failures
 * are final. A scripted registry on 127.0.0.1 plays the failures (a real one will not fail on demand).
 */
import { createHash } from "node:crypto";
import type { EdgeDecision } from "../../../lib/promote/plan/assess-edge";
import type { Progress } from "../../../lib/promote/progress";
import { executePlan } from "../../../lib/promote/run/execute-plan";
import { RegistryClient } from "../../../lib/registry/client";
import { startScriptedOrigin, type ScriptedOrigin } from "../../harness/scripted-origin";

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [] }));
const DIGEST = `sha256:${createHash("sha256").update(MANIFEST).digest("hex")}`;
const MANIFEST_HEADERS = { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": DIGEST };

let origin: ScriptedOrigin;
beforeEach(async () => {
  origin = await startScriptedOrigin();
});
afterEach(async () => {
  await origin.close();
});

/** A decision to tag `prod/app@DIGEST` as v1 on the scripted registry (the tag needs a GET of the manifest, then a PUT). */
function tagDecision(): EdgeDecision {
  return {
    edge: { destination: `${origin.host}/prod/app`, digest: DIGEST, tags: ["v1"], claims: [{ project: "p", source: `${origin.host}/staging/app`, tags: ["v1"] }] },
    action: "tag",
    addTags: ["v1"],
    presentTags: [],
    refusedTags: [],
  };
}

/** Notes and failed steps, as the progress display would show them. */
function recordingProgress(): Progress & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    phase: () => undefined,
    more: () => undefined,
    step: (label, error) => void (error !== undefined && lines.push(`FAILED ${label}: ${error}`)),
    addBytes: () => undefined,
    note: (text) => void lines.push(text),
    finish: () => undefined,
  };
}

// Retries within a request are not what is tested here: no backoff, and no pause between an image's attempts.
const client = new RegistryClient({ sleep: async () => undefined });
const manifestPath = `/v2/prod/app/manifests/${DIGEST}`;

test("an image whose requests kept failing with 503 is tried again, and its second attempt promotes it", async () => {
  origin.intercept({ method: "GET", path: manifestPath }).reply(503).times(5);
  origin.intercept({ method: "GET", path: manifestPath }).reply(200, MANIFEST, { headers: MANIFEST_HEADERS });
  origin.intercept({ method: "PUT", path: "/v2/prod/app/manifests/v1" }).reply(201, "", { headers: { "docker-content-digest": DIGEST } });
  const progress = recordingProgress();
  const decision = tagDecision();

  const { failures, totals } = await executePlan(client, [decision], { imageRetryDelayMs: 0, progress });

  expect(failures.size).toBe(0);
  expect(totals.tagsWritten).toBe(1);
  expect(progress.lines).toEqual([
    `retrying later (attempt 2 of 3) ${origin.host}/prod/app@${DIGEST}: GET http://${origin.host}${manifestPath}: 503: giving up after 5 attempt(s)`,
  ]);
  expect(origin.unmatched).toEqual([]);
});

test("an image that keeps failing on transient errors fails after its attempts, each a full set of retries", async () => {
  origin.intercept({ method: "GET", path: manifestPath }).reply(503).times(15);
  const decision = tagDecision();

  const { failures } = await executePlan(client, [decision], { imageRetryDelayMs: 0 });

  expect(failures.get(decision)).toBe(`GET http://${origin.host}${manifestPath}: 503: giving up after 5 attempt(s)`);
  expect(origin.requests.filter((request) => request.method === "GET")).toHaveLength(15);
  expect(origin.unmatched).toEqual([]);
});

test("a failure no later attempt can change (the manifest is unknown) is final at once", async () => {
  origin.intercept({ method: "GET", path: manifestPath }).reply(404, JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }));
  const progress = recordingProgress();
  const decision = tagDecision();

  const { failures } = await executePlan(client, [decision], { imageRetryDelayMs: 0, progress });

  expect(failures.get(decision)).toMatch(/404 MANIFEST_UNKNOWN/);
  expect(origin.requests).toHaveLength(1);
  expect(progress.lines).toEqual([expect.stringMatching(/^FAILED /)]);
});
