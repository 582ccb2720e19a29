// `npm run new-project`: adds a subproject (a shared staging registry) and its promotion files, all four or none.
import { join } from "node:path";
import { Command } from "commander";
import { InvalidInputError } from "../diagnostics/problem";
import { createProject, ProjectScaffoldError } from "../scaffold/create-project";
import { loadStackConfig } from "../stack-config/load-stack-config";
import { runMain } from "./run-main";
import { parseArguments } from "./parse-arguments";

/** Where the command writes. */
export interface NewProjectIo {
  /** The files written, and help. */
  readonly stdout: { write(text: string): unknown };
  /** Why nothing was written. */
  readonly stderr: { write(text: string): unknown };
}

/** Exit status when the project is refused (bad or taken name, bad owner) or the stack config is invalid. */
export const EXIT_REFUSED = 1;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Runs `new-project <name> [--owner GITHUB_USER]… [--image-path PATH]… [--writers MEMBER]`: writes
 * `projects/<name>.yaml` (a repository `<name>` in the shared staging project),
 * `images/k8s-staging-<name>/{OWNERS,images.yaml}` and `manifests/k8s-staging-<name>/promoter-manifest.yaml`
 * (source: that repository; destinations from the stack config). Exit 0 when written, 1 when refused (nothing
 * written), 2 on a bad command line.
 *
 * @param argv the arguments after the command, e.g. `["my-tool", "--owner", "octocat"]`
 * @param io where to write
 * @param root the repository root (the current directory when run from npm)
 * @returns the exit status
 * @example process.exitCode = await runNewProjectCommand(process.argv.slice(2));
 */
export async function runNewProjectCommand(argv: readonly string[], io: NewProjectIo = process, root = "."): Promise<number> {
  const command = new Command("new-project")
    .description(
      "Adds a subproject's staging: its repository in the shared staging project (projects/<name>.yaml), OWNERS, an empty " +
        "images.yaml and its promoter manifest (source: that repository). Dedicated projects are not created for new subprojects.",
    )
    .argument("<name>", "registry name: 3-63 lowercase letters, digits and hyphens (images go to <location>-docker.pkg.dev/<shared project>/<name>)")
    .option("--owner <github-user>", "approver of the project's images.yaml (repeatable; default: sig-k8s-infra-leads)", collect, [])
    .option("--image-path <path>", 'path below each production registry where images land (repeatable; default: <name>; "" for the root)', collect, [])
    .option("--writers <member>", "who may push, as an IAM member (default: group:k8s-infra-staging-<name>@<domain>)")
    .option("--stack-config <file>", "stack config file, relative to the repository root", "Pulumi.prod.yaml");
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const [name] = command.processedArgs as [string];
  const options = command.opts<{ owner: string[]; imagePath: string[]; writers?: string; stackConfig: string }>();
  try {
    const config = await loadStackConfig(join(root, "Pulumi.yaml"), join(root, options.stackConfig));
    const written = await createProject(root, name, config, {
      approvers: options.owner,
      ...(options.imagePath.length > 0 ? { imagePaths: options.imagePath } : {}),
      ...(options.writers !== undefined ? { writers: options.writers } : {}),
    });
    io.stdout.write(`${written.map((file) => `wrote ${file}`).join("\n")}\nnext: npm run check, then open a pull request\n`);
    return 0;
  } catch (error) {
    if (error instanceof ProjectScaffoldError) {
      io.stderr.write(`new-project: nothing written:\n${error.reasons.map((reason) => `  ${reason}`).join("\n")}\n`);
      return EXIT_REFUSED;
    }
    if (error instanceof InvalidInputError) {
      io.stderr.write(`${error.message}\nnew-project: nothing written: the stack config is invalid\n`);
      return EXIT_REFUSED;
    }
    throw error;
  }
}

if (require.main === module) runMain("new-project", (argv) => runNewProjectCommand(argv));
