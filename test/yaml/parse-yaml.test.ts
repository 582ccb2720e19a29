import { z } from "zod";
import { formatProblem, formatPath, InvalidInputError } from "../../lib/diagnostics/problem";
import { parseYaml } from "../../lib/yaml/parse-yaml";
import { zodProblems } from "../../lib/yaml/zod-problems";

describe("parseYaml", () => {
  it("reads plain data and locates values, keys and missing keys", () => {
    const parsed = parseYaml("f.yaml", "a:\n  b: [x, y]\n  c: 1\n");
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toEqual({ a: { b: ["x", "y"], c: 1 } });
    expect(parsed.locate(["a", "b", 1])).toEqual({ line: 2, col: 10 });
    expect(parsed.locate(["a", "c"], "key")).toEqual({ line: 3, col: 3 });
    expect(parsed.locate(["a", "missing"])).toEqual({ line: 2, col: 3 });
  });

  it("keeps scalars as written under the failsafe schema", () => {
    expect(parseYaml("f.yaml", "tags: [1.10, 2]\n", { schema: "failsafe" }).value).toEqual({ tags: ["1.10", "2"] });
    expect(parseYaml("f.yaml", "tags: [1.10, 2]\n").value).toEqual({ tags: [1.1, 2] });
  });

  it("treats a comment-only document as null", () => {
    const parsed = parseYaml("images.yaml", "# No images yet\n");
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toBeNull();
  });

  it("reports every duplicate key with its path and the first occurrence, and keeps the value", () => {
    const parsed = parseYaml("f.yaml", "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n");
    expect(parsed.problems.map(formatProblem)).toEqual([
      "f.yaml:4:3: b.c: duplicate key (first on line 3)",
      "f.yaml:5:1: a: duplicate key (first on line 1)",
    ]);
    expect(parsed.value).toEqual({ a: 3, b: { c: 2 } });
  });

  it("reports syntax errors with positions and no value", () => {
    const parsed = parseYaml("f.yaml", "a: [1,\nb: c: d\n");
    expect(parsed.value).toBeNull();
    expect(parsed.problems.map(formatProblem)).toEqual([
      "f.yaml:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "f.yaml:2:4: YAML syntax: Nested mappings are not allowed in compact mappings",
    ]);
  });
});

describe("zodProblems", () => {
  const schema = z.strictObject({ name: z.string(), group: z.email(), apis: z.array(z.string()) });

  it("reports every issue at its position: wrong type, bad email, missing and unknown keys", () => {
    const parsed = parseYaml("p.yaml", "apis: [compute, 3]\ngroup: nope\nextra: 1\nmore: 2\n");
    const result = schema.safeParse(parsed.value);
    expect(result.success).toBe(false);
    const lines = zodProblems(parsed, result.error!).map(formatProblem).sort();
    expect(lines).toEqual([
      "p.yaml:1:17: apis[1]: expected string, received number",
      "p.yaml:1:1: name: required",
      "p.yaml:2:8: group: Invalid email address",
      "p.yaml:3:1: extra: unknown key",
      "p.yaml:4:1: more: unknown key",
    ]);
  });
});

describe("diagnostics", () => {
  it("formats paths with indexes and quoted keys", () => {
    expect(formatPath(["images", 2, "dmap", "sha256:ab", 0])).toBe('images[2].dmap["sha256:ab"][0]');
    expect(formatPath([])).toBe("");
  });

  it("InvalidInputError sorts problems and lists them one per line", () => {
    const error = new InvalidInputError([
      { file: "b.yaml", line: 1, col: 1, path: "", message: "second" },
      { file: "a.yaml", line: 9, col: 2, path: "x", message: "first" },
    ]);
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toBe("a.yaml:9:2: x: first\nb.yaml:1:1: second");
  });
});

describe("parseYaml on hostile input", () => {
  it("reports an alias bomb at its first alias instead of throwing, with no value", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const parsed = parseYaml("bomb.yaml", levels.join("\n"));
    expect(parsed.value).toBeNull();
    expect(parsed.problems.map(formatProblem)).toEqual([
      "bomb.yaml:2:8: YAML aliases expand to more than 1000 nodes; the file was not read",
    ]);
  });

  it("reports tags other than the schema's own instead of silently using the value", () => {
    const parsed = parseYaml("i.yaml", "- name: !!python/object/apply:os.system ['id']\n- name: !local x\n", { schema: "failsafe" });
    expect(parsed.problems.map(formatProblem)).toEqual([
      "i.yaml:1:9: YAML tag not allowed: tag:yaml.org,2002:python/object/apply:os.system",
      "i.yaml:2:9: YAML tag not allowed: !local",
    ]);
  });

  it("reports nesting too deep to read as a positioned problem", () => {
    const parsed = parseYaml("deep.yaml", `${"[".repeat(50_000)}${"]".repeat(50_000)}`);
    expect(parsed.value).toBeNull();
    // Where the parser's stack runs out depends on the machine; that it is reported once, positioned, does not.
    expect(parsed.problems).toEqual([{ file: "deep.yaml", line: 1, col: expect.any(Number), path: "", message: "YAML syntax: nested too deeply to read" }]);
  });

  it("makes an identical duplicate key a warning when asked, and keeps a differing one a problem", () => {
    const text = 'dmap:\n  "sha256:a": ["v1"]\n  "sha256:a": ["v1"]\n  "sha256:b": ["v1"]\n  "sha256:b": ["v2"]\n';
    const lenient = parseYaml("i.yaml", text, { schema: "failsafe", identicalDuplicates: "warning" });
    expect(lenient.warnings.map(formatProblem)).toEqual([
      'i.yaml:3:3: dmap["sha256:a"]: duplicate key with the same value as on line 2; the duplicate changes nothing',
    ]);
    expect(lenient.problems.map(formatProblem)).toEqual(['i.yaml:5:3: dmap["sha256:b"]: duplicate key (first on line 4)']);
    const strict = parseYaml("i.yaml", text, { schema: "failsafe" });
    expect(strict.warnings).toEqual([]);
    expect(strict.problems).toHaveLength(2);
  });
});
