import type { EdgeDecision } from "../../../lib/promote/plan/assess-edge";
import { executePlan } from "../../../lib/promote/run/execute-plan";
import { RegistryClient } from "../../../lib/registry/client";
import { findFreePort } from "../../harness/free-port";

function tagDecision(destination: string, n: number): EdgeDecision {
  const digest = `sha256:${n.toString(16).padStart(64, "0")}`;
  return {
    edge: { destination, digest, tags: ["v1"], claims: [{ project: "p", source: "127.0.0.1:1/s", tags: ["v1"] }] },
    action: "tag",
    addTags: ["v1"],
    presentTags: [],
    refusedTags: [],
  };
}

describe("executePlan", () => {
  it("stops trying a destination host after two images in a row fail to connect, and says so", async () => {
    const host = `127.0.0.1:${await findFreePort()}`;
    const requested: string[] = [];
    const client = new RegistryClient({
      sleep: async () => undefined,
      observer: (event) => requested.push(event.url),
    });
    const decisions = [1, 2, 3, 4, 5].map((n) => tagDecision(`${host}/prod/app`, n));
    const { failures, totals } = await executePlan(client, decisions, { concurrency: 1 });

    expect(totals.tagsWritten).toBe(0);
    expect(failures.size).toBe(5);
    const messages = decisions.map((decision) => failures.get(decision)!);
    expect(messages[0]).toMatch(/NETWORK/);
    expect(messages[1]).toMatch(/NETWORK/);
    for (const message of messages.slice(2)) {
      expect(message).toBe(`not attempted: ${host} unreachable after 2 failed images in a row (last: ${messages[1]})`);
    }
    const digestsTried = new Set(requested.map((url) => /manifests\/(sha256:[0-9a-f]+)/.exec(url)?.[1]));
    expect([...digestsTried].sort()).toEqual([decisions[0]!.edge.digest, decisions[1]!.edge.digest]);
  });

  it("tries every image while fewer than unreachableAfter images failed in a row", async () => {
    const host = `127.0.0.1:${await findFreePort()}`;
    const client = new RegistryClient({ sleep: async () => undefined });
    const decisions = [1, 2, 3].map((n) => tagDecision(`${host}/prod/app`, n));
    const { failures } = await executePlan(client, decisions, { concurrency: 1, unreachableAfter: 5, imageRetryDelayMs: 0 });
    for (const decision of decisions) expect(failures.get(decision)).toMatch(/NETWORK/);
  });
});
