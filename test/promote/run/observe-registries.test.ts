import type { PromotionEdge } from "../../../lib/promote/plan/edges";
import { observeRegistries } from "../../../lib/promote/run/observe-registries";
import { RegistryClient } from "../../../lib/registry/client";
import { findFreePort } from "../../harness/free-port";
import { startScriptedOrigin, type ScriptedOrigin } from "../../harness/scripted-origin";

function edge(destination: string, source: string, n: number): PromotionEdge {
  const digest = `sha256:${n.toString(16).padStart(64, "0")}`;
  return { destination, digest, tags: ["v1"], claims: [{ project: "p", source, tags: ["v1"] }] };
}

describe("observeRegistries", () => {
  it("skips the remaining reads of a host after two reads in a row failed to connect, and sets its edges aside", async () => {
    const down = `127.0.0.1:${await findFreePort()}`;
    const requested: string[] = [];
    const client = new RegistryClient({ sleep: async () => undefined, observer: (event) => requested.push(event.url) });
    const edges = [1, 2, 3, 4, 5].map((n) => edge(`${down}/prod/app${n}`, `${down}/staging/app${n}`, n));

    const observed = await observeRegistries(client, edges, { concurrency: 1, readRetryDelayMs: 0 });

    expect(observed.reachableEdges).toEqual([]);
    expect(observed.unreadable.size).toBe(10);
    const repositoriesTried = new Set(requested.map((url) => /\/v2\/(.+)\/tags\/list/.exec(url)?.[1]));
    expect(repositoriesTried.size).toBe(2);
    const skipped = [...observed.unreadable.values()].filter((message) => message.startsWith("not attempted:"));
    // The first read, due to be tried again, finds the host given up on by then.
    expect(skipped).toHaveLength(9);
    expect(skipped[0]).toMatch(new RegExp(`^not attempted: ${down} unreachable after 2 failed reads in a row \\(last: .*NETWORK`));
  });
});

describe("observeRegistries on transient failures", () => {
  let origin: ScriptedOrigin;
  beforeEach(async () => {
    origin = await startScriptedOrigin();
  });
  afterEach(async () => {
    await origin.close();
  });

  it("tries a read whose retries ran out on 503s again a little later, instead of setting its edges aside", async () => {
    origin.intercept({ method: "GET", path: "/v2/staging/app/tags/list" }).reply(503).times(5);
    origin.intercept({ method: "GET", path: "/v2/staging/app/tags/list" }).reply(200, JSON.stringify({ name: "staging/app", tags: [] }));
    origin.intercept({ method: "HEAD", path: "/v2/prod/app/manifests/v1" }).reply(404);
    origin.intercept({ method: "HEAD", path: `/v2/prod/app/manifests/${edge("x", "y", 1).digest}` }).reply(404);
    origin.intercept({ method: "HEAD", path: `/v2/staging/app/manifests/${edge("x", "y", 1).digest}` }).reply(404);
    const client = new RegistryClient({ sleep: async () => undefined });
    const notes: string[] = [];
    const progress = { phase: () => undefined, more: () => undefined, step: () => undefined, addBytes: () => undefined, note: (text: string) => void notes.push(text), finish: () => undefined };

    const observed = await observeRegistries(client, [edge(`${origin.host}/prod/app`, `${origin.host}/staging/app`, 1)], { readRetryDelayMs: 0, progress });

    expect(origin.unmatched).toEqual([]);
    expect(observed.unreadable.size).toBe(0);
    expect(observed.reachableEdges).toHaveLength(1);
    expect(notes).toEqual([expect.stringMatching(/^retrying later \(attempt 2 of 3\) tags .*staging\/app: .*503: giving up after 5 attempt\(s\)$/)]);
    expect(origin.unmatched).toEqual([]);
  });
});
