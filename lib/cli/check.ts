// `npm run check`: the presubmit. Offline; with --base also the rules a pull request must follow.
import { Command } from "commander";
import { checkRepositoryReport } from "../check/check-repository";
import { formatProblem } from "../diagnostics/problem";
import { GitRevisionError } from "../promote/diff-base/read-at-revision";
import { runMain } from "./run-main";
import { parseArguments } from "./parse-arguments";

/** Where the command writes. */
export interface CheckIo {
  /** The verdict and help. */
  readonly stdout: { write(text: string): unknown };
  /** Problems. */
  readonly stderr: { write(text: string): unknown };
}

/** Exit status when the repository breaks a rule (or the base cannot be read). */
export const EXIT_VIOLATION = 1;

/**
 * Runs `check` with command-line arguments: every problem as `FILE:LINE:COL: message` on stderr, sorted, all at
 * once, after the warnings (`warning: FILE:LINE:COL: message`). Exit 0 when clean or with warnings only, 1 on any
 * violation or when the base revision cannot be read, 2 on a bad command line.
 *
 * @param argv the arguments after the command, e.g. `["--base", "origin/main"]`
 * @param io where to write
 * @param root the repository root (the current directory when run from npm)
 * @returns the exit status
 * @example process.exitCode = await runCheckCommand(process.argv.slice(2));
 */
export async function runCheckCommand(argv: readonly string[], io: CheckIo = process, root = "."): Promise<number> {
  const command = new Command("check")
    .description(
      "Presubmit, offline: validates projects/, the stack config and every promoter manifest, and that they agree.\n" +
        "With --base, also what a pull request may change: not both manifests/<p>/ and images/<p>/ of one project,\n" +
        "and images.yaml is append-only (no digest or tag removed, no tag moved to another digest).",
    )
    .option("--base <rev>", "git revision the pull request is compared with, e.g. origin/main")
    .option("--stack-config <file>", "stack config file, relative to the repository root", "Pulumi.prod.yaml");
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<{ base?: string; stackConfig: string }>();
  try {
    const { problems, warnings } = await checkRepositoryReport({ root, stackFile: options.stackConfig, ...(options.base ? { base: options.base } : {}) });
    // Warnings name things that cannot change what is promoted (a registry listed twice): worth fixing, never failing.
    if (warnings.length > 0) io.stderr.write(`${warnings.map((warning) => `warning: ${formatProblem(warning)}`).join("\n")}\n`);
    if (problems.length > 0) {
      io.stderr.write(`${problems.map(formatProblem).join("\n")}\n`);
      io.stderr.write(`check failed: ${problems.length} problem(s)\n`);
      return EXIT_VIOLATION;
    }
    io.stdout.write(`check passed${options.base ? ` (pull-request rules against ${options.base})` : ""}\n`);
    return 0;
  } catch (error) {
    if (error instanceof GitRevisionError) {
      io.stderr.write(`check failed: ${error.message}\n`);
      return EXIT_VIOLATION;
    }
    throw error;
  }
}

if (require.main === module) runMain("check", (argv) => runCheckCommand(argv));
