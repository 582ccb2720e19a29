import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { additionSplices, applySplices } from "../../lib/add-image/edit-images-yaml";
import { unifiedDiff } from "../../lib/add-image/unified-diff";

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const text = `# images\n- name: app\n  dmap:\n    "${d("1")}": ["v1"]\n- name: zed\n  dmap:\n    "${d("2")}": []\n`;
const splices = additionSplices(text, [
  { image: "app", digest: d("1"), tags: ["v1.0"] },
  { image: "app", digest: d("3"), tags: ["v3"] },
  { image: "mid", digest: d("4"), tags: ["v4"] },
  { image: "zed", digest: d("2"), tags: ["v2"] },
]);

test("changed lines as -/+, inserted lines as +, numbered for old and new", () => {
  expect(unifiedDiff("images/p/images.yaml", text, splices)).toBe(
    [
      "--- a/images/p/images.yaml",
      "+++ b/images/p/images.yaml",
      "@@ -4 +4 @@",
      `-    "${d("1")}": ["v1"]`,
      `+    "${d("1")}": ["v1", "v1.0"]`,
      "@@ -4,0 +5,4 @@",
      `+    "${d("3")}": ["v3"]`,
      "+- name: mid",
      "+  dmap:",
      `+    "${d("4")}": ["v4"]`,
      "@@ -7 +11 @@",
      `-    "${d("2")}": []`,
      `+    "${d("2")}": ["v2"]`,
      "",
    ].join("\n"),
  );
  expect(unifiedDiff("f", text, [])).toBe("");
});

test("git apply --unidiff-zero turns the old file into the new one", () => {
  const dir = mkdtempSync(join(tmpdir(), "unified-diff-"));
  try {
    writeFileSync(join(dir, "images.yaml"), text);
    writeFileSync(join(dir, "change.diff"), unifiedDiff("images.yaml", text, splices));
    execFileSync("git", ["apply", "--unidiff-zero", "change.diff"], { cwd: dir });
    expect(readFileSync(join(dir, "images.yaml"), "utf8")).toBe(applySplices(text, splices));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a blank file rewritten: its lines replaced", () => {
  const blank = "# No images yet\n";
  const rewrite = additionSplices(blank, [{ image: "app", digest: d("1"), tags: ["v1"] }]);
  expect(unifiedDiff("i.yaml", blank, rewrite)).toBe(
    ["--- a/i.yaml", "+++ b/i.yaml", "@@ -1 +1,3 @@", "-# No images yet", "+- name: app", "+  dmap:", `+    "${d("1")}": ["v1"]`, ""].join("\n"),
  );
});
