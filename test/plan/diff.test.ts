import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffInputs } from "../../lib/plan/diff/diff-inputs";
import { diffPlans, isEmptyDiff } from "../../lib/plan/diff/diff-plans";
import { formatDiffMarkdown, formatDiffText, summarizeDiff } from "../../lib/plan/diff/format-diff";
import { readPlanFile } from "../../lib/plan/diff/read-plan-file";
import type { PlannedResource } from "../../lib/plan/plan-program";

const component: PlannedResource = { type: "k8s-staging:index:StagingProject", name: "k8s-staging-a", parent: null, inputs: {} };
const bucket: PlannedResource = {
  type: "gcp:storage/bucket:Bucket",
  name: "k8s-staging-a/bucket",
  parent: "k8s-staging-a",
  inputs: { name: "k8s-staging-a", lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 60 } }] },
};
const grant = (member: string): PlannedResource => ({
  type: "gcp:projects/iAMMember:IAMMember",
  name: `k8s-staging-a/iam/viewer/${member}`,
  parent: "k8s-staging-a",
  inputs: { project: "k8s-staging-a", role: "roles/viewer", member },
});

describe("diffInputs", () => {
  test.each([
    ["equal", { a: 1, b: [1, { c: "x" }] }, { a: 1, b: [1, { c: "x" }] }, []],
    ["a scalar", { role: "roles/viewer" }, { role: "roles/editor" }, [{ path: "role", before: "roles/viewer", after: "roles/editor" }]],
    ["a nested leaf", { r: [{ c: { age: 60 } }] }, { r: [{ c: { age: 30 } }] }, [{ path: "r[0].c.age", before: 60, after: 30 }]],
    ["an added key", { a: 1 }, { a: 1, b: "x" }, [{ path: "b", before: undefined, after: "x" }]],
    ["a removed element", { l: ["x", "y"] }, { l: ["x"] }, [{ path: "l[1]", before: "y", after: undefined }]],
    ["a kind change", { l: ["x"] }, { l: "x" }, [{ path: "l", before: ["x"], after: "x" }]],
    ["an odd key, quoted", { m: { "a b": 1 } }, { m: { "a b": 2 } }, [{ path: 'm["a b"]', before: 1, after: 2 }]],
    ["1.10 is not 1.1", { t: "1.10" }, { t: "1.1" }, [{ path: "t", before: "1.10", after: "1.1" }]],
  ])("%s", (_, before, after, expected) => {
    expect(diffInputs(before, after)).toEqual(expected);
  });
});

describe("diffPlans", () => {
  test("adds, changes and removes, resource by resource", () => {
    const changedBucket = { ...bucket, inputs: { ...bucket.inputs, lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 30 } }] } };
    const diff = diffPlans([component, bucket, grant("group:old@x.io")], [component, changedBucket, grant("group:new@x.io")]);
    expect(diff).toEqual({
      added: [grant("group:new@x.io")],
      changed: [{ resource: changedBucket, changes: [{ path: "lifecycleRules[0].condition.age", before: 60, after: 30 }] }],
      removed: [grant("group:old@x.io")],
      unchanged: 1,
    });
    expect(isEmptyDiff(diff)).toBe(false);
    expect(summarizeDiff(diff)).toBe("1 to add, 1 to change, 1 to remove (1 unchanged)");
  });

  test("identical plans: no changes", () => {
    const diff = diffPlans([component, bucket], [component, bucket]);
    expect(isEmptyDiff(diff)).toBe(true);
    expect(formatDiffText(diff)).toBe("Plan diff: no changes (2 resources unchanged)\n");
    expect(formatDiffMarkdown(diff)).toBe("### Plan diff: no changes (2 resources unchanged)\n");
  });

  test("a resource that moves to another parent is removed and added, as its URN changes", () => {
    const other = { ...component, name: "k8s-staging-b" };
    const moved = { ...bucket, parent: "k8s-staging-b" };
    const diff = diffPlans([component, other, bucket], [component, other, moved]);
    expect(diff.added).toEqual([moved]);
    expect(diff.removed).toEqual([bucket]);
    expect(diff.changed).toEqual([]);
  });

  test("a plan listing one resource twice is refused", () => {
    expect(() => diffPlans([bucket, bucket], [])).toThrow('the old plan lists gcp:storage/bucket:Bucket "k8s-staging-a/bucket" twice');
  });
});

