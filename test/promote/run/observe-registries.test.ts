import type { PromotionEdge } from "../../../lib/promote/plan/edges";
import { observeRegistries } from "../../../lib/promote/run/observe-registries";
import { RegistryClient } from "../../../lib/registry/client";
import { findFreePort } from "../../harness/free-port";

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

    const observed = await observeRegistries(client, edges, { concurrency: 1 });

    expect(observed.reachableEdges).toEqual([]);
    // The staging lists are read first; the destinations (read tag by tag) are never reached.
    expect(observed.unreadable.size).toBe(5);
    const repositoriesTried = new Set(requested.map((url) => /\/v2\/(.+)\/tags\/list/.exec(url)?.[1]));
    expect(repositoriesTried.size).toBe(2);
    const skipped = [...observed.unreadable.values()].filter((message) => message.startsWith("not attempted:"));
    expect(skipped).toHaveLength(3);
    expect(skipped[0]).toMatch(new RegExp(`^not attempted: ${down} unreachable after 2 failed reads in a row \\(last: .*NETWORK`));
  });
});
