import type { PlannedResource } from "../plan-program";
import type { InputChange } from "./diff-inputs";
import { isEmptyDiff, type PlanDiff } from "./diff-plans";

/**
 * The one-line summary of a diff.
 *
 * @param diff the diff
 * @returns e.g. `44 to add, 1 to change, 0 to remove (3566 unchanged)`, or `no changes (3610 resources unchanged)`
 */
export function summarizeDiff(diff: PlanDiff): string {
  if (isEmptyDiff(diff)) return `no changes (${diff.unchanged} resources unchanged)`;
  return `${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove (${diff.unchanged} unchanged)`;
}

/**
 * The diff as plain text for a terminal: the summary, then one line per added, changed and removed resource
 * (`+`/`~`/`-`, type, name), each changed input indented under its resource as `path: old → new`.
 *
 * @param diff the diff
 * @returns the text, ending in a newline
 * @example process.stdout.write(formatDiffText(diffPlans(base, head)));
 * // Plan diff: 0 to add, 1 to change, 0 to remove (3609 unchanged)
 * //
 * // ~ gcp:storage/bucket:Bucket k8s-staging-kind/bucket
 * //     lifecycleRules[0].condition.age: 60 → 30
 */
export function formatDiffText(diff: PlanDiff): string {
  const lines = [`Plan diff: ${summarizeDiff(diff)}`];
  const section = (resources: readonly PlannedResource[], sign: string) => {
    if (resources.length > 0) lines.push("", ...resources.map((resource) => `${sign} ${resource.type} ${resource.name}`));
  };
  section(diff.added, "+");
  if (diff.changed.length > 0) {
    lines.push("");
    for (const { resource, changes } of diff.changed) {
      lines.push(`~ ${resource.type} ${resource.name}`, ...changes.map((change) => `    ${formatChange(change)}`));
    }
  }
  section(diff.removed, "-");
  return `${lines.join("\n")}\n`;
}

/** Options for {@link formatDiffMarkdown}. */
export interface MarkdownOptions {
  /** A section with more lines than this is folded into a `<details>` block (default 20). */
  readonly foldAfterLines?: number;
  /** Longest output in characters; lines beyond are cut with a note (default 60000: GitHub comments stop at 65536). */
  readonly maxLength?: number;
  /** Appended as the last paragraph, e.g. how to reproduce the diff locally. */
  readonly footer?: string;
}

/**
 * The diff as Markdown for a pull request comment: a heading with the summary, then an Add, Change and Remove
 * section, each folded into a collapsible `<details>` block when long.
 *
 * @param diff the diff
 * @param options folding, size limit and footer
 * @returns the Markdown, ending in a newline
 * @example await writeFile("plan-diff.md", formatDiffMarkdown(diff, { footer: "Run `npm run plan -- --base origin/main`." }));
 */
export function formatDiffMarkdown(diff: PlanDiff, options: MarkdownOptions = {}): string {
  const foldAfter = options.foldAfterLines ?? 20;
  const maxLength = options.maxLength ?? 60_000;
  const blocks: string[][] = [[`### Plan diff: ${summarizeDiff(diff)}`]];
  const section = (title: string, count: number, lines: string[]) => {
    if (count === 0) return;
    if (lines.length <= foldAfter) blocks.push([`#### ${title} (${count})`, "", ...lines]);
    else blocks.push([`<details><summary><b>${title} (${count})</b></summary>`, "", ...lines, "", "</details>"]);
  };
  section("Add", diff.added.length, diff.added.map((resource) => `- ${resourceLabel(resource)}`));
  section(
    "Change",
    diff.changed.length,
    diff.changed.flatMap(({ resource, changes }) => [
      `- ${resourceLabel(resource)}`,
      ...changes.map((change) => `  - ${code(change.path)}: ${code(formatValue(change.before))} → ${code(formatValue(change.after))}`),
    ]),
  );
  section("Remove", diff.removed.length, diff.removed.map((resource) => `- ${resourceLabel(resource)}`));
  if (options.footer) blocks.push([options.footer]);
  return fitMarkdown(blocks, maxLength);
}

function fitMarkdown(blocks: string[][], maxLength: number): string {
  const whole = `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
  if (whole.length <= maxLength) return whole;
  // Cut whole lines, keep every block's closing tag, and say how much is missing.
  const note = (cut: number) => `\n_… ${cut} more lines not shown (comment size limit); run the plan diff locally for all of it._\n`;
  const lines = whole.split("\n");
  let kept = 0;
  let length = 0;
  const budget = maxLength - note(lines.length).length - "\n</details>".length;
  while (kept < lines.length && length + lines[kept]!.length + 1 <= budget) length += lines[kept++]!.length + 1;
  const head = lines.slice(0, kept);
  const openDetails = head.filter((line) => line.startsWith("<details>")).length - head.filter((line) => line === "</details>").length;
  return `${head.join("\n")}\n${openDetails > 0 ? "\n</details>\n" : ""}${note(lines.length - kept)}`;
}

function resourceLabel(resource: PlannedResource): string {
  return `${code(resource.type)} ${code(resource.name)}`;
}

function formatChange(change: InputChange): string {
  return `${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

function formatValue(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

/** A Markdown code span that survives backticks inside the text. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
