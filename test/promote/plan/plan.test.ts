import type { Manifest } from "../../../lib/promote/manifests/types";
import { decidePlan } from "../../../lib/promote/plan/decide-plan";
import { buildEdges, type PromotionEdge } from "../../../lib/promote/plan/edges";
import {
  emptyObservations,
  recordChildren,
  recordHead,
  recordTagList,
  type Observations,
  type Read,
} from "../../../lib/promote/plan/observations";
import { readKey, readsNeeded } from "../../../lib/promote/plan/plan-reads";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const [A, B, C, S] = [D("a"), D("b"), D("c"), D("5")];
const SIG = `sha256-${"a".repeat(64)}.sig`;
const ATT = `sha256-${"a".repeat(64)}.att`;

/** A minimal validated manifest; positions are not needed by the plan. */
function manifest(project: string, src: string, dests: string[], images: Record<string, Record<string, string[]>>): Manifest {
  const unused = { file: "x", locate: () => ({ line: 1, col: 1 }), problemAt: () => ({ file: "x", line: 1, col: 1, path: "", message: "" }) };
  return {
    project,
    file: `manifests/${project}/promoter-manifest.yaml`,
    imagesFile: `images/${project}/images.yaml`,
    registries: [{ name: src, src: true, index: 0 }, ...dests.map((name, i) => ({ name, src: false, index: i + 1 }))],
    images: Object.entries(images).map(([name, dmap], i) => ({ name, dmap: new Map(Object.entries(dmap)), path: [i] })),
    registriesSource: unused,
    imagesSource: unused,
  };
}

/** Registries as they are: repository → tag → digest, and untagged digests. */
type World = Record<string, { tags?: Record<string, string>; untagged?: string[]; children?: Record<string, string[]> }>;

/** Plays the network layer: answers every read from `world` until the planner needs nothing more. */
function observe(edges: PromotionEdge[], world: World, extension = false): { observations: Observations; reads: string[] } {
  const observations = emptyObservations();
  const reads: string[] = [];
  for (let round = readsNeeded(edges, observations); round.length > 0; round = readsNeeded(edges, observations)) {
    for (const read of round) {
      reads.push(readKey(read));
      answer(observations, world, read, extension);
    }
  }
  return { observations, reads };
}

function answer(observations: Observations, world: World, read: Read, extension: boolean): void {
  const repo = world[read.repository] ?? {};
  const tags = repo.tags ?? {};
  if (read.kind === "tags") {
    const digestTags = new Map<string, string[]>();
    for (const digest of repo.untagged ?? []) digestTags.set(digest, []);
    for (const [tag, digest] of Object.entries(tags)) digestTags.set(digest, [...(digestTags.get(digest) ?? []), tag]);
    recordTagList(observations, read.repository, Object.keys(tags), extension ? digestTags : undefined);
  } else if (read.kind === "children") {
    recordChildren(observations, read, repo.children?.[read.reference] ?? []);
  } else if (read.reference.startsWith("sha256:")) {
    const present = Object.values(tags).includes(read.reference) || (repo.untagged ?? []).includes(read.reference);
    recordHead(observations, read, present ? read.reference : undefined);
  } else recordHead(observations, read, tags[read.reference]);
}

const SRC = "gcr.io/staging";
const PROD = "127.0.0.1:5000/prod";

