#!/usr/bin/env node
/**
 * `npm run audit -- [--thin-manifest-dir DIR] [--json FILE]`: compares every production destination with the
 * promoter manifests and reports what differs. Reads registries; writes nothing to them.
 */
import { Command } from "commander";
import { auditDestinations } from "../audit/audit-destinations";
import { formatAudit } from "../audit/format-audit";
import { InvalidInputError } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { loadThinManifests } from "../promote/manifests/load-manifests";
import type { Manifest } from "../promote/manifests/types";
import { createProgress } from "../promote/progress";
import { EXIT_USAGE, parseArguments, type CommandIo } from "./parse-arguments";
import { addReadOptions, CREDENTIALS_HELP, readingClient, type ReadOptions } from "./registry-options";
import { runMain } from "./run-main";

/** Exit status when the audit found anything (or a repository could not be read). */
export const EXIT_FINDINGS = 1;

interface AuditCliOptions extends ReadOptions {
  thinManifestDir: string;
  json?: string;
  quiet?: boolean;
}

function buildCommand(): Command {
  return addReadOptions(
    new Command("audit")
      .description(
        "Compares every destination registry of the promoter manifests with what the manifests say it should hold, " +
          "and reports: digests no manifest promotes there and tags no manifest asks for (pushed outside the promoter), " +
          "wanted tags pointing at another digest, wanted digests and tags missing, repositories that cannot be read. " +
          "Writes nothing to any registry.",
      )
      .option("--thin-manifest-dir <dir>", "the tree with manifests/<p>/promoter-manifest.yaml and images/<p>/images.yaml", ".")
      .option("--json <file>", "also write the report as JSON to this file")
      .option("--quiet", "no progress output"),
  ).addHelpText(
    "after",
    `
Every repository at or below each destination path is read (walked on Google registries, from /v2/_catalog
elsewhere), so a repository nobody promotes to is found too. Cosign .sig/.att tags, untagged children of
indexes and untagged referrers (signatures, attestations) travel with their image and are not findings.

Exit codes: 0 no findings; 1 any finding (or a repository could not be read); 2 invalid input or usage.

${CREDENTIALS_HELP}

Example:
  npm run audit -- --thin-manifest-dir . --json audit.json`,
  );
}

/**
 * Runs the audit command.
 *
 * @param argv the arguments after the command
 * @param io where to write
 * @returns 0 no findings, 1 findings, 2 invalid input or usage
 * @example process.exitCode = await runAuditCommand(["--thin-manifest-dir", "."]);
 */
export async function runAuditCommand(argv: readonly string[], io: CommandIo = process): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<AuditCliOptions>();
  let manifests: Manifest[];
  try {
    manifests = loadThinManifests(options.thinManifestDir);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    io.stderr.write(`${error.message}\n${error.problems.length} problem(s); no registry was read\n`);
    return EXIT_USAGE;
  }
  const progress = createProgress(io.stderr, { quiet: options.quiet });
  const report = await auditDestinations(readingClient(options), manifests, { progress });
  progress.finish();
  io.stdout.write(formatAudit(report));
  if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : EXIT_FINDINGS;
}

if (require.main === module) runMain("audit", (argv) => runAuditCommand(argv));
