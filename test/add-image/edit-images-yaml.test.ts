import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { additionSplices, applySplices, UnsupportedLayoutError } from "../../lib/add-image/edit-images-yaml";
import type { ImageAddition } from "../../lib/add-image/plan-additions";

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const edit = (text: string, additions: ImageAddition[]): string => applySplices(text, additionSplices(text, additions));

/** The old lines that are not, in order, among the new ones (a greedy subsequence match). */
function linesNotKept(before: string, after: string): string[] {
  const newLines = after.split("\n");
  let at = 0;
  return before.split("\n").filter((line) => {
    const found = newLines.indexOf(line, at);
    if (found < 0) return true;
    at = found + 1;
    return false;
  });
}

describe("edits in the file's own layout, every other line kept", () => {
  const file = [
    "# header comment",
    "- name: alpha",
    "  dmap:",
    `    "${d("1")}": ["v1","v1.0"] # trailing comment`,
    `    "${d("2")}": []`,
    "",
    "# about beta",
    "- name: beta",
    "  dmap:",
    `    "${d("3")}":`,
    "    - x",
    "- name: gamma",
    "  dmap: {}",
    "",
  ].join("\n");

  test.each<[string, ImageAddition[], string[], string[]]>([
    ["a tag on a listed digest: appended with the list's own separator", [{ image: "alpha", digest: d("1"), tags: ["v1.0.0"] }], [
      `    "${d("1")}": ["v1","v1.0","v1.0.0"] # trailing comment`,
    ], [`    "${d("1")}": ["v1","v1.0"] # trailing comment`]],
    ["a tag on an empty list", [{ image: "alpha", digest: d("2"), tags: ["v2", "v2.0"] }], [`    "${d("2")}": ["v2","v2.0"]`], [`    "${d("2")}": []`]],
    ["a tag on a block list: a line in the list's own indentation", [{ image: "beta", digest: d("3"), tags: ["y"] }], ["    - x", '    - "y"'], []],
    ["a new digest of a listed image: after its last digest, before the next entry's comment", [{ image: "alpha", digest: d("4"), tags: ["v4"] }], [
      `    "${d("2")}": []`, `    "${d("4")}": ["v4"]`, "", "# about beta",
    ], []],
    ["a new digest in a flow dmap", [{ image: "gamma", digest: d("5"), tags: ["1.10"] }], [`  dmap: {"${d("5")}": ["1.10"]}`], ["  dmap: {}"]],
    ["a new image at its sorted place", [{ image: "alphabet", digest: d("6"), tags: ["v6"] }], [
      `    "${d("2")}": []`, "- name: alphabet", "  dmap:", `    "${d("6")}": ["v6"]`, "", "# about beta",
    ], []],
    ["a new image sorting first goes below the header", [{ image: "aaa", digest: d("7"), tags: ["v7"] }], [
      "# header comment", "- name: aaa", "  dmap:", `    "${d("7")}": ["v7"]`, "- name: alpha",
    ], []],
    ["a new image sorting last goes at the end", [{ image: "zeta", digest: d("8"), tags: [] }], ["  dmap: {}", "- name: zeta", "  dmap:", `    "${d("8")}": []`, ""], []],
  ])("%s", (_name, additions, expectedRun, changedLines) => {
    const after = edit(file, additions);
    const lines = after.split("\n");
    const start = lines.indexOf(expectedRun[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines.slice(start, start + expectedRun.length)).toEqual(expectedRun);
    // Every other original line is still there, in order.
    expect(linesNotKept(file, after)).toEqual(changedLines);
    expect(parse(after)).toBeTruthy();
  });
});

test("several additions to one file at once, and the file's separator used in new lines", () => {
  const text = `- name: app\n  dmap:\n    "${d("1")}": ["a", "b"]\n`;
  expect(edit(text, [
    { image: "app", digest: d("1"), tags: ["c"] },
    { image: "app", digest: d("2"), tags: ["d", "e"] },
    { image: "tool", digest: d("3"), tags: ["f"] },
    { image: "app", digest: d("4"), tags: ["g"] },
  ])).toBe(
    `- name: app\n  dmap:\n    "${d("1")}": ["a", "b", "c"]\n    "${d("2")}": ["d", "e"]\n    "${d("4")}": ["g"]\n- name: tool\n  dmap:\n    "${d("3")}": ["f"]\n`,
  );
});

test("a file without a final newline", () => {
  expect(edit(`- name: app\n  dmap:\n    "${d("1")}": ["a"]`, [{ image: "app", digest: d("2"), tags: ["b"] }])).toBe(
    `- name: app\n  dmap:\n    "${d("1")}": ["a"]\n    "${d("2")}": ["b"]`,
  );
});

test("an unsorted file gets new images at the end", () => {
  const text = `- name: zz\n  dmap:\n    "${d("1")}": []\n- name: aa\n  dmap:\n    "${d("2")}": []\n`;
  expect(edit(text, [{ image: "mm", digest: d("3"), tags: ["v"] }])).toBe(`${text}- name: mm\n  dmap:\n    "${d("3")}": ["v"]\n`);
});

test("a blank file: the entries replace # No images yet, other comments stay", () => {
  expect(edit("# google group for gcr.io/k8s-staging-x is …\n# No images yet\n", [{ image: "app", digest: d("1"), tags: ["v1"] }])).toBe(
    `# google group for gcr.io/k8s-staging-x is …\n- name: app\n  dmap:\n    "${d("1")}": ["v1"]\n`,
  );
  expect(edit("", [{ image: "app", digest: d("1"), tags: ["v1"] }])).toBe(`- name: app\n  dmap:\n    "${d("1")}": ["v1"]\n`);
});

test("an indented top-level list keeps its indentation", () => {
  const text = `  - name: app\n    dmap:\n      "${d("1")}": ["a"]\n`;
  expect(edit(text, [{ image: "b", digest: d("2"), tags: ["x"] }])).toBe(`${text}  - name: b\n    dmap:\n      "${d("2")}": ["x"]\n`);
});

test.each([
  ["[{name: app, dmap: {}}]\n", "the top level is not a block list of images; edit it by hand"],
  [`- name: app\n  dmap:\n    ? "${d("1")}"\n    : [a]\n`, "the dmap key at offset 26 is not at the start of its line; edit it by hand"],
])("layouts it does not edit are refused with a reason: %j", (text, message) => {
  expect(() => additionSplices(text, [{ image: "app", digest: d("2"), tags: ["x"] }])).toThrow(new UnsupportedLayoutError(message));
});

describe("the real images.yaml files of kubernetes/k8s.io", () => {
  const corpus = join(__dirname, "../../../shared/corpus/k8s.io/registry.k8s.io/images");
  const projects = readdirSync(corpus).filter((project) => !project.includes("."));

  test.each(projects)("%s: a tag, a digest and an image added; only those lines differ", (project) => {
    const text = readFileSync(join(corpus, project, "images.yaml"), "utf8");
    const before = parse(text) as Array<{ name: string; dmap: Record<string, string[]> }>;
    const first = before[0]!;
    const [firstDigest] = Object.keys(first.dmap);
    const after = edit(text, [
      { image: first.name, digest: firstDigest!, tags: ["added-tag"] },
      { image: first.name, digest: d("e"), tags: ["added-digest"] },
      { image: "zzz-added-image", digest: d("f"), tags: ["1.10"] },
    ]);
    const expected = structuredClone(before);
    expected[0]!.dmap[firstDigest!]!.push("added-tag");
    expected[0]!.dmap[d("e")] = ["added-digest"];
    const parsed = parse(after, { schema: "failsafe" }) as typeof before;
    expect(parsed.filter((entry) => entry.name !== "zzz-added-image")).toEqual(JSON.parse(JSON.stringify(expected, (_k, v) => (typeof v === "number" ? String(v) : v))));
    expect(parsed.find((entry) => entry.name === "zzz-added-image")).toEqual({ name: "zzz-added-image", dmap: { [d("f")]: ["1.10"] } });
    // Line by line: the old lines, in order, but for the one whose tag list grew; 4 lines inserted.
    expect(linesNotKept(text, after)).toEqual([text.split("\n").find((line) => line.includes(firstDigest!))]);
    expect(after.split("\n").length - text.split("\n").length).toBe(4);
  });
});
