import type { ProjectReport } from "../../../lib/promote/plan/project-report";
import { formatReportMarkdown } from "../../../lib/promote/run/format-report-markdown";
import type { PromotionReport } from "../../../lib/promote/run/promote";

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const project = (name: string, parts: Partial<ProjectReport> = {}): ProjectReport => ({
  project: name, copied: [], tagged: [], skipped: [], refused: [], failed: [], ...parts,
});
const report = (projects: ProjectReport[], mode: "dry-run" | "confirm" = "dry-run"): PromotionReport => {
  const count = (key: "copied" | "tagged" | "skipped" | "refused" | "failed") => projects.reduce((n, p) => n + p[key].length, 0);
  const totals = { copied: count("copied"), tagged: count("tagged"), skipped: count("skipped"), refused: count("refused"), failed: count("failed") };
  return { mode, ok: totals.failed + totals.refused === 0, totals, projects };
};

test("nothing to promote, and everything in place", () => {
  expect(formatReportMarkdown(report([]))).toBe("### Promotion dry run: 0 to copy, 0 to tag, 0 refused, 0 failed\n\nNothing to promote.\n");
  const skipped = project("a", { skipped: [{ destination: "r/a", digest: d("1"), tags: [] }] });
  expect(formatReportMarkdown(report([skipped], "confirm"))).toBe("### Promotion: 0 to copy, 0 to tag, 0 refused, 0 failed\n\nEverything is in place already (1 project(s)).\n");
});

test("the same failure in several destinations is one line; registry text is escaped", () => {
  const failed = ["r1/a", "r2/a"].map((destination) => ({ destination, digest: d("1"), tags: ["v1"], message: `cannot read ${destination}: <html>*oops*</html>` }));
  const text = formatReportMarkdown(report([project("a", { failed }), project("b", { skipped: [{ destination: "r/b", digest: d("2"), tags: [] }] })]));
  expect(text).toContain("1 other project(s) have everything in place already.");
  expect(text).toContain(`- \`${d("1")}\` \`v1\`: cannot read \\<destination\\>: \\<html\\>\\*oops\\*\\</html\\> → 2 destinations\n`);
});

test("past the size limit whole projects are left out, with a note", () => {
  const many = Array.from({ length: 40 }, (_, i) =>
    project(`p${String(i).padStart(2, "0")}`, { copied: [{ destination: `prod/p${i}/app`, digest: d("a"), tags: ["v1"], source: `staging/p${i}/app` }] }),
  );
  const text = formatReportMarkdown(report(many), { maxLength: 2000, footer: "Run it locally." });
  expect(text.length).toBeLessThanOrEqual(2000);
  expect(text).toMatch(/\n\n_… \d+ more project\(s\) not shown \(comment size limit\): see the job log._\n\nRun it locally.\n$/);
  expect(text).toContain("#### `p00`");
  expect(text).not.toContain("#### `p39`");
});
