#!/usr/bin/env node
/**
 * `npm run verify -- --thin-manifest-dir DIR | --manifest FILE [--repair] [--json FILE] …`
 * Lists, per destination, promoted images missing a signature, attestation, SBOM or referrer that staging has;
 * `--repair` copies them. Exit 1 while anything is missing.
 */
import { Command, Option } from "commander";
import { writeFileAtomic } from "../fs/write-file-atomic";
import { createProgress } from "../promote/progress";
import { verifyAttachments, type MissingAttachment } from "../promote/run/verify-attachments";
import { RegistryClient } from "../registry/client";
import { defaultCredentialSource } from "../registry/credentials";
import { DEFAULT_REFERRER_ARTIFACT_TYPES } from "../sigstore/media-types";
import { loadManifestOptions } from "./load-manifest-options";
import { parseArguments, type CommandIo } from "./parse-arguments";
import { runMain } from "./run-main";

/** Exit codes of the verify command. */
export const VERIFY_EXIT = { complete: 0, missing: 1, invalid: 2 } as const;

interface VerifyCliOptions {
  thinManifestDir?: string;
  manifest?: string;
  repair?: boolean;
  json?: string;
  insecureRegistry?: string[];
  referrerArtifactType?: string[];
  quiet?: boolean;
}

function buildCommand(): Command {
  const repeat = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
  return new Command("verify")
    .description(
      "List, per destination, promoted images that lack a cosign signature, attestation or SBOM tag\n" +
        "(sha256-<hex>.sig/.att/.sbom, also of an index's children) or an OCI referrer that staging has.\n" +
        "With --repair, copy them from staging. Images not promoted yet are left to `promote`.",
    )
    .addOption(new Option("--thin-manifest-dir <dir>", "a tree with manifests/<p>/promoter-manifest.yaml and images/<p>/images.yaml").conflicts("manifest"))
    .option("--manifest <file>", "a single (fat) manifest file with registries and images")
    .option("--repair", "copy what is missing (signature tags and referrers, byte-identical)")
    .option("--json <file>", "also write the list as JSON to this file")
    .option("--insecure-registry <host>", "speak plain HTTP to this host (repeatable; loopback hosts always use HTTP)", repeat)
    .option("--referrer-artifact-type <type>", `artifact type of referrers to check (repeatable; default: ${DEFAULT_REFERRER_ARTIFACT_TYPES.join(", ")})`, repeat)
    .option("--quiet", "no progress output")
    .addHelpText("after", `
Exit codes: 0 nothing missing (or everything repaired); 1 something is missing (or could not be checked or
repaired); 2 invalid input or usage.

Examples:
  npm run verify -- --thin-manifest-dir .            # what is missing
  npm run verify -- --thin-manifest-dir . --repair   # and fix it`);
}

/**
 * Runs the verify command.
 *
 * @param argv the arguments after the program name
 * @param io where output goes
 * @returns the exit code (see {@link VERIFY_EXIT})
 */
export async function runVerifyCli(
  argv: readonly string[],
  io: CommandIo = process,
): Promise<number> {
  const command = buildCommand();
  const stop = parseArguments(command, argv, io);
  if (stop !== undefined) return stop;
  const options = command.opts<VerifyCliOptions>();
  const manifests = loadManifestOptions(options, io.stderr);
  if (manifests === undefined) return VERIFY_EXIT.invalid;
  const progress = createProgress(io.stderr, { quiet: options.quiet });
  const client = new RegistryClient({ insecureHosts: options.insecureRegistry ?? [], credentials: defaultCredentialSource() });
  const missing = await verifyAttachments(client, manifests, {
    repair: options.repair === true,
    progress,
    ...(options.referrerArtifactType ? { referrerArtifactTypes: options.referrerArtifactType } : {}),
  });
  progress.finish();
  io.stdout.write(formatMissing(missing, options.repair === true));
  if (options.json) await writeFileAtomic(options.json, `${JSON.stringify({ repair: options.repair === true, missing }, null, 2)}\n`);
  return missing.some((item) => item.repaired !== true) ? VERIFY_EXIT.missing : VERIFY_EXIT.complete;
}

function formatMissing(missing: readonly MissingAttachment[], repair: boolean): string {
  const lines = missing.map((item) => {
    if (item.kind === "unreadable") return `UNREADABLE ${item.destination}: ${item.what.join("; ")}`;
    const what = item.kind === "tag" ? item.what.join(", ") : `${item.what.length} referrer(s)`;
    const state = item.repaired === undefined ? "MISSING" : item.repaired ? "REPAIRED" : "FAILED";
    return `${state} ${item.destination}@${item.digest}: ${what}${item.message ? `: ${item.message}` : ""}`;
  });
  const open = missing.filter((item) => item.repaired !== true).length;
  lines.push(open === 0 ? (repair && missing.length > 0 ? `Repaired ${missing.length}; nothing missing.` : "Nothing missing.") : `${open} missing.`);
  return `${lines.join("\n")}\n`;
}

if (require.main === module) runMain("verify", (argv) => runVerifyCli(argv));