describe("buildEdges", () => {
  it("groups per (destination repository, digest), with path prefixes, merged claims and sorted output", () => {
    const edges = buildEdges([
      manifest("b", SRC, [`${PROD}/b`, "eu.gcr.io/prod"], { "e2e/foo": { [A]: ["1.0", "latest"], [B]: [] } }),
      manifest("a", "gcr.io/other", ["eu.gcr.io/prod"], { "e2e/foo": { [A]: ["1.0"] } }),
    ]);
    expect(edges).toEqual([
      {
        destination: `${PROD}/b/e2e/foo`,
        digest: A,
        tags: ["1.0", "latest"],
        claims: [{ project: "b", source: `${SRC}/e2e/foo`, tags: ["1.0", "latest"] }],
      },
      { destination: `${PROD}/b/e2e/foo`, digest: B, tags: [], claims: [{ project: "b", source: `${SRC}/e2e/foo`, tags: [] }] },
      {
        destination: "eu.gcr.io/prod/e2e/foo",
        digest: A,
        tags: ["1.0", "latest"],
        claims: [
          { project: "a", source: "gcr.io/other/e2e/foo", tags: ["1.0"] },
          { project: "b", source: `${SRC}/e2e/foo`, tags: ["1.0", "latest"] },
        ],
      },
      { destination: "eu.gcr.io/prod/e2e/foo", digest: B, tags: [], claims: [{ project: "b", source: `${SRC}/e2e/foo`, tags: [] }] },
    ]);
  });

  it("throws for a manifest without a source registry", () => {
    const broken = { ...manifest("a", SRC, [PROD], {}), registries: [] };
    expect(() => buildEdges([broken])).toThrow("manifest manifests/a/promoter-manifest.yaml has no source registry; validate it first");
  });
});

describe("readsNeeded", () => {
  const GCR = "eu.gcr.io/prod";
  const images = { foo: { [A]: ["1.0", "1.1", "1.2"], [B]: [] } };
  const edges = buildEdges([manifest("p", SRC, [PROD], images)]);
  const googleEdges = buildEdges([manifest("p", SRC, [GCR], images)]);

  it("asks for every tag list first, then only the HEADs the lists cannot settle", () => {
    const observations = emptyObservations();
    expect(readsNeeded(googleEdges, observations).map(readKey)).toEqual([`tags ${GCR}/foo`, `tags ${SRC}/foo`]);
    recordTagList(observations, `${GCR}/foo`, ["1.0", "other"]);
    recordTagList(observations, `${SRC}/foo`, ["1.0"]);
    // 1.0 is present: HEAD it; B is tagless: HEAD the digest; the source is not read yet.
    expect(readsNeeded(googleEdges, observations).map(readKey)).toEqual([`head ${GCR}/foo 1.0`, `head ${GCR}/foo ${B}`]);
  });

  it("needs no HEAD at all when the registry answers with the digest → tags extension", () => {
    const world: World = { [`${GCR}/foo`]: { tags: { "1.0": A, "1.1": A, "1.2": A }, untagged: [B] }, [`${SRC}/foo`]: {} };
    expect(observe(googleEdges, world, true).reads).toEqual([`tags ${GCR}/foo`, `tags ${SRC}/foo`]);
  });

  it("reads a generic registry's destination by HEADs alone: one per tag on a rerun, and never the source's digests", () => {
    const world: World = { [`${PROD}/foo`]: { tags: { "1.0": A, "1.1": A, "1.2": A }, untagged: [B] }, [`${SRC}/foo`]: {} };
    expect(observe(edges, world).reads).toEqual([
      `tags ${SRC}/foo`,
      `head ${PROD}/foo 1.0`,
      `head ${PROD}/foo 1.1`,
      `head ${PROD}/foo 1.2`,
      `head ${PROD}/foo ${B}`,
    ]);
  });

  it("asks the source about a digest with the destination when no wanted tag points at it, else once a copy is needed", () => {
    const world: World = { [`${PROD}/foo`]: {}, [`${SRC}/foo`]: { tags: { "1.0": A }, untagged: [B] } };
    expect(observe(edges, world).reads).toEqual([
      `tags ${SRC}/foo`,
      `head ${PROD}/foo 1.0`,
      `head ${PROD}/foo 1.1`,
      `head ${PROD}/foo 1.2`,
      // B is tagless (a rerun's HEAD may well find it): the destination alone; A's tags are absent: both at once.
      `head ${PROD}/foo ${B}`,
      `head ${PROD}/foo ${A}`,
      `head ${SRC}/foo ${A}`,
      `head ${SRC}/foo ${B}`,
    ]);
  });
});

