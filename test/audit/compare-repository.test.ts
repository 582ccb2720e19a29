import { compareRepository, type ObservedRepository } from "../../lib/audit/compare-repository";

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const repo = "r.example/images/app";

function observed(tags: Record<string, string>, options: { untagged?: string[]; complete?: boolean; absent?: string[] } = {}): ObservedRepository {
  const held = new Map<string, string[]>();
  for (const [tag, digest] of Object.entries(tags)) held.set(digest, [...(held.get(digest) ?? []), tag]);
  for (const digest of options.untagged ?? []) held.set(digest, []);
  const manifests = new Map([...held.keys()].map((digest) => [digest, ""]));
  return {
    inventory: { repository: repo, tags: new Map(Object.entries(tags)), manifests, complete: options.complete ?? false },
    held,
    absent: new Set(options.absent ?? []),
  };
}

test.each([
  ["everything in place", { v1: d("a") }, {}, new Map([[d("a"), ["v1"]]]), []],
  ["a tagless wanted digest HEAD found present", {}, {}, new Map([[d("a"), []]]), []],
  ["a tagless wanted digest HEAD found absent", {}, { absent: [d("a")] }, new Map([[d("a"), []]]), [`missing-digest ${d("a")}`]],
  ["a complete listing without the digest", {}, { complete: true }, new Map([[d("a"), ["v1"]]]), [`missing-digest ${d("a")}`]],
  ["a moved tag is reported once, as moved", { v1: d("b") }, {}, new Map([[d("a"), ["v1"]], [d("b"), []]]), [`tag-moved ${d("a")} v1`]],
  ["a moved tag on an unwanted digest: moved, and the digest unexpected", { v1: d("b") }, {}, new Map([[d("a"), ["v1"]]]), [`unexpected-digest ${d("b")}`, `tag-moved ${d("a")} v1`]],
  ["nothing wanted here at all", { x: d("c") }, { untagged: [d("e")], complete: true }, undefined, [`unexpected-digest ${d("c")}`, `unexpected-digest ${d("e")}`]],
])("%s", (_name, tags, options, wanted, expected) => {
  const findings = compareRepository(repo, wanted as ReadonlyMap<string, readonly string[]> | undefined, observed(tags as Record<string, string>, options));
  expect(findings.map((f) => [f.kind, f.digest, f.tag].filter(Boolean).join(" "))).toEqual(expected);
  expect(findings.every((finding) => finding.repository === repo)).toBe(true);
});
