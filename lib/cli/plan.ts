// `npm run plan`: the offline preview. Runs the real program under Pulumi's mock runtime.
import { basename, dirname, join } from "node:path";
import { Command } from "commander";
import { InvalidInputError } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { runPlanDiff } from "../plan/diff/plan-diff-command";
import { planProgram } from "../plan/plan-program";
import { summarizePlan } from "../plan/summarize-plan";
import { declareStagingInfrastructure, loadStagingInputs } from "../provision/program";
import { runMain } from "./run-main";
import { parseArguments } from "./parse-arguments";

/** Where the command writes. */
export interface PlanIo {
  /** Summary and help. */
  readonly stdout: { write(text: string): unknown };
  /** Problems. */
  readonly stderr: { write(text: string): unknown };
}

/** Exit status for invalid input (nothing written). */
export const EXIT_INVALID_INPUT = 2;

/**
 * Runs `plan` with command-line arguments. Exit 0 on success, 2 on invalid input (only the positioned
 * problems on stderr, no JSON written), 1 on any other failure.
 *
 * @param argv the arguments after the command, e.g. `["--json", "out.json"]`
 * @param io where to write
 * @returns the exit status
 * @example process.exitCode = await runPlanCommand(process.argv.slice(2));
 */
export async function runPlanCommand(argv: readonly string[], io: PlanIo = process): Promise<number> {
  const command = new Command("plan")
    .description("Offline preview of the staging projects: the real program under Pulumi's mock runtime.")
    .option("--json <file>", 'write {"resources":[{type,name,parent,inputs}]} to this file')
    .option("--projects <dir>", "directory of project files", "projects")
    .option("--stack-config <file>", "stack config file; the stack name comes from Pulumi.<stack>.yaml", "Pulumi.prod.yaml")
    .option("--base <rev>", "also plan the files as they were at this git revision and print what the change adds, changes and removes")
    .option("--diff <plans...>", "print what changes from plan JSON file OLD to NEW (two files), without planning")
    .option("--markdown <file>", "with --base or --diff: also write the diff as Markdown, for a pull request comment");
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<{ json?: string; projects: string; stackConfig: string; base?: string; diff?: string[]; markdown?: string }>();
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(basename(options.stackConfig))?.[1] ?? "prod";
  const inputs = {
    projectsDir: options.projects,
    projectFile: join(dirname(options.stackConfig), "Pulumi.yaml"),
    stackFile: options.stackConfig,
  };
  try {
    if (options.base !== undefined || options.diff !== undefined || options.markdown !== undefined) {
      const { base, diff, markdown, json } = options;
      return await runPlanDiff({ base, diff, markdown, json, inputs, stack }, io);
    }
    // Validate before the mock stack exists, so bad input declares nothing at all; then run the same
    // declarations as index.ts.
    const { config, entries } = await loadStagingInputs(inputs);
    const plan = await planProgram(async () => declareStagingInfrastructure(config, entries), { stack });
    io.stdout.write(summarizePlan(plan.resources));
    if (options.json) await writeFileAtomic(options.json, `${JSON.stringify({ resources: plan.resources }, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    io.stderr.write(`plan failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) runMain("plan", (argv) => runPlanCommand(argv));
