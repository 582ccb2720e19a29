import { compareText } from "../plan/edges";
import type { PlanItem, ProjectReport } from "../plan/project-report";
import type { PromotionReport } from "./promote";
import type { ProjectRunReport, RunReport } from "./run-report";

/** A project as the Markdown report shows it: its work, and the verdict on its files when validation gave one. */
type ReportedProject = ProjectReport & Partial<Pick<ProjectRunReport, "verdict" | "problems" | "warnings" | "notShown">>;

/** Options of {@link formatReportMarkdown}. */
export interface ReportMarkdownOptions {
  /** Longest output in characters (default 60000: a GitHub comment holds 65536); whole projects are left out beyond it, with a note. */
  readonly maxLength?: number;
  /** A last paragraph, e.g. how to run the same locally. */
  readonly footer?: string;
}

/**
 * The promotion report as Markdown for a pull-request comment: a heading with the totals, then per project
 * (those with anything to copy, tag, refuse, that failed, or whose files are invalid or warned about) what would
 * be copied, tagged, refused and what failed, and the problems of a project skipped as invalid. Work on many
 * destinations is one line per image and digest, with the destinations folded away; projects with nothing to do
 * are only counted.
 *
 * @param report the run report (or a bare promotion report)
 * @param options size limit and footer
 * @returns the Markdown, ending with a newline
 * @example await writeFileAtomic("promote-report.md", formatReportMarkdown(report, { footer: "…" }));
 */
export function formatReportMarkdown(report: RunReport | PromotionReport, options: ReportMarkdownOptions = {}): string {
  const title = report.mode === "dry-run" ? "Promotion dry run" : report.mode === "validate-only" ? "Validation" : "Promotion";
  const t = report.totals;
  const projects: readonly ReportedProject[] = report.projects;
  const invalid = projects.filter((p) => p.verdict === "invalid").length;
  const head = [
    `### ${title}: ${t.copied} to copy, ${t.tagged} to tag, ${t.refused} refused, ${t.failed} failed${invalid > 0 ? `, ${invalid} project(s) invalid and skipped` : ""}`,
  ];
  const busy = projects.filter(
    (p) => p.copied.length + p.tagged.length + p.refused.length + p.failed.length + (p.problems?.length ?? 0) + (p.warnings?.length ?? 0) > 0,
  );
  const quiet = report.projects.length - busy.length;
  if (busy.length === 0) head.push("", report.projects.length === 0 ? "Nothing to promote." : `Everything is in place already (${report.projects.length} project(s)).`);
  else if (quiet > 0) head.push("", `${quiet} other project(s) have everything in place already.`);
  const tail = options.footer ? [options.footer] : [];
  return fit(head, busy.map(projectBlock), tail, options.maxLength ?? 60_000);
}

/**
 * Markdown for a promotion that could not start because its input is invalid.
 *
 * @param problems the formatted problems (`FILE:LINE:COL: path: message`)
 * @returns the Markdown, ending with a newline
 */
export function formatInvalidInputMarkdown(problems: readonly string[]): string {
  return `### Promotion dry run: invalid input, nothing read\n\n\`\`\`\n${problems.map((p) => p.replaceAll("```", "'''")).join("\n")}\n\`\`\`\n`;
}

function projectBlock(project: ReportedProject): string {
  const lines = [
    project.verdict === "invalid"
      ? `#### ${code(project.project)}: invalid, skipped (nothing of it was read or written)`
      : `#### ${code(project.project)}: ${project.copied.length} to copy, ${project.tagged.length} to tag, ${project.refused.length} refused, ${project.failed.length} failed`,
  ];
  const listing = (title: string, entries: readonly string[] | undefined) => {
    if (!entries || entries.length === 0) return;
    lines.push("", `**${title}**`, "", FENCE, ...entries.map((entry) => entry.replaceAll(FENCE, "'''")), FENCE);
  };
  listing("Problems", project.problems);
  listing("Warnings", project.warnings);
  if ((project.notShown ?? 0) > 0) lines.push("", `_… and ${project.notShown} more not shown: see the job log._`);
  const section = (title: string, items: readonly PlanItem[], label: (item: PlanItem) => string) => {
    if (items.length === 0) return;
    lines.push("", `**${title}**`, "");
    for (const [text, destinations] of grouped(items, label)) {
      lines.push(`- ${text} → ${destinations.length === 1 ? code(destinations[0]!) : `${destinations.length} destinations`}`);
      if (destinations.length > 1) lines.push(`  <details><summary>destinations</summary>`, "", ...destinations.map((d) => `  - ${code(d)}`), "", "  </details>");
    }
  };
  section("To copy", project.copied, (item) => `${code(`${item.source}@${item.digest}`)}${tagsOf(item)}`);
  section("To tag", project.tagged, (item) => `${code(item.digest)}${tagsOf(item)}`);
  if (project.refused.length > 0) lines.push("", "**Refused** (tags are never moved)", "", ...project.refused.map((item) => `- ${plain(item.message ?? "")}`));
  section("Failed", project.failed, (item) => `${code(item.digest)}${tagsOf(item)}: ${plain(item.message ?? "")}`);
  return lines.join("\n");
}

/** Items that say the same for several destinations, as one text with its destinations (in first-seen order). */
const FENCE = "```";

function grouped(items: readonly PlanItem[], label: (item: PlanItem) => string): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    // A failure message names its destination; the same failure elsewhere differs only there.
    const text = label({ ...item, message: item.message?.replaceAll(item.destination, "<destination>") });
    groups.set(text, [...(groups.get(text) ?? []), item.destination]);
  }
  return [...groups].sort(([a], [b]) => compareText(a, b));
}

function fit(head: string[], blocks: string[], tail: string[], maxLength: number): string {
  const join = (shown: string[], note: string[]) => `${[head.join("\n"), ...shown, ...note, ...tail].join("\n\n")}\n`;
  let shown = blocks.length;
  const note = () => (shown < blocks.length ? [`_… ${blocks.length - shown} more project(s) not shown (comment size limit): see the job log._`] : []);
  while (shown > 0 && join(blocks.slice(0, shown), note()).length > maxLength) shown--;
  return join(blocks.slice(0, shown), note());
}

function tagsOf(item: PlanItem): string {
  return item.tags.length > 0 ? ` ${item.tags.map(code).join(" ")}` : "";
}

/** A code span; repository names, digests and tags never hold backticks (the manifests are validated). */
function code(text: string): string {
  return `\`${text}\``;
}

/** Text from registries and errors, with Markdown and HTML characters escaped so it shows as written. */
function plain(text: string): string {
  return text.replace(/[\\`*_[\]<>|#&]/g, (c) => `\\${c}`);
}
