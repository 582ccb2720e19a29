import { appendOnlyProblems } from "../../lib/check/append-only";
import { readImageTable } from "../../lib/check/image-table";
import { formatProblem } from "../../lib/diagnostics/problem";
import { digest } from "./fixture-repo";

const FILE = "images/k8s-staging-alpha/images.yaml";
const A = digest("a");
const B = digest("b");
const C = digest("c");

const BASE = `- name: tool
  dmap:
    "${A}": ["v1", "v1.0"]
    "${B}": ["v2"]
- name: helper
  dmap:
    "${C}": []
`;

describe("appendOnlyProblems", () => {
  it.each<[string, string | undefined, string[]]>([
    ["an unchanged file", BASE, []],
    ["an added digest and an added tag", BASE.replace('["v2"]', '["v2", "latest"]') + `    "${digest("d")}": ["v3"]\n`, []],
    ["reordered images", BASE.split("- name: helper")[1]!.replace(/^/, "- name: helper") + BASE.split("- name: helper")[0], []],
    [
      "a removed digest",
      BASE.replace(`    "${B}": ["v2"]\n`, ""),
      [`${FILE}:1:3: digest ${B} of image "tool" was removed (listed at origin/main); production is append-only`],
    ],
    [
      "a removed tag",
      BASE.replace('["v1", "v1.0"]', '["v1"]'),
      [`${FILE}:3:5: tag "v1.0" was removed from this digest (listed at origin/main); production is append-only`],
    ],
    [
      "a moved tag",
      BASE.replace('["v1", "v1.0"]', '["v1.0"]').replace('["v2"]', '["v2", "v1"]'),
      [`${FILE}:4:87: tag "v1" of image "tool" pointed at ${A} at origin/main; an existing tag must not move to another digest`],
    ],
    [
      "a removed image",
      BASE.split("- name: helper")[0]!,
      [`${FILE}:1:1: image "helper" was removed with its 1 digest(s) listed at origin/main; production is append-only`],
    ],
    [
      "a deleted file",
      undefined,
      [
        `${FILE}:1:1: image "helper" was removed with its 1 digest(s) listed at origin/main; production is append-only`,
        `${FILE}:1:1: image "tool" was removed with its 2 digest(s) listed at origin/main; production is append-only`,
      ],
    ],
  ])("%s", (_what, current, expected) => {
    expect(appendOnlyProblems(FILE, BASE, current, "origin/main").map(formatProblem).sort()).toEqual(expected);
  });

  it("has nothing to keep when the file did not exist at the base", () => {
    expect(appendOnlyProblems(FILE, undefined, BASE, "origin/main")).toEqual([]);
  });

  it("treats a base that does not parse as empty (its digests were never promotable)", () => {
    expect(appendOnlyProblems(FILE, "- name: [unclosed\n", "", "origin/main")).toEqual([]);
  });
});

describe("readImageTable", () => {
  it("merges entries of one image and keeps where each digest is written", () => {
    const { table } = readImageTable(FILE, `- name: tool\n  dmap:\n    "${A}": ["1.10"]\n- name: tool\n  dmap:\n    "${B}": []\n`);
    expect([...table.get("tool")!]).toEqual([
      [A, { tags: ["1.10"], path: [0, "dmap", A] }],
      [B, { tags: [], path: [1, "dmap", B] }],
    ]);
  });

  it.each([["a blank file", "# No images yet\n"], ["a syntax error", "- [\n"], ["a map instead of a list", "name: tool\n"]])(
    "reads %s as no images",
    (_what, text) => {
      expect(readImageTable(FILE, text).table.size).toBe(0);
    },
  );
});
