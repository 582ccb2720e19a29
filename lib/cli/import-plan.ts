// `npm run import-plan`: the `pulumi import --file` file that adopts the existing staging projects.
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Command } from "commander";
import { InvalidInputError } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { planStaging } from "../plan/diff/plan-staging";
import { buildImportFile, ImportIdError, type ImportFile } from "../plan/import/import-file";
import { runMain } from "./run-main";
import { parseArguments } from "./parse-arguments";

/** Where the command writes. */
export interface ImportPlanIo {
  /** Summary and help. */
  readonly stdout: { write(text: string): unknown };
  /** Problems. */
  readonly stderr: { write(text: string): unknown };
}

/**
 * Runs `import-plan` with command-line arguments: plans the program offline (as `npm run plan`), derives the
 * cloud id of every declared resource and writes the import file. Exit 0 on success, 2 on invalid input or a
 * resource without an id (every one listed on stderr, nothing written), 1 on any other failure.
 *
 * @param argv the arguments after the command, e.g. `["--out", "import.json"]`
 * @param io where to write
 * @returns the exit status
 * @example process.exitCode = await runImportPlanCommand(process.argv.slice(2));
 */
export async function runImportPlanCommand(argv: readonly string[], io: ImportPlanIo = process): Promise<number> {
  const command = new Command("import-plan")
    .description("Write a `pulumi import --file` file with the cloud id of every resource the program declares.")
    .option("--out <file>", "the import file to write", "import.json")
    .option("--projects <dir>", "directory of project files", "projects")
    .option("--stack-config <file>", "stack config file; the stack name comes from Pulumi.<stack>.yaml", "Pulumi.prod.yaml")
    .option("--ids <file>", 'JSON {"<logical name>": "<id>"} for ids the cloud assigned (Cloud Identity groups)');
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<{ out: string; projects: string; stackConfig: string; ids?: string }>();
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(basename(options.stackConfig))?.[1] ?? "prod";
  try {
    const knownIds = options.ids ? await readKnownIds(options.ids) : new Map<string, string>();
    const resources = await planStaging(
      { projectsDir: options.projects, projectFile: join(dirname(options.stackConfig), "Pulumi.yaml"), stackFile: options.stackConfig },
      stack,
    );
    const file = buildImportFile(resources, { knownIds });
    await writeFileAtomic(options.out, `${JSON.stringify(file, null, 2)}\n`);
    io.stdout.write(summarizeImportFile(file, options.out));
    return 0;
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof ImportIdError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    io.stderr.write(`import-plan failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * Reads the `--ids` file: a JSON object from logical name to cloud id.
 *
 * @param file the file
 * @returns the ids by logical name
 * @throws InvalidInputError when it is not such an object (at `FILE:1:1`; JSON has no positions)
 */
export async function readKnownIds(file: string): Promise<Map<string, string>> {
  const invalid = (message: string) => new InvalidInputError([{ file, line: 1, col: 1, path: "", message }]);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) throw invalid(`not JSON (${error.message})`);
    throw error;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid('expected {"<logical name>": "<id>", …}');
  const entries = Object.entries(value);
  const bad = entries.filter(([, id]) => typeof id !== "string" || id === "").map(([name]) => name);
  if (bad.length > 0) throw invalid(`ids must be non-empty strings: ${bad.map((name) => JSON.stringify(name)).join(", ")}`);
  return new Map(entries as [string, string][]);
}

function summarizeImportFile(file: ImportFile, out: string): string {
  const counts = new Map<string, number>();
  for (const entry of file.resources) counts.set(entry.type, (counts.get(entry.type) ?? 0) + 1);
  const lines = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, count]) => `  ${String(count).padStart(6)} ${type}`);
  return [
    `${out}: ${file.resources.length} resources to import:`,
    ...lines,
    `Adopt them with: pulumi import --file ${out} --generate-code=false`,
    "",
  ].join("\n");
}

if (require.main === module) runMain("import-plan", (argv) => runImportPlanCommand(argv));
