#!/usr/bin/env node
/**
 * `npm run add-image -- [--dry-run] REF…`: adds images from staging to their project's `images.yaml` by tag, tag
 * pattern or semver range, as kpromo's `pr` command does, without opening the pull request.
 */
import { Command, InvalidArgumentError } from "commander";
import { addImages, StagingRefError, type AddImagesResult } from "../add-image/add-images";
import { unifiedDiff } from "../add-image/unified-diff";
import { InvalidInputError } from "../diagnostics/problem";
import { createProgress } from "../promote/progress";
import { EXIT_USAGE, parseArguments, type CommandIo } from "./parse-arguments";
import { addReadOptions, CREDENTIALS_HELP, readingClient, type ReadOptions } from "./registry-options";
import { runMain } from "./run-main";

/** Exit status when a tag is refused or not found, or staging cannot be read: nothing was written. */
export const EXIT_REFUSED = 1;

interface AddImageCliOptions extends ReadOptions {
  dryRun?: boolean;
  thinManifestDir: string;
  registryEndpoint: Map<string, string>;
  quiet?: boolean;
}

/**
 * Parses `HOST=URL` for `--registry-endpoint`, adding it to the map built so far.
 *
 * @param value e.g. `gcr.io=http://127.0.0.1:5000`
 * @param previous the endpoints given before
 * @returns the endpoints with this one
 * @throws InvalidArgumentError unless it is a host, `=`, and an http(s) URL without a path
 */
export function registryEndpoint(value: string, previous: Map<string, string>): Map<string, string> {
  const [host, url] = [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)];
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!value.includes("=") || host === "" || !parsed || !/^https?:$/.test(parsed.protocol) || parsed.pathname !== "/" || parsed.search !== "") {
    throw new InvalidArgumentError("expected HOST=URL, e.g. gcr.io=http://127.0.0.1:5000");
  }
  return new Map([...previous, [host, `${parsed.protocol}//${parsed.host}`]]);
}

function buildCommand(): Command {
  return addReadOptions(
    new Command("add-image")
      .description(
        "Adds images from a staging registry to their project's images.yaml: each tag is resolved to the digest it " +
          "points to in staging (the index digest for a multi-arch image) and added in place, every other line kept as " +
          "it was. The project is the one whose promoter manifest's source registry holds the repository. manifests/ " +
          "is never changed. All or nothing: a refused or missing tag means no file is written.",
      )
      .argument(
        "<ref...>",
        "REPOSITORY:TAG, REPOSITORY:PATTERN (* and ?, e.g. v1.2.*) or REPOSITORY:RANGE (semver, e.g. '^1.2', '>=1.2.0 <1.3.0')",
      )
      .option("--dry-run", "print the change as a diff; write nothing")
      .option("--thin-manifest-dir <dir>", "the tree with manifests/ and images/", ".")
      .option(
        "--registry-endpoint <host=url>",
        "read HOST at URL instead, e.g. a mirror (repeatable; no credentials are sent there)",
        registryEndpoint,
        new Map<string, string>(),
      )
      .option("--quiet", "no progress output"),
  ).addHelpText(
    "after",
    `
Refused (nothing written): the tag latest (it moves); a tag the image already lists under another digest (tags
are never moved); a tag that another manifest wants on another digest in the same destination; a tag missing
from staging or a pattern or range that matches nothing. Tags already listed with the same digest are skipped.
A pattern or range never picks latest or cosign signature tags (sha256-<hex>.sig/.att), which the promoter
copies along with their image. A selector that is a valid tag is that tag: 1.2 is the tag 1.2, not a range.

Exit codes: 0 added (or nothing to add); 1 refused or not found, or staging could not be read (nothing
written); 2 invalid input or usage (a bad reference, no project for it, invalid manifests).

${CREDENTIALS_HELP}

Examples:
  npm run add-image -- gcr.io/k8s-staging-kind/node:v1.30.0
  npm run add-image -- --dry-run 'us-central1-docker.pkg.dev/k8s-staging-images/kueue/kueue:v0.12.*'
  npm run add-image -- 'gcr.io/k8s-staging-kind/node:^1.30' gcr.io/k8s-staging-kind/base:v20250101-abc
then: npm run check -- --base origin/main, and open the pull request.`,
  );
}

/**
 * Runs the add-image command.
 *
 * @param argv the arguments after the command
 * @param io where to write
 * @returns 0 added or nothing to add, 1 refused / not found / staging unreadable, 2 invalid input or usage
 * @example process.exitCode = await runAddImageCommand(["gcr.io/k8s-staging-kind/node:v1.30.0"]);
 */
export async function runAddImageCommand(argv: readonly string[], io: CommandIo = process): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const refs = command.processedArgs[0] as string[];
  const options = command.opts<AddImageCliOptions>();
  const progress = createProgress(io.stderr, { quiet: options.quiet });
  let result: AddImagesResult;
  try {
    const client = readingClient(options, options.registryEndpoint.size > 0 ? options.registryEndpoint : undefined);
    result = await addImages(client, options.thinManifestDir, refs, { dryRun: options.dryRun === true, progress });
  } catch (error) {
    if (error instanceof InvalidInputError) {
      io.stderr.write(`${error.message}\nadd-image: nothing written: ${error.problems.length} problem(s) in the manifests; fix them first\n`);
      return EXIT_USAGE;
    }
    if (error instanceof StagingRefError) {
      io.stderr.write(`${error.message}\nadd-image: nothing written\n`);
      return EXIT_USAGE;
    }
    throw error;
  } finally {
    progress.finish();
  }
  io.stdout.write(describe(result, options.dryRun === true));
  if (result.refused.length > 0) {
    io.stderr.write(`${result.refused.join("\n")}\nadd-image: nothing written: ${result.refused.length} problem(s)\n`);
    return EXIT_REFUSED;
  }
  return 0;
}

function describe(result: AddImagesResult, dryRun: boolean): string {
  const lines: string[] = [];
  for (const tag of result.alreadyListed) lines.push(`already listed: ${tag}`);
  for (const tag of result.leftOut) lines.push(`left out: ${tag}`);
  for (const change of result.changes) {
    for (const { image, digest, tags } of change.additions) lines.push(`${change.file}: ${image} ${digest} + ${tags.join(", ")}`);
  }
  const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
  if (result.refused.length > 0) return text;
  if (result.changes.length === 0) return `${text}Nothing to add: every tag is listed already.\n`;
  if (dryRun) return `${text}${result.changes.map((change) => unifiedDiff(change.file, change.before, change.splices)).join("")}Dry run: nothing written.\n`;
  return `${text}${result.changes.map((change) => `wrote ${change.file}`).join("\n")}\nnext: npm run check -- --base origin/main, then open a pull request\n`;
}

if (require.main === module) runMain("add-image", (argv) => runAddImageCommand(argv));
