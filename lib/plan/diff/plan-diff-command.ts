import { writeFileAtomic } from "../../fs/write-file-atomic";
import type { ProgramInputs } from "../../provision/program";
import type { PlannedResource } from "../plan-program";
import { diffPlans } from "./diff-plans";
import { formatDiffMarkdown, formatDiffText } from "./format-diff";
import { planAtRevision } from "./plan-at-revision";
import { planStaging } from "./plan-staging";
import { readPlanFile } from "./read-plan-file";

/** What `npm run plan` was asked to diff, and where to write. */
export interface PlanDiffOptions {
  /** Plan the working tree and the tree at this revision, and diff them. */
  readonly base?: string;
  /** Diff these two plan JSON files (old, new) instead of planning. */
  readonly diff?: readonly string[];
  /** Also write the diff as Markdown here. */
  readonly markdown?: string;
  /** With `base`: also write the working tree's plan JSON here. */
  readonly json?: string;
  /** The working tree's program inputs (with `base`). */
  readonly inputs: ProgramInputs;
  /** The stack name (with `base`). */
  readonly stack: string;
}

/** Where the command writes. */
export interface PlanDiffIo {
  /** The text diff. */
  readonly stdout: { write(text: string): unknown };
  /** Usage problems. */
  readonly stderr: { write(text: string): unknown };
}

/**
 * The diff mode of `npm run plan`: prints what the change adds, changes and removes as text, and optionally
 * writes it as Markdown for a pull request comment. Exit 0 whatever the diff holds (it informs, it does not
 * judge), 2 on contradictory options.
 *
 * @param options what to diff and where to write
 * @param io where to write the text
 * @returns the exit status
 * @throws InvalidInputError when a plan's input (or a plan JSON file) is invalid
 * @throws GitRevisionError when the base revision cannot be read
 * @example await runPlanDiff({ base: "origin/main", markdown: "diff.md", inputs, stack: "prod" }, process);
 */
export async function runPlanDiff(options: PlanDiffOptions, io: PlanDiffIo): Promise<number> {
  const usage = usageProblem(options);
  if (usage) {
    io.stderr.write(`plan: ${usage}\n`);
    return 2;
  }
  let before: PlannedResource[];
  let after: PlannedResource[];
  if (options.diff) {
    before = await readPlanFile(options.diff[0]!);
    after = await readPlanFile(options.diff[1]!);
  } else {
    // The working tree first: a PR's own mistakes are the likelier ones and are reported with their real paths.
    after = await planStaging(options.inputs, options.stack);
    before = await planAtRevision(options.inputs, options.base!, options.stack);
    if (options.json) await writeFileAtomic(options.json, `${JSON.stringify({ resources: after }, null, 2)}\n`);
  }
  const diff = diffPlans(before, after);
  io.stdout.write(formatDiffText(diff));
  if (options.markdown) {
    const footer = options.base
      ? `<sub>Offline plan (Pulumi mocks, no cloud): \`npm run plan -- --base ${options.base}\` reproduces it.</sub>`
      : undefined;
    await writeFileAtomic(options.markdown, formatDiffMarkdown(diff, footer ? { footer } : {}));
  }
  return 0;
}

function usageProblem(options: PlanDiffOptions): string | undefined {
  if (options.base !== undefined && options.diff !== undefined) return "--base and --diff cannot be combined";
  if (options.diff !== undefined && options.diff.length !== 2) {
    return `--diff takes two plan JSON files, OLD and NEW (got ${options.diff.length})`;
  }
  if (options.diff !== undefined && options.json !== undefined) return "--json plans the working tree; it cannot be combined with --diff";
  if (options.base === undefined && options.diff === undefined && options.markdown !== undefined) {
    return "--markdown needs --base REV or --diff OLD NEW";
  }
  return undefined;
}
