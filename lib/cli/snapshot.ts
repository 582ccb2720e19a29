#!/usr/bin/env node
/**
 * `npm run snapshot -- REGISTRY_PATH [--out FILE]`: the `images.yaml` of what a registry path holds, to adopt an
 * existing registry; with `--from-manifests`, offline, what it should hold according to the promoter manifests.
 */
import { Command } from "commander";
import { InvalidInputError } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { expectedImagesUnder, expectedRepositories } from "../inventory/expected-images";
import { renderImagesYaml } from "../inventory/images-yaml";
import { splitRegistryPath } from "../inventory/repositories-under";
import { snapshotRegistry } from "../inventory/snapshot";
import { loadThinManifests } from "../promote/manifests/load-manifests";
import { createProgress } from "../promote/progress";
import { parseArguments, EXIT_USAGE, type CommandIo } from "./parse-arguments";
import { addReadOptions, CREDENTIALS_HELP, readingClient, type ReadOptions } from "./registry-options";
import { runMain } from "./run-main";

interface SnapshotCliOptions extends ReadOptions {
  out?: string;
  fromManifests?: boolean;
  thinManifestDir: string;
  quiet?: boolean;
}

function buildCommand(): Command {
  return addReadOptions(
    new Command("snapshot")
      .description(
        "Writes the images.yaml of what a registry path holds: every repository at or below it, each digest with its " +
          "tags, named relative to the path. Untagged children of multi-arch indexes, cosign .sig/.att tags and " +
          "untagged signatures or attestations (OCI referrers) are left out; other untagged images are listed by digest " +
          "([]). With --from-manifests, offline: what the path should hold according to the promoter manifests.",
      )
      .argument("<registry-path>", "e.g. gcr.io/k8s-staging-kind, us-central1-docker.pkg.dev/k8s-artifacts-prod/images/kind, 127.0.0.1:5000")
      .option("--out <file>", "write the images.yaml to this file (atomically) instead of stdout")
      .option("--from-manifests", "print what the path should hold according to the manifests; reads no registry")
      .option("--thin-manifest-dir <dir>", "with --from-manifests: the tree with manifests/ and images/", ".")
      .option("--quiet", "no progress output"),
  ).addHelpText(
    "after",
    `
Repositories are found by walking Google registries (the tag list's "child" extension) and from /v2/_catalog
elsewhere. A registry path that itself holds images cannot be named in an images.yaml: snapshot its parent.

Exit codes: 0 written; 1 a registry could not be read (nothing written); 2 invalid input or usage.

${CREDENTIALS_HELP}

Examples:
  npm run snapshot -- gcr.io/k8s-staging-kind --out images/k8s-staging-kind/images.yaml     # adopt a registry
  diff <(npm run -s snapshot -- --from-manifests us-central1-docker.pkg.dev/k8s-artifacts-prod/images/kind) \\
       <(npm run -s snapshot -- us-central1-docker.pkg.dev/k8s-artifacts-prod/images/kind)  # what differs`,
  );
}

/**
 * Runs the snapshot command.
 *
 * @param argv the arguments after the command
 * @param io where to write
 * @returns the exit code: 0 written, 1 a registry could not be read, 2 invalid input or usage
 * @example process.exitCode = await runSnapshotCommand(["gcr.io/k8s-staging-kind"]);
 */
export async function runSnapshotCommand(argv: readonly string[], io: CommandIo = process): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const [registryPath] = command.processedArgs as [string];
  const options = command.opts<SnapshotCliOptions>();
  try {
    splitRegistryPath(registryPath);
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  let text: string;
  if (options.fromManifests) {
    let manifests;
    try {
      manifests = loadThinManifests(options.thinManifestDir);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      io.stderr.write(`${error.message}\n${error.problems.length} problem(s); nothing written\n`);
      return EXIT_USAGE;
    }
    const images = expectedImagesUnder(expectedRepositories(manifests), registryPath);
    if (images.size === 0) io.stderr.write(`no destination of the manifests is at or below ${registryPath}\n`);
    text = renderImagesYaml(images);
  } else {
    const progress = createProgress(io.stderr, { quiet: options.quiet });
    try {
      const snapshot = await snapshotRegistry(readingClient(options), registryPath, { progress });
      progress.finish();
      for (const note of snapshot.notes) io.stderr.write(`note: ${note}\n`);
      text = renderImagesYaml(snapshot.images);
    } catch (error) {
      // A registry refusing, a credential helper failing, a manifest that is not JSON: all mean "cannot read".
      progress.finish();
      io.stderr.write(`snapshot failed, nothing written: ${(error as Error).message}\n`);
      return 1;
    }
  }
  if (options.out === undefined) io.stdout.write(text);
  else {
    await writeFileAtomic(options.out, text);
    io.stderr.write(`wrote ${options.out}\n`);
  }
  return 0;
}

if (require.main === module) runMain("snapshot", (argv) => runSnapshotCommand(argv));
