#!/usr/bin/env node
/**
 * `npm run promote -- --thin-manifest-dir DIR | --manifest FILE [--confirm] [--json FILE] …`
 * The command-line edge of the promoter: parses options, validates every project, promotes the valid ones, prints
 * the summary, writes the JSON report, and maps the outcome to an exit code.
 */
import { dirname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { compareProblems, formatProblem, type Problem } from "../diagnostics/problem";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { GitRevisionError } from "../promote/diff-base/read-at-revision";
import { selectChangedSince, type ChangedSelection } from "../promote/diff-base/select-changed";
import { parseDuration, sinceBase } from "../promote/diff-base/since";
import type { Manifest } from "../promote/manifests/types";
import { strictProblems, validateFatFile, validateThinTree, type TreeValidation } from "../promote/manifests/validate-tree";
import { createProgress } from "../promote/progress";
import { formatReport } from "../promote/run/format-report";
import { formatInvalidInputMarkdown, formatReportMarkdown } from "../promote/run/format-report-markdown";
import { DEFAULT_IMAGE_ATTEMPTS, DEFAULT_IMAGE_CONCURRENCY } from "../promote/run/execute-plan";
import { promote, type PromotionReport } from "../promote/run/promote";
import { runReport, type RunReport } from "../promote/run/run-report";
import { RegistryClient } from "../registry/client";
import { DEFAULT_BLOB_ATTEMPTS } from "../registry/copy";
import { DEFAULT_MAX_IN_FLIGHT_PER_HOST, DEFAULT_MAX_RPS } from "../registry/rate-limit";
import { defaultCredentialSource } from "../registry/credentials";
import { runMain } from "./run-main";
import { parseArguments, type CommandIo } from "./parse-arguments";
import { CREDENTIALS_HELP, positiveInteger, positiveRate } from "./registry-options";
import { addSupplyChainOptions, SupplyChainOptionError, supplyChainOptions, type SupplyChainCliOptions } from "./supply-chain-options";

/** Exit codes of the promote command. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

interface PromoteCliOptions extends SupplyChainCliOptions {
  thinManifestDir?: string;
  manifest?: string;
  confirm?: boolean;
  json?: string;
  insecureRegistry?: string[];
  concurrency: number;
  maxRps: number;
  timeout: number;
  quiet?: boolean;
  diffBase?: string;
  validateOnly?: boolean;
  strict?: boolean;
  since?: { text: string; ms: number };
  markdown?: string;
}

/** Problems printed on stderr when input stops a run; the rest are counted. */
const MAX_PRINTED_PROBLEMS = 500;

function durationOption(value: string): { text: string; ms: number } {
  try {
    return { text: value, ms: parseDuration(value) };
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function buildCommand(): Command {
  return addSupplyChainOptions(new Command("promote"))
    .description(
      "Promote container images from staging registries to production registries as the promoter manifests say.\n" +
        "Without --confirm this is a dry run: registries are read, nothing is written.",
    )
    .addOption(new Option("--thin-manifest-dir <dir>", "a tree with manifests/<p>/promoter-manifest.yaml and images/<p>/images.yaml").conflicts("manifest"))
    .addOption(new Option("--manifest <file>", "a single (fat) manifest file with registries and images"))
    .option("--confirm", "really copy and tag (default: dry run)")
    .option("--json <file>", "also write the report as JSON to this file")
    .option("--markdown <file>", "also write the report as Markdown (per project: to copy, to tag, refused, failed) for a pull-request comment")
    .option(
      "--insecure-registry <host>",
      "speak plain HTTP to this host (repeatable; loopback hosts always use HTTP)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--concurrency <n>", "images copied at once, each with up to 4 blobs in parallel", positiveInteger, DEFAULT_IMAGE_CONCURRENCY)
    .option(
      "--max-rps <n>",
      "requests per second per registry host, every request counted (reads, token requests, redirects); " +
        "cut on 429s by the share refused, regrown steadily",
      positiveRate,
      DEFAULT_MAX_RPS,
    )
    .option(
      "--timeout <seconds>",
      "abort a request after this many seconds without progress; every request gives up after 5 times this in all " +
        "(retries and waits, Retry-After included; blob transfers only count their waits)",
      positiveInteger,
      60,
    )
    .option("--quiet", "no progress output (the summary is still printed)")
    .option("--diff-base <rev>", "presubmit: consider only digests added or changed in images.yaml since this git revision")
    .addOption(
      new Option("--since <duration>", "backstop: consider only entries merged to this branch in the last DURATION (36h, 7d, 1d12h)")
        .argParser(durationOption)
        .conflicts("diffBase"),
    )
    .addOption(
      new Option("--validate-only", "validate every project offline and print the verdicts; contact no registry").conflicts(["confirm", "diffBase"]),
    )
    .option("--strict", "all or nothing (presubmits): any problem in any project stops the run before any registry is contacted")
    .addHelpText(
      "after",
      `
Projects are judged one by one: a project whose files have a problem is reported with every problem and skipped,
the others are promoted (exit 1). An image whose destination path belongs to another project is refused, the rest
of both projects promoted. Warnings (a registry listed twice, an identical duplicate entry) change nothing.

Exit codes: 0 success or nothing to do (warnings allowed); 1 something failed or was refused, or a project was
invalid and skipped; 2 invalid input or usage with nothing promoted (no valid project, no images/ or manifests/,
any problem with --strict or --validate-only; no registry was contacted).

${CREDENTIALS_HELP}

Limits, per registry host (defaults from Artifact Registry's quota of 1,000 requests/s per region and project):
--max-rps requests per second, every request counted (default ${DEFAULT_MAX_RPS}, a quarter of that quota; bursts of a
fifth of a second's worth); at most max(${DEFAULT_MAX_IN_FLIGHT_PER_HOST}, 8 × --concurrency) requests in flight. A 429 cuts the host's rate
by the share of its recent answers that were 429s (the rate that got through; once per second at most, by at most
half, down to 1/s) and the rate grows back by a tenth of --max-rps every second: it settles at a quota that refuses
the excess, and is back to --max-rps seconds after the 429s stop. A Retry-After is waited out by the request that
got it; the whole host pauses only when most of its answers of the last 2 s are 429s. Failed requests are retried
(uploads of blobs up to 1 MiB resent from memory, larger blobs restarted up to ${DEFAULT_BLOB_ATTEMPTS} times); reads and images that
still failed on transient errors are tried up to ${DEFAULT_IMAGE_ATTEMPTS - 1} more times, a few seconds later, while the others go on,
and images already decided are copied while the last reads finish. A destination that answers late or stops
reading holds up no other: it goes on alone, and one that stops reading fails alone after --timeout.

Signatures: cosign's sha256-<hex>.sig/.att/.sbom tags of every promoted digest and of an index's children are
carried (a .sig whose staging manifest holds every layer of the destination's is moved to it; one that would drop
a signature is refused), and OCI referrers (cosign 3 bundles, attestations, SBOMs) are copied and listed through
the referrers API or the sha256-<hex> fallback index — also for images promoted before (repair). A manifest's
provenance: block (mode off|warn|require, signers: [{identity, issuer}], builders) is checked against
--trusted-root before copying; in require mode an image no allowed signer signed is held back.

Examples:
  npm run promote -- --thin-manifest-dir registry.k8s.io --validate-only   # offline verdicts per project
  npm run promote -- --thin-manifest-dir registry.k8s.io              # dry run (pull requests)
  npm run promote -- --thin-manifest-dir registry.k8s.io --confirm    # promote (after merge)
  npm run promote -- --thin-manifest-dir . --confirm --since 7d        # daily backstop: only what was merged lately
  npm run promote -- --thin-manifest-dir . --confirm --trusted-root trusted_root.json --sign --identity-token google`,
    );
}

/**
 * Runs the promote command.
 *
 * @param argv the arguments after the program name
 * @param io where output goes (tests pass buffers)
 * @returns the exit code (see {@link EXIT})
 */
export async function runPromoteCli(
  argv: readonly string[],
  io: CommandIo = process,
): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<PromoteCliOptions>();
  if (!options.thinManifestDir && !options.manifest) {
    io.stderr.write("error: give --thin-manifest-dir DIR or --manifest FILE (see --help)\n");
    return EXIT.invalid;
  }

  const validation = options.thinManifestDir ? validateThinTree(options.thinManifestDir) : validateFatFile(options.manifest!);
  if (options.validateOnly) {
    const report = runReport(validation, undefined);
    io.stdout.write(formatReport(report));
    await finish(report, options);
    return strictProblems(validation).length > 0 ? EXIT.invalid : EXIT.ok;
  }
  const refusal = inputStop(validation, options.strict === true);
  if (refusal !== undefined) {
    io.stderr.write(refusal.text);
    if (options.markdown) await writeFileAtomic(options.markdown, formatInvalidInputMarkdown(refusal.lines));
    return EXIT.invalid;
  }
  let manifests: Manifest[] = validation.projects.flatMap((project) => (project.manifest ? [project.manifest] : []));

  let diffBase = options.diffBase;
  if (options.since !== undefined) {
    try {
      const base = sinceBase(options.thinManifestDir ?? dirname(options.manifest!), options.since.ms);
      diffBase = base.revision;
      io.stderr.write(
        `--since ${options.since.text}: entries merged after ${base.cutoff.toISOString()} ` +
          `(${base.revision === undefined ? "the whole history: it starts after that" : `compared with ${base.revision}, the last commit before`})\n`,
      );
    } catch (error) {
      if (!(error instanceof GitRevisionError)) throw error;
      io.stderr.write(`error: --since: ${error.message}\n`);
      return EXIT.invalid;
    }
  }

  if (diffBase !== undefined) {
    let selection: ChangedSelection;
    try {
      selection = selectChangedSince(diffBase, options.thinManifestDir, manifests);
    } catch (error) {
      if (!(error instanceof GitRevisionError)) throw error;
      io.stderr.write(`error: --diff-base: ${error.message}\n`);
      return EXIT.invalid;
    }
    io.stderr.write(`--diff-base ${diffBase}: ${selection.changed} digest(s) added or changed, ${selection.unchanged} unchanged\n`);
    if (selection.manifests.length === 0) {
      io.stdout.write(`Nothing added or changed in images.yaml since ${diffBase}: no registry contacted.\n`);
      const totals = { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 };
      const nothing: PromotionReport = { mode: options.confirm ? "confirm" : "dry-run", ok: true, totals, projects: [] };
      return finish(runReport(validation, nothing), options);
    }
    manifests = [...selection.manifests];
  }

  let supplyChain: Awaited<ReturnType<typeof supplyChainOptions>>;
  try {
    supplyChain = await supplyChainOptions(options, manifests, options.thinManifestDir ?? dirname(options.manifest!));
  } catch (error) {
    if (!(error instanceof SupplyChainOptionError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.invalid;
  }

  const progress = createProgress(io.stderr, { quiet: options.quiet });
  const client = new RegistryClient({
    insecureHosts: options.insecureRegistry ?? [],
    credentials: defaultCredentialSource(),
    timeoutMs: options.timeout * 1000,
    maxRps: options.maxRps,
    // A blob copy holds a download and an upload open at once: the cap must exceed twice the blob copies in
    // flight (--concurrency × 4), or copies between two hosts could each wait for the other's slot forever.
    maxInFlightPerHost: Math.max(DEFAULT_MAX_IN_FLIGHT_PER_HOST, options.concurrency * 8),
  });
  const promotion = await promote(client, manifests, {
    confirm: options.confirm === true,
    concurrency: options.concurrency,
    progress,
    refusals: validation.refusals,
    ...supplyChain,
  });
  progress.finish();
  const report = runReport(validation, promotion);
  io.stdout.write(formatReport(report));
  return finish(report, options);
}

/** Writes the report files asked for; the exit code follows the report. */
async function finish(report: RunReport, options: PromoteCliOptions): Promise<number> {
  if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.markdown) await writeFileAtomic(options.markdown, formatReportMarkdown(report));
  return report.ok ? EXIT.ok : EXIT.failed;
}

/**
 * What stops a run before any registry is read, as text for stderr: a tree without `images/` or `manifests/`, no
 * valid project at all, or (with `strict`) any problem anywhere. `undefined` lets the valid projects go ahead.
 */
function inputStop(validation: TreeValidation, strict: boolean): { text: string; lines: string[] } | undefined {
  // `text` for stderr; `lines`, the problems alone, for the Markdown report.
  const problems = strictProblems(validation);
  const anyValid = validation.projects.some((project) => project.manifest !== undefined);
  if (validation.problems.length === 0 && anyValid && !(strict && problems.length > 0)) return undefined;
  if (problems.length === 0) {
    const line = "error: no project found (manifests/<p>/promoter-manifest.yaml)";
    return { text: `${line}\n`, lines: [line] };
  }
  const lines = printable(problems);
  return { text: `${[...lines, `${problems.length} problem(s); nothing was read or written`].join("\n")}\n`, lines };
}

/** Problems one per line, sorted, at most {@link MAX_PRINTED_PROBLEMS}, then how many were left out. */
function printable(problems: readonly Problem[]): string[] {
  const sorted = [...problems].sort(compareProblems);
  const shown = sorted.slice(0, MAX_PRINTED_PROBLEMS).map(formatProblem);
  const more = sorted.length - shown.length;
  return more > 0 ? [...shown, `… and ${more} more problems not shown`] : shown;
}

if (require.main === module) runMain("promote", (argv) => runPromoteCli(argv));
