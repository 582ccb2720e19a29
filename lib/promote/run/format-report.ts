import type { PlanItem } from "../plan/project-report";
import { formatBytes } from "../progress";
import type { ProjectRunReport, RunReport } from "./run-report";

/** Item lines (copies, tags, refusals, failures) printed per project and kind; the rest are counted. */
export const MAX_ITEM_LINES_PER_KIND = 50;
/** Item lines printed in all; a first promotion of the whole tree would otherwise print hundreds of thousands. */
export const MAX_ITEM_LINES = 1000;

/**
 * The human summary of a run: per project its verdict and counts, its problems and warnings, then each copy, tag,
 * refusal and failure on its own line (skipped images only counted; refusals with one reason once; failures
 * because a host was unreachable once per host), then the totals. In a dry run the verbs say what would happen.
 * Long lists are cut with a count of what was left out; `--json` has every item.
 *
 * @param report the run report
 * @returns text ending with a newline
 */
export function formatReport(report: RunReport): string {
  const dry = report.mode !== "confirm";
  const lines: string[] = [];
  let budget = MAX_ITEM_LINES;
  const list = (items: readonly string[]): void => {
    const shown = items.slice(0, Math.max(0, Math.min(MAX_ITEM_LINES_PER_KIND, budget)));
    budget -= shown.length;
    lines.push(...shown);
    if (shown.length < items.length) lines.push(`  … and ${items.length - shown.length} more (all in --json)`);
  };
  for (const project of report.projects) {
    if (report.mode !== "validate-only" && project.verdict === "valid" && !hasWork(project)) continue;
    lines.push(`${project.project}: ${headline(project, report.mode, dry)}`);
    for (const problem of project.problems) lines.push(`  ${problem}`);
    for (const warning of project.warnings) lines.push(`  warning: ${warning}`);
    if (project.notShown > 0) lines.push(`  … and ${project.notShown} more problems or warnings not shown`);
    if (report.mode === "validate-only") continue;
    list(project.copied.map((item) => `  ${dry ? "would copy" : "copied"} ${item.source}@${item.digest} → ${item.destination}${tagsOf(item)}`));
    list(project.tagged.map((item) => `  ${dry ? "would tag" : "tagged"} ${item.destination}@${item.digest}${tagsOf(item)}`));
    list(grouped(project.refused).map(([message, count]) => `  REFUSED ${message}${count > 1 ? ` (${count} edges)` : ""}`));
    list(project.failed.map((item) => `  FAILED ${item.destination}@${item.digest}: ${item.message}`));
    for (const { host, edges } of project.unreachable) lines.push(`  FAILED ${edges} ${edges === 1 ? "edge" : "edges"}: ${host} unreachable`);
  }
  const v = report.verdicts;
  lines.push(`Projects: ${v.valid} valid, ${v.warnings} with warnings, ${v.invalid} invalid${v.invalid > 0 && report.mode !== "validate-only" ? " (skipped)" : ""}`);
  for (const { host, edges, error } of report.unreachable) {
    lines.push(`Unreachable: ${host}: ${edges} ${edges === 1 ? "edge" : "edges"} not promoted (first error: ${error})`);
  }
  if (report.mode === "validate-only") {
    lines.push("Validated offline: no registry was contacted");
    return `${lines.join("\n")}\n`;
  }
  for (const item of report.provenance ?? []) {
    if (item.outcome === "verified") continue;
    lines.push(`${item.outcome === "held" ? "HELD" : "WARN"} ${item.project}: ${item.image}: provenance (${item.mode}): ${item.message}`);
  }
  for (const item of report.referrers ?? []) {
    const what = `${item.referrers.length} referrer(s) of ${item.destination}@${item.digest}`;
    if (item.outcome === "failed") lines.push(`FAILED referrers of ${item.destination}@${item.digest}: ${item.message}`);
    else lines.push(`${item.outcome === "missing" ? "would carry" : "carried"} ${what}`);
  }
  for (const item of report.signing ?? []) {
    if (item.outcome === "failed") lines.push(`FAILED signing ${item.destination}@${item.digest}: ${item.message}`);
    else if (item.outcome === "would sign") lines.push(`would sign ${item.destination}@${item.digest}`);
    else lines.push(`signed ${item.destination}@${item.digest} (${item.wrote.join(", ")})`);
  }
  const t = report.totals;
  lines.push(
    `${dry ? "Dry run (nothing written; pass --confirm to promote)" : "Promotion"}: ` +
      `${t.copied} ${dry ? "to copy" : "copied"}, ${t.tagged} ${dry ? "to tag" : "tagged"}, ${t.skipped} skipped, ` +
      `${t.refused} refused, ${t.failed} failed`,
  );
  if (report.written) {
    const w = report.written;
    lines.push(`Written: ${w.imagesCopied} images, ${w.tagsWritten} tags, ${formatBytes(w.bytesUploaded)} uploaded, ${w.blobsMounted} blobs mounted`);
  }
  return `${lines.join("\n")}\n`;
}

function hasWork(project: ProjectRunReport): boolean {
  return [project.copied, project.tagged, project.skipped, project.refused, project.failed, project.unreachable].some((items) => items.length > 0);
}

function headline(project: ProjectRunReport, mode: RunReport["mode"], dry: boolean): string {
  if (project.verdict === "invalid") return mode === "validate-only" ? "invalid" : "invalid, skipped (nothing of it was read or written)";
  if (mode === "validate-only") return project.verdict;
  const failed = project.failed.length + project.unreachable.reduce((sum, host) => sum + host.edges, 0);
  return `${project.verdict}; ` + [
    `${project.copied.length} ${dry ? "to copy" : "copied"}`,
    `${project.tagged.length} ${dry ? "to tag" : "tagged"}`,
    `${project.skipped.length} skipped`,
    `${project.refused.length} refused`,
    `${failed} failed`,
  ].join(", ");
}

/** Refusals by message, in first-seen order: one image refused in 22 regions is one reason, said once. */
function grouped(items: readonly PlanItem[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.message ?? "", (counts.get(item.message ?? "") ?? 0) + 1);
  return [...counts];
}

function tagsOf(item: PlanItem): string {
  return item.tags.length > 0 ? ` [${item.tags.join(", ")}]` : "";
}
