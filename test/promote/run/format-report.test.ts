import { formatReport, MAX_ITEM_LINES_PER_KIND } from "../../../lib/promote/run/format-report";
import type { ProjectRunReport, RunReport } from "../../../lib/promote/run/run-report";

const D = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const project = (name: string, extra: Partial<ProjectRunReport>): ProjectRunReport => ({
  project: name, copied: [], tagged: [], skipped: [], refused: [], failed: [], unreachable: [],
  verdict: "valid", problems: [], warnings: [], notShown: 0, ...extra,
});
const report = (projects: ProjectRunReport[], extra: Partial<RunReport> = {}): RunReport => ({
  mode: "dry-run", ok: false, verdicts: { valid: projects.length, warnings: 0, invalid: 0 },
  totals: { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 }, projects, unreachable: [], provenance: [], referrers: [], signing: [], ...extra,
});

describe("formatReport", () => {
  it("prints at most a few dozen items of a kind per project and counts the rest", () => {
    const copied = Array.from({ length: 120 }, (_, i) => ({ destination: `r.io/prod/app${i}`, digest: D(i), tags: [], source: `r.io/staging/app${i}` }));
    const text = formatReport(report([project("k8s-staging-big", { copied })]));
    expect(text.split("\n").filter((line) => line.startsWith("  would copy"))).toHaveLength(MAX_ITEM_LINES_PER_KIND);
    expect(text).toContain(`  … and ${120 - MAX_ITEM_LINES_PER_KIND} more (all in --json)\n`);
  });

  it("says one refusal reason once with the edges it covers, and an unreachable host once per project and once overall", () => {
    const refused = ["r.io/a/x", "r.io/b/x"].map((destination) => ({ destination, digest: D(1), tags: ["v1"], message: "images/p/images.yaml:1:9: [0].name: refused" }));
    const text = formatReport(report(
      [project("k8s-staging-p", { refused, unreachable: [{ host: "down.io", edges: 3000 }] })],
      { unreachable: [{ host: "down.io", edges: 3000, error: "GET https://down.io/v2/: NETWORK: network error: connect ECONNREFUSED" }] },
    ));
    expect(text).toBe(
      "k8s-staging-p: valid; 0 to copy, 0 to tag, 0 skipped, 2 refused, 3000 failed\n" +
        "  REFUSED images/p/images.yaml:1:9: [0].name: refused (2 edges)\n" +
        "  FAILED 3000 edges: down.io unreachable\n" +
        "Projects: 1 valid, 0 with warnings, 0 invalid\n" +
        "Unreachable: down.io: 3000 edges not promoted (first error: GET https://down.io/v2/: NETWORK: network error: connect ECONNREFUSED)\n" +
        "Dry run (nothing written; pass --confirm to promote): 0 to copy, 0 to tag, 0 skipped, 0 refused, 0 failed\n",
    );
  });
});
