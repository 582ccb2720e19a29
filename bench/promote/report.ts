/**
 * The promotion benchmark's output: per workload a table (one row per measured run), notes (ratios, every no-op
 * run's time, fault counts) and the targets of issue 11 checked as PASS/FAIL.
 */
import type { PhaseResult } from "./measure";

/** One row of a workload's table. */
export interface TableRow {
  /** e.g. `ours, no-op rerun (median of 3)`. */
  readonly label: string;
  readonly phase: PhaseResult;
}

/** One target and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

/** What one workload measured and concluded. */
export interface WorkloadReport {
  /** e.g. `A. No-op rerun`. */
  readonly title: string;
  /** What was built and run, one line each. */
  readonly description: readonly string[];
  readonly rows: readonly TableRow[];
  /** Ratios and other figures, one line each. */
  readonly notes: readonly string[];
  readonly checks: readonly TargetCheck[];
  /** Everything else worth keeping in `--json` (every run of a median, fault counts, wrong tags). */
  readonly data: Readonly<Record<string, unknown>>;
}

const MIB = 1024 * 1024;

const COLUMNS: ReadonlyArray<readonly [string, (phase: PhaseResult) => string]> = [
  ["wall s", (p) => p.wallSeconds.toFixed(2)],
  ["CPU s", (p) => p.cpuSeconds.toFixed(2)],
  ["peak RSS MiB", (p) => p.peakRssMb.toFixed(0)],
  ["registries' CPU s", (p) => p.registryCpuSeconds.toFixed(2)],
  ["requests", (p) => String(p.traffic.requests)],
  ["HEAD", (p) => String(p.traffic.requestsByMethod.HEAD ?? 0)],
  ["GET", (p) => String(p.traffic.requestsByMethod.GET ?? 0)],
  ["writes", (p) => String(p.traffic.writeRequests)],
  ["MiB uploaded", (p) => (p.traffic.blobBytesUploaded / MIB).toFixed(1)],
  ["load", (p) => p.loadAverage.toFixed(1)],
];

/**
 * Renders one workload: title, description, the Markdown table, notes, PASS/FAIL lines and any failure's output.
 *
 * @param report the workload's report
 * @returns the text, ending without a newline
 */
export function formatReport(report: WorkloadReport): string {
  const lines = [`## ${report.title}`, "", ...report.description, ""];
  lines.push(`| run | ${COLUMNS.map(([name]) => name).join(" | ")} |`);
  lines.push(`|---|${COLUMNS.map(() => "---:").join("|")}|`);
  for (const row of report.rows) lines.push(`| ${row.label} | ${COLUMNS.map(([, show]) => show(row.phase)).join(" | ")} |`);
  lines.push("", ...report.notes.map((note) => `- ${note}`), "");
  for (const check of report.checks) lines.push(`${check.pass ? "PASS" : "FAIL"}  ${check.target}: ${check.measured}`);
  for (const row of report.rows) {
    for (const failure of row.phase.failures) lines.push("", `${row.label} failed: ${failure}`);
  }
  return lines.join("\n");
}

/**
 * `ours / theirs` as `0.42×`.
 *
 * @param ours our figure
 * @param theirs the peer's figure
 * @returns the ratio, `–` for 0/0, `∞` for x/0
 */
export function ratio(ours: number, theirs: number): string {
  if (theirs === 0) return ours === 0 ? "–" : "∞";
  return `${(ours / theirs).toFixed(2)}×`;
}

/**
 * The check that every measured run of a workload exited 0 (and none timed out).
 *
 * @param workload e.g. `A`
 * @param rows the runs, every measured one (not only the medians)
 * @returns the check
 */
export function runsSucceeded(workload: string, rows: readonly TableRow[]): TargetCheck {
  const failed = rows.filter((row) => row.phase.failures.length > 0);
  return {
    target: `${workload}: every run exits 0`,
    measured: failed.length === 0 ? `${rows.length} runs, all exit 0` : `failed: ${failed.map((row) => row.label).join("; ")}`,
    pass: failed.length === 0,
  };
}

/**
 * The check that every destination tag resolves to the source digest, per tool.
 *
 * @param workload e.g. `B`
 * @param wrong per tool, the wrong or missing tags (from `findWrongTags`)
 * @returns the check; its measured text quotes the first wrong tags
 */
export function tagsRight(workload: string, wrong: Readonly<Record<string, readonly string[]>>): TargetCheck {
  const counts = Object.entries(wrong).map(([tool, lines]) => `${lines.length} wrong (${tool})`);
  const examples = Object.values(wrong).flat().slice(0, 3);
  return {
    target: `${workload}: every destination tag resolves to the source digest`,
    measured: [counts.join(", "), ...examples].join("; "),
    pass: Object.values(wrong).every((lines) => lines.length === 0),
  };
}