describe("decidePlan", () => {
  const decide = (images: Record<string, string[]>, world: World, extension = false) => {
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: images })]);
    return decidePlan(edges, observe(edges, world, extension).observations);
  };
  const summary = (plan: ReturnType<typeof decidePlan>) =>
    plan.decisions.map((d) => [d.edge.digest.slice(7, 8), d.action, d.source ?? "", d.addTags.join(","), d.refusedTags.map((r) => r.tag).join(",")]);

  test.each<[string, Record<string, string[]>, World, string[][]]>([
    ["already there with all tags → skip", { [A]: ["1.0"] }, { [`${PROD}/foo`]: { tags: { "1.0": A } } }, [["a", "skip", "", "", ""]]],
    ["there without some tags → tag", { [A]: ["1.0", "2"] }, { [`${PROD}/foo`]: { tags: { "1.0": A } } }, [["a", "tag", "", "2", ""]]],
    ["there untagged, tagless promotion → skip", { [A]: [] }, { [`${PROD}/foo`]: { untagged: [A] } }, [["a", "skip", "", "", ""]]],
    ["absent → one copy then all three tags", { [A]: ["1", "2", "3"] }, { [`${SRC}/foo`]: { tags: { x: A } } }, [["a", "copy", `${SRC}/foo`, "1,2,3", ""]]],
    ["absent from the source too → fail", { [A]: ["1.0"] }, { [`${SRC}/foo`]: { tags: { x: B } } }, [["a", "fail", "", "", ""]]],
    [
      "a tag pointing elsewhere is refused, the digest still copied with its other tags",
      { [A]: ["1.0", "1.1"] },
      { [`${PROD}/foo`]: { tags: { "1.0": B } }, [`${SRC}/foo`]: { untagged: [A] } },
      [["a", "copy", `${SRC}/foo`, "1.1", "1.0"]],
    ],
    [
      "a refused tag on a digest already there → skip with the refusal",
      { [A]: ["1.0", "1.1"] },
      { [`${PROD}/foo`]: { tags: { "1.0": B, "1.1": A } } },
      [["a", "skip", "", "", "1.0"]],
    ],
  ])("%s", (_name, images, world, expected) => {
    expect(summary(decide(images, world))).toEqual(expected);
    expect(summary(decide(images, world, true))).toEqual(expected);
  });

  it("copies from the second source when the first lost the digest", () => {
    const edges = buildEdges([
      manifest("a", "gcr.io/a", [PROD], { foo: { [A]: ["1.0"] } }),
      manifest("b", "gcr.io/b", [PROD], { foo: { [A]: ["1.0"] } }),
    ]);
    const plan = decidePlan(edges, observe(edges, { "gcr.io/b/foo": { untagged: [A] } }).observations);
    expect(plan.decisions.map((d) => [d.action, d.source])).toEqual([["copy", "gcr.io/b/foo"]]);
    expect(plan.projects.map((p) => [p.project, p.copied.length])).toEqual([["a", 1], ["b", 1]]);
  });

  it("carries signature and attestation tags of a promoted digest found in the source", () => {
    const world: World = { [`${SRC}/foo`]: { tags: { "1.0": A, [SIG]: S, [ATT]: C, [`sha256-${"9".repeat(64)}.sig`]: B } } };
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: { [A]: ["1.0"] } })]);
    const { observations, reads } = observe(edges, world);
    expect(reads).toContain(`head ${SRC}/foo ${SIG}`);
    expect(reads).not.toContain(`head ${SRC}/foo sha256-${"9".repeat(64)}.sig`);
    // The unclaimed signature might belong to a child of A: A's children are read once, and it is not one.
    expect(reads).toContain(`children ${SRC}/foo ${A}`);
    const plan = decidePlan(edges, observations);
    expect(plan.decisions.map((d) => [d.edge.digest, d.action, d.addTags, d.edge.signatureOf])).toEqual([
      [A, "copy", ["1.0"], undefined],
      [S, "copy", [SIG], A],
      [C, "copy", [ATT], A],
    ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)));
  });

  it("carries the .sig and .sbom tags of an index's children (cosign sign --recursive)", () => {
    const child = D("e");
    const childSig = `sha256-${"e".repeat(64)}.sig`;
    const sbom = `sha256-${"a".repeat(64)}.sbom`;
    const world: World = { [`${SRC}/foo`]: { tags: { "1.0": A, [childSig]: S, [sbom]: C }, untagged: [child], children: { [A]: [child, B] } } };
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: { [A]: ["1.0"] } })]);
    const plan = decidePlan(edges, observe(edges, world).observations);
    expect(plan.decisions.map((d) => [d.edge.digest, d.addTags, d.edge.signatureOf])).toEqual([
      [A, ["1.0"], undefined],
      [S, [childSig], A],
      [C, [sbom], A],
    ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)));
  });

  it("reads no children where every signature tag of the source belongs to a promoted digest", () => {
    const world: World = { [`${SRC}/foo`]: { tags: { "1.0": A, [SIG]: S } } };
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: { [A]: ["1.0"] } })]);
    expect(observe(edges, world).reads.filter((read) => read.startsWith("children"))).toEqual([]);
  });

  it("reports per project, sorted: copied, tagged, skipped, refused, failed", () => {
    const edges = buildEdges([
      manifest("one", SRC, [PROD], { foo: { [A]: ["new"], [B]: ["1.0"], [D("d")]: ["gone"] } }),
      manifest("two", SRC, [PROD], { foo: { [A]: ["old"] } }),
    ]);
    const world: World = {
      [`${PROD}/foo`]: { tags: { old: A, "1.0": C } },
      [`${SRC}/foo`]: { untagged: [B] },
    };
    const plan = decidePlan(edges, observe(edges, world).observations);
    expect(plan.projects).toEqual([
      {
        project: "one",
        copied: [{ destination: `${PROD}/foo`, digest: B, tags: [], source: `${SRC}/foo` }],
        tagged: [{ destination: `${PROD}/foo`, digest: A, tags: ["new"] }],
        skipped: [],
        refused: [
          { destination: `${PROD}/foo`, digest: B, tags: ["1.0"], message: `${PROD}/foo:1.0 points to ${C}; tags are never moved` },
        ],
        failed: [{ destination: `${PROD}/foo`, digest: D("d"), tags: ["gone"], message: `${D("d")} not found in ${SRC}/foo` }],
      },
      { project: "two", copied: [], tagged: [], skipped: [{ destination: `${PROD}/foo`, digest: A, tags: ["old"] }], refused: [], failed: [] },
    ]);
  });

  it("throws when observations are incomplete", () => {
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: { [A]: ["1.0"] } })]);
    expect(() => decidePlan(edges, emptyObservations())).toThrow(
      `observations incomplete: 2 read(s) still needed, first: tags ${SRC}/foo`,
    );
  });
});

describe("observations", () => {
  it("rejects an extension naming a tag the list lacks, and a HEAD record for a tag-list read", () => {
    expect(() => recordTagList(emptyObservations(), "r", [], new Map([[A, ["x"]]]))).toThrow(
      "r: extension names tag x missing from the tag list",
    );
    expect(() => recordHead(emptyObservations(), { kind: "tags", repository: "r" }, A)).toThrow(
      "recordHead needs a head read, got tags",
    );
  });

  it("forgets a tag whose HEAD answers 404 (deleted after the list was read), so it is added again", () => {
    const edges = buildEdges([manifest("p", SRC, [PROD], { foo: { [A]: ["1.0"] } })]);
    const observations = emptyObservations();
    recordTagList(observations, `${PROD}/foo`, ["1.0"]);
    recordTagList(observations, `${SRC}/foo`, []);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, undefined);
    expect(readsNeeded(edges, observations).map(readKey)).toEqual([`head ${PROD}/foo ${A}`, `head ${SRC}/foo ${A}`]);
  });
});
