import { compareProblems, formatProblem, type Problem } from "../../diagnostics/problem";
import { verdictOf, type TreeValidation, type Verdict } from "../manifests/validate-tree";
import type { PlanItem, ProjectReport } from "../plan/project-report";
import type { PromotionReport, ReportTotals } from "./promote";

/**
 * The most problems (or warnings) kept per project in a report. 100,000 bad entries would otherwise print
 * megabytes; the first ones show what is wrong, and the count says how much more there is.
 */
export const MAX_PROBLEMS_PER_PROJECT = 200;

/** A project's failures that share one cause: its registry host could not be reached. */
export interface UnreachableCount {
  /** The registry host. */
  readonly host: string;
  /** Edges (destination repository, digest) not promoted because of it. */
  readonly edges: number;
}

/** One project in a run: the verdict on its files, and what was (or would be) done. */
export interface ProjectRunReport extends ProjectReport {
  /** `valid`, `warnings` (promoted; something harmless to fix) or `invalid` (skipped; nothing of it was read or written). */
  readonly verdict: Verdict;
  /** The project's problems as `FILE:LINE:COL: …` lines, sorted, at most {@link MAX_PROBLEMS_PER_PROJECT}. */
  readonly problems: readonly string[];
  /** The project's warnings, the same way. */
  readonly warnings: readonly string[];
  /** Problems and warnings left out of the two lists above. */
  readonly notShown: number;
  /** Failures because a host could not be reached, counted per host (not in `failed`). */
  readonly unreachable: readonly UnreachableCount[];
}

/** What `promote` reports (and writes with `--json`): per project, the verdict and the work. */
export interface RunReport {
  /** `validate-only`: nothing was contacted; `dry-run`: registries read, nothing written; `confirm`: written. */
  readonly mode: "validate-only" | PromotionReport["mode"];
  /** True when every project is valid (or has warnings only) and nothing failed or was refused. */
  readonly ok: boolean;
  /** Projects per verdict. */
  readonly verdicts: Readonly<Record<Verdict, number>>;
  /** Item counts over all projects (`failed` includes the unreachable ones). */
  readonly totals: ReportTotals;
  /** What was written (confirm mode only). */
  readonly written?: PromotionReport["written"];
  /** Every project of the tree, sorted by name. */
  readonly projects: readonly ProjectRunReport[];
  /** Hosts that could not be reached, each once, with the edges it cost and the first error seen. */
  readonly unreachable: readonly (UnreachableCount & { readonly error: string })[];
  /** Staging images checked against a provenance policy. */
  readonly provenance: NonNullable<PromotionReport["provenance"]>;
  /** Images whose referrers were (or, in a dry run, would be) carried, or failed to be. */
  readonly referrers: NonNullable<PromotionReport["referrers"]>;
  /** Promoted images signed (or, in a dry run, to sign), or that failed to be. */
  readonly signing: NonNullable<PromotionReport["signing"]>;
}

/**
 * Joins the validation of a tree and (unless only validating) the promotion of its valid projects into one report.
 *
 * @param validation the tree's validation (every project, valid or not)
 * @param promotion the promotion of the valid projects, or `undefined` for `--validate-only`
 * @returns the report, projects sorted by name
 */
export function runReport(validation: TreeValidation, promotion: PromotionReport | undefined): RunReport {
  const work = new Map((promotion?.projects ?? []).map((project) => [project.project, project]));
  const refusedProblems = new Map<string, Problem[]>();
  for (const refusal of validation.refusals) {
    refusedProblems.set(refusal.project, [...(refusedProblems.get(refusal.project) ?? []), refusal.problem]);
  }
  const unreachable = new Map<string, { host: string; edges: number; error: string }>();
  const projects = validation.projects.map((project): ProjectRunReport => {
    const done = work.get(project.project) ?? { project: project.project, copied: [], tagged: [], skipped: [], refused: [], failed: [] };
    const perHost = new Map<string, number>();
    const failed: PlanItem[] = [];
    for (const item of done.failed) {
      if (item.unreachableHost === undefined) {
        failed.push(item);
        continue;
      }
      perHost.set(item.unreachableHost, (perHost.get(item.unreachableHost) ?? 0) + 1);
      const known = unreachable.get(item.unreachableHost);
      if (known) known.edges++;
      else unreachable.set(item.unreachableHost, { host: item.unreachableHost, edges: 1, error: item.message ?? "" });
    }
    const problems = capped([...project.problems, ...(refusedProblems.get(project.project) ?? [])]);
    const warnings = capped(project.warnings, MAX_PROBLEMS_PER_PROJECT - problems.shown.length);
    return {
      ...done,
      failed,
      verdict: verdictOf(project),
      problems: problems.shown,
      warnings: warnings.shown,
      notShown: problems.notShown + warnings.notShown,
      unreachable: [...perHost].sort(([a], [b]) => (a < b ? -1 : 1)).map(([host, edges]) => ({ host, edges })),
    };
  });
  const verdicts = { valid: 0, warnings: 0, invalid: 0 };
  for (const project of projects) verdicts[project.verdict]++;
  const totals = promotion?.totals ?? { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 };
  return {
    mode: promotion?.mode ?? "validate-only",
    ok:
      verdicts.invalid === 0 && validation.problems.length === 0 && validation.refusals.length === 0 &&
      totals.failed === 0 && totals.refused === 0 && (promotion?.ok ?? true),
    verdicts,
    totals,
    ...(promotion?.written ? { written: promotion.written } : {}),
    projects,
    unreachable: [...unreachable.values()].sort((a, b) => (a.host < b.host ? -1 : 1)),
    provenance: promotion?.provenance ?? [],
    referrers: promotion?.referrers ?? [],
    signing: promotion?.signing ?? [],
  };
}

function capped(problems: readonly Problem[], room = MAX_PROBLEMS_PER_PROJECT): { shown: string[]; notShown: number } {
  const limit = Math.max(0, room);
  const shown = [...problems].sort(compareProblems).slice(0, limit).map(formatProblem);
  return { shown, notShown: problems.length - shown.length };
}