describe("formatDiffText", () => {
  test("one line per resource, changed inputs indented as path: old → new", () => {
    const changed = { ...grant("group:a@x.io"), inputs: { ...grant("group:a@x.io").inputs, role: "roles/editor" } };
    const diff = diffPlans([component, grant("group:a@x.io"), bucket], [component, changed, grant("group:b@x.io")]);
    expect(formatDiffText(diff)).toBe(
      [
        "Plan diff: 1 to add, 1 to change, 1 to remove (1 unchanged)",
        "",
        "+ gcp:projects/iAMMember:IAMMember k8s-staging-a/iam/viewer/group:b@x.io",
        "",
        "~ gcp:projects/iAMMember:IAMMember k8s-staging-a/iam/viewer/group:a@x.io",
        '    role: "roles/viewer" → "roles/editor"',
        "",
        "- gcp:storage/bucket:Bucket k8s-staging-a/bucket",
        "",
      ].join("\n"),
    );
  });
});

describe("formatDiffMarkdown", () => {
  const many = Array.from({ length: 3 }, (_, index) => grant(`group:g${index}@x.io`));

  test("short sections are plain, long ones fold into <details>", () => {
    const diff = diffPlans([bucket], many);
    expect(formatDiffMarkdown(diff, { foldAfterLines: 2, footer: "footer" })).toBe(
      [
        "### Plan diff: 3 to add, 0 to change, 1 to remove (0 unchanged)",
        "",
        "<details><summary><b>Add (3)</b></summary>",
        "",
        "- `gcp:projects/iAMMember:IAMMember` `k8s-staging-a/iam/viewer/group:g0@x.io`",
        "- `gcp:projects/iAMMember:IAMMember` `k8s-staging-a/iam/viewer/group:g1@x.io`",
        "- `gcp:projects/iAMMember:IAMMember` `k8s-staging-a/iam/viewer/group:g2@x.io`",
        "",
        "</details>",
        "",
        "#### Remove (1)",
        "",
        "- `gcp:storage/bucket:Bucket` `k8s-staging-a/bucket`",
        "",
        "footer",
        "",
      ].join("\n"),
    );
  });

  test("changed inputs as code spans, backticks kept intact", () => {
    const after = { ...bucket, inputs: { name: "a`b" } };
    const text = formatDiffMarkdown(diffPlans([{ ...bucket, inputs: { name: "ab" } }], [after]));
    expect(text).toContain('  - `name`: `"ab"` → ``"a`b"``\n');
  });

  test("a diff longer than the limit is cut at a line, closes its <details> and says how much is missing", () => {
    const diff = diffPlans([], Array.from({ length: 200 }, (_, index) => grant(`group:g${index}@x.io`)));
    const text = formatDiffMarkdown(diff, { maxLength: 2000 });
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toMatch(/\n\n<\/details>\n\n_… \d+ more lines not shown \(comment size limit\); run the plan diff locally for all of it\._\n$/);
    expect(text.startsWith("### Plan diff: 200 to add, 0 to change, 0 to remove (0 unchanged)\n\n<details>")).toBe(true);
  });
});

describe("readPlanFile", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "plan-file-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the plan JSON the plan command writes", async () => {
    const file = join(dir, "plan.json");
    writeFileSync(file, JSON.stringify({ resources: [bucket] }));
    expect(await readPlanFile(file)).toEqual([bucket]);
  });

  test.each([
    ["not JSON", "{", /^FILE:1:1: not JSON \(.+\)$/],
    ["the wrong shape", '{"resources":[{"type":"t","name":1,"parent":null}]}', /^FILE:1:1: resources\[0\]\.inputs: .+\nFILE:1:1: resources\[0\]\.name: .+$/],
  ])("%s: every problem at FILE:1:1", async (_, text, message) => {
    const file = join(dir, "plan.json");
    writeFileSync(file, text);
    const error = await readPlanFile(file).catch((caught: Error) => caught);
    expect((error as Error).message.replaceAll(file, "FILE")).toMatch(message);
  });
});
