#!/usr/bin/env node
/**
 * `npm run promote -- --thin-manifest-dir DIR | --manifest FILE [--confirm] [--json FILE] …`
 * The command-line edge of the promoter: parses options, loads and validates the manifests, runs the
 * promotion, prints the summary, writes the JSON report, and maps the outcome to an exit code.
 */
import { dirname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { GitRevisionError } from "../promote/diff-base/read-at-revision";
import { selectChangedSince, type ChangedSelection } from "../promote/diff-base/select-changed";
import type { Manifest } from "../promote/manifests/types";
import { createProgress } from "../promote/progress";
import { formatReport } from "../promote/run/format-report";
import { promote } from "../promote/run/promote";
import { RegistryClient } from "../registry/client";
import { DEFAULT_MAX_IN_FLIGHT_PER_HOST, DEFAULT_MAX_RPS } from "../registry/rate-limit";
import { defaultCredentialSource } from "../registry/credentials";
import { loadManifestOptions } from "./load-manifest-options";
import { runMain } from "./run-main";
import { parseArguments } from "./parse-arguments";
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
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError("must be a positive integer");
  return number;
}

function positiveRate(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError("must be a positive number");
  return number;
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
    .option(
      "--insecure-registry <host>",
      "speak plain HTTP to this host (repeatable; loopback hosts always use HTTP)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--concurrency <n>", "images copied at once, each with up to 4 blobs in parallel", positiveInteger, 8)
    .option(
      "--max-rps <n>",
      "requests per second per registry host, every request counted (reads, token requests, redirects); " +
        "halved on each 429 and restored gradually; a Retry-After pauses the whole host",
      positiveRate,
      DEFAULT_MAX_RPS,
    )
    .option("--timeout <seconds>", "abort a request after this many seconds without progress", positiveInteger, 60)
    .option("--quiet", "no progress output (the summary is still printed)")
    .option("--diff-base <rev>", "presubmit: consider only digests added or changed in images.yaml since this git revision")
    .addHelpText(
      "after",
      `
Exit codes: 0 success or nothing to do; 1 something failed or a tag move was refused; 2 invalid input or usage
(nothing was read from or written to any registry).

Credentials: $DOCKER_CONFIG/config.json (else ~/.docker/config.json) "auths"; for gcr.io, *.gcr.io and
*-docker.pkg.dev also GOOGLE_OAUTH_ACCESS_TOKEN, else Google application default credentials.

Limits, per registry host: --max-rps requests per second (default 50, bursts of a fifth of that); at most
max(64, 8 × --concurrency) requests in flight; on a 429 the host's rate is halved (down to 1/s) and grows back
by a tenth of --max-rps every 5 s without a 429.

Signatures: cosign's sha256-<hex>.sig/.att/.sbom tags of every promoted digest and of an index's children are
carried (a .sig whose staging manifest holds every layer of the destination's is moved to it; one that would drop
a signature is refused), and OCI referrers (cosign 3 bundles, attestations, SBOMs) are copied and listed through
the referrers API or the sha256-<hex> fallback index — also for images promoted before (repair). A manifest's
provenance: block (mode off|warn|require, signers: [{identity, issuer}], builders) is checked against
--trusted-root before copying; in require mode an image no allowed signer signed is held back.

Examples:
  npm run promote -- --thin-manifest-dir registry.k8s.io              # dry run (pull requests)
  npm run promote -- --thin-manifest-dir registry.k8s.io --confirm    # promote (after merge)
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
  io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream & { isTTY?: boolean } } = process,
): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<PromoteCliOptions>();
  const loaded = loadManifestOptions(options, io.stderr);
  if (loaded === undefined) return EXIT.invalid;
  let manifests: Manifest[] = loaded;

  if (options.diffBase !== undefined) {
    let selection: ChangedSelection;
    try {
      selection = selectChangedSince(options.diffBase, options.thinManifestDir, manifests);
    } catch (error) {
      if (!(error instanceof GitRevisionError)) throw error;
      io.stderr.write(`error: --diff-base: ${error.message}\n`);
      return EXIT.invalid;
    }
    io.stderr.write(`--diff-base ${options.diffBase}: ${selection.changed} digest(s) added or changed, ${selection.unchanged} unchanged\n`);
    if (selection.manifests.length === 0) {
      io.stdout.write(`Nothing added or changed in images.yaml since ${options.diffBase}: no registry contacted.\n`);
      const totals = { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 };
      const empty = { mode: options.confirm ? "confirm" : "dry-run", ok: true, totals, projects: [] };
      if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(empty, null, 2)}\n`);
      return EXIT.ok;
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
  const report = await promote(client, manifests, { confirm: options.confirm === true, concurrency: options.concurrency, progress, ...supplyChain });
  progress.finish();
  io.stdout.write(formatReport(report));
  if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}

if (require.main === module) runMain("promote", (argv) => runPromoteCli(argv));
