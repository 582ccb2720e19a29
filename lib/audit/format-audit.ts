import type { AuditReport } from "./audit-destinations";

/**
 * The audit for people: the findings grouped by repository, one line each (`KIND: message`), then a summary
 * line with the count per kind.
 *
 * @param report the audit report
 * @returns text ending with a newline
 * @example process.stdout.write(formatAudit(report));
 * // us-central1-docker.pkg.dev/k8s-artifacts-prod/images/kind/node
 * //   unexpected-tag: tag hack on sha256:… is in no manifest
 * // Audit: 1 finding(s): unexpected-tag 1 (40 repositories under 22 destination path(s))
 */
export function formatAudit(report: AuditReport): string {
  const lines: string[] = [];
  let repository: string | undefined;
  for (const finding of report.findings) {
    if (finding.repository !== repository) lines.push((repository = finding.repository));
    lines.push(`  ${finding.kind}: ${finding.message}`);
  }
  const where = `${report.repositories} repositories under ${report.destinations.length} destination path(s)`;
  if (report.ok) lines.push(`Audit: no findings (${where})`);
  else {
    const counts = Object.entries(report.counts).filter(([, count]) => count > 0).map(([kind, count]) => `${kind} ${count}`);
    lines.push(`Audit: ${report.findings.length} finding(s): ${counts.join(", ")} (${where})`);
  }
  return `${lines.join("\n")}\n`;
}
