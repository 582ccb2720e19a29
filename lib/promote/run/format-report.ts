import type { PlanItem, ProjectReport } from "../plan/project-report";
import { formatBytes } from "../progress";
import type { PromotionReport } from "./promote";

/**
 * The human summary of a promotion: per project, each copy, tag, refusal and failure on its own line (skipped
 * images only counted), then the totals. In a dry run the verbs say what would happen.
 *
 * @param report the promotion report
 * @returns text ending with a newline
 */
export function formatReport(report: PromotionReport): string {
  const dry = report.mode === "dry-run";
  const lines: string[] = [];
  for (const project of report.projects) {
    lines.push(`${project.project}: ${countsOf(project, dry)}`);
    for (const item of project.copied) lines.push(`  ${dry ? "would copy" : "copied"} ${item.source}@${item.digest} → ${item.destination}${tagsOf(item)}`);
    for (const item of project.tagged) lines.push(`  ${dry ? "would tag" : "tagged"} ${item.destination}@${item.digest}${tagsOf(item)}`);
    for (const item of project.refused) lines.push(`  REFUSED ${item.message}`);
    for (const item of project.failed) lines.push(`  FAILED ${item.destination}@${item.digest}: ${item.message}`);
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

function countsOf(project: ProjectReport, dry: boolean): string {
  return [
    `${project.copied.length} ${dry ? "to copy" : "copied"}`,
    `${project.tagged.length} ${dry ? "to tag" : "tagged"}`,
    `${project.skipped.length} skipped`,
    `${project.refused.length} refused`,
    `${project.failed.length} failed`,
  ].join(", ");
}

function tagsOf(item: PlanItem): string {
  return item.tags.length > 0 ? ` [${item.tags.join(", ")}]` : "";
}
