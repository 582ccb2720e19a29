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

test("a project skipped as invalid shows its problems; warnings show too", () => {
  const invalid = { ...project("bad"), verdict: "invalid" as const, problems: ["images/bad/images.yaml:3:5: [0].dmap: digest must be …"], warnings: [], notShown: 2, unreachable: [] };
  const warned = { ...project("ok"), verdict: "warnings" as const, problems: [], warnings: ["manifests/ok/promoter-manifest.yaml:5:3: registries[2]: listed twice"], notShown: 0, unreachable: [] };
  const run = { ...report([invalid, warned]), verdicts: { valid: 0, warnings: 1, invalid: 1 }, unreachable: [] };
  const text = formatReportMarkdown(run);
  expect(text.split("\n")[0]).toBe("### Promotion dry run: 0 to copy, 0 to tag, 0 refused, 0 failed, 1 project(s) invalid and skipped");
  expect(text).toContain("#### `bad`: invalid, skipped (nothing of it was read or written)\n\n**Problems**\n\n```\nimages/bad/images.yaml:3:5: [0].dmap: digest must be …\n```\n\n_… and 2 more not shown: see the job log._");
  expect(text).toContain("#### `ok`: 0 to copy, 0 to tag, 0 refused, 0 failed\n\n**Warnings**\n\n```\nmanifests/ok/promoter-manifest.yaml:5:3: registries[2]: listed twice\n```");
});
