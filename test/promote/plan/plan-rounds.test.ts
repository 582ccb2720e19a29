import type { Manifest } from "../../../lib/promote/manifests/types";
import { decidePlan } from "../../../lib/promote/plan/decide-plan";
import { buildEdges } from "../../../lib/promote/plan/edges";
import { emptyObservations, observationJournal, recordHead, recordTagList } from "../../../lib/promote/plan/observations";
import { readKey, readsNeeded } from "../../../lib/promote/plan/plan-reads";
import { planRound, repositoriesToList } from "../../../lib/promote/plan/plan-rounds";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const SRC = "gcr.io/staging";
const PROD = "127.0.0.1:5000/prod";

function manifest(images: Record<string, Record<string, string[]>>, dests = [PROD]): Manifest {
  const unused = { file: "x", locate: () => ({ line: 1, col: 1 }), problemAt: () => ({ file: "x", line: 1, col: 1, path: "", message: "" }) };
  return {
    project: "p",
    file: "manifests/p/promoter-manifest.yaml",
    imagesFile: "images/p/images.yaml",
    registries: [{ name: SRC, src: true, index: 0 }, ...dests.map((name, i) => ({ name, src: false, index: i + 1 }))],
    images: Object.entries(images).map(([name, dmap], i) => ({ name, dmap: new Map(Object.entries(dmap)), path: [i] })),
    registriesSource: unused,
    imagesSource: unused,
  };
}

describe("planRound", () => {
  it("keeps earlier decisions across rounds and hands them out again unchanged", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0"], [B]: [] } })]);
    const observations = emptyObservations();
    recordTagList(observations, `${PROD}/foo`, ["1.0"]);
    recordTagList(observations, `${SRC}/foo`, []);
    expect(planRound(edges, observations).reads.map(readKey)).toEqual([`head ${PROD}/foo 1.0`, `head ${PROD}/foo ${B}`]);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, A);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: B }, B);
    const first = planRound(edges, observations);
    expect(first.reads).toEqual([]);
    expect(first.decisions!.map((d) => [d.edge.digest, d.action])).toEqual([[A, "skip"], [B, "skip"]]);
    const again = planRound(edges, observations);
    expect(again.decisions![0]).toBe(first.decisions![0]);
    expect(decidePlan(edges, observations).decisions[1]).toBe(first.decisions![1]);
  });

  it("starts over when an answer nobody asked for was recorded, so a decision never rests on stale facts", () => {
    const edges = buildEdges([manifest({ foo: { [A]: [] } })]);
    const observations = emptyObservations();
    recordTagList(observations, `${PROD}/foo`, []);
    recordTagList(observations, `${SRC}/foo`, []);
    expect(readsNeeded(edges, observations).map(readKey)).toEqual([`head ${PROD}/foo ${A}`]);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: A }, undefined);
    expect(readsNeeded(edges, observations).map(readKey)).toEqual([`head ${SRC}/foo ${A}`]);
    recordHead(observations, { kind: "head", repository: `${SRC}/foo`, reference: A }, A);
    expect(decidePlan(edges, observations).decisions.map((d) => d.action)).toEqual(["copy"]);
    // The image appeared meanwhile and someone recorded it: the copy decided before must not survive.
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "latest" }, A);
    expect(decidePlan(edges, observations).decisions.map((d) => d.action)).toEqual(["skip"]);
  });

  it("starts over when a tag list is read again", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0"] } })]);
    const observations = emptyObservations();
    recordTagList(observations, `${PROD}/foo`, ["1.0"]);
    recordTagList(observations, `${SRC}/foo`, []);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, A);
    expect(planRound(edges, observations).decisions!.map((d) => d.action)).toEqual(["skip"]);
    recordTagList(observations, `${PROD}/foo`, ["1.0", "extra"]);
    expect(planRound(edges, observations).decisions!.map((d) => d.action)).toEqual(["skip"]);
    // The tag vanished (the digest is still known to be there): it must be written again.
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, undefined);
    expect(planRound(edges, observations).decisions!.map((d) => [d.action, d.addTags])).toEqual([["tag", ["1.0"]]]);
  });

  it("asks for tag lists first and decides nothing before they are read", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0"] } }, ["eu.gcr.io/prod"])]);
    const round = planRound(edges, emptyObservations());
    expect(round.reads.map(readKey)).toEqual([`tags eu.gcr.io/prod/foo`, `tags ${SRC}/foo`]);
    expect(round.decisions).toBeUndefined();
  });

  it("reads a destination without the listing extension tag by tag, with the lists: a rerun is one round, one HEAD per wanted tag", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0", "latest"] } })]);
    const observations = emptyObservations();
    expect(readsNeeded(edges, observations).map(readKey)).toEqual([`tags ${SRC}/foo`, `head ${PROD}/foo 1.0`, `head ${PROD}/foo latest`]);
    recordTagList(observations, `${SRC}/foo`, ["1.0", "latest"]);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, A);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "latest" }, A);
    expect(planRound(edges, observations).decisions!.map((d) => [d.action, d.presentTags])).toEqual([["skip", ["1.0", "latest"]]]);
  });

  it("settles a destination read tag by tag from its 404s: a missing tag is added, a tag elsewhere refused", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0", "latest"] } })]);
    const observations = emptyObservations();
    recordTagList(observations, `${SRC}/foo`, []);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "1.0" }, undefined);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: "latest" }, B);
    // Neither tag names the digest: is it there untagged? Most likely not, so the source is asked at once too.
    expect(readsNeeded(edges, observations).map(readKey)).toEqual([`head ${PROD}/foo ${A}`, `head ${SRC}/foo ${A}`]);
    recordHead(observations, { kind: "head", repository: `${PROD}/foo`, reference: A }, undefined);
    recordHead(observations, { kind: "head", repository: `${SRC}/foo`, reference: A }, A);
    const [decision] = planRound(edges, observations).decisions!;
    expect([decision!.action, decision!.addTags, decision!.refusedTags]).toEqual(["copy", ["1.0"], [{ tag: "latest", current: B }]]);
  });
});

describe("repositoriesToList", () => {
  it("lists every source and the destinations on Google's registries once, sorted, and caches per edge list", () => {
    const edges = buildEdges([manifest({ foo: { [A]: ["1.0"], [B]: [] }, bar: { [A]: [] } }, [PROD, "eu.gcr.io/prod", "us-docker.pkg.dev/p/images"])]);
    expect(repositoriesToList(edges)).toEqual([
      "eu.gcr.io/prod/bar", "eu.gcr.io/prod/foo", `${SRC}/bar`, `${SRC}/foo`, "us-docker.pkg.dev/p/images/bar", "us-docker.pkg.dev/p/images/foo",
    ]);
    expect(repositoriesToList(edges)).toBe(repositoriesToList(edges));
    expect(repositoriesToList([])).toEqual([]);
  });
});

describe("observationJournal", () => {
  it("records every answer in order, tag lists without a reference", () => {
    const observations = emptyObservations();
    recordTagList(observations, "r", ["1.0"]);
    recordHead(observations, { kind: "head", repository: "r", reference: "1.0" }, A);
    expect(observationJournal(observations)).toEqual({ repositories: ["r", "r"], references: [undefined, "1.0"] });
    expect(observationJournal(emptyObservations())).toEqual({ repositories: [], references: [] });
  });
});
