/**
 * The command-line options of signatures, referrers and provenance, shared by `promote` and `verify`: adding them
 * to a command, and turning what was given into the promotion's options (or a usage error).
 */
import { execFileSync } from "node:child_process";
import { Option, type Command } from "commander";
import type { Manifest } from "../promote/manifests/types";
import type { PromoteOptions } from "../promote/run/promote";
import type { IdentitySource } from "../sigstore/identity-token";
import { DEFAULT_REFERRER_ARTIFACT_TYPES } from "../sigstore/media-types";
import type { EvidenceVerifier } from "../sigstore/verify-evidence";

/** The options as commander parses them. */
export interface SupplyChainCliOptions {
  trustedRoot?: string;
  sign?: boolean;
  fulcioUrl: string;
  rekorUrl: string;
  identityToken: string;
  legacySignature: boolean;
  referrerArtifactType?: string[];
}

/** A usage problem with these options: the command prints it and exits 2, having contacted nothing. */
export class SupplyChainOptionError extends Error {
  override readonly name = "SupplyChainOptionError";
}

/**
 * Adds the signature, referrer and provenance options to a command.
 *
 * @param command the command
 * @returns the same command
 */
export function addSupplyChainOptions(command: Command): Command {
  return command
    .option("--trusted-root <file>", "sigstore trusted root (trusted_root.json) to verify staging signatures against, offline; needed when a manifest has a provenance policy")
    .option("--sign", "sign every promoted digest keylessly (Fulcio + Rekor): a cosign 3 bundle referrer, the cosign 2 .sig, and a promotion record")
    .option("--fulcio-url <url>", "Fulcio for --sign", "https://fulcio.sigstore.dev")
    .option("--rekor-url <url>", "Rekor for --sign", "https://rekor.sigstore.dev")
    .addOption(new Option("--identity-token <source>", "OIDC token for --sign: github (GitHub Actions, id-token: write), google (application default credentials), or file:PATH").default("github"))
    .option("--no-legacy-signature", "with --sign: write no cosign 2 .sig layer (only the cosign 3 bundle)")
    .option(
      "--referrer-artifact-type <type>",
      `artifact type of OCI referrers to carry (repeatable; replaces the default: ${DEFAULT_REFERRER_ARTIFACT_TYPES.join(", ")})`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    );
}

/**
 * Turns the parsed options into promotion options. Reads the trusted root and, with `--sign`, the identity token
 * once (to know the signer's identity); contacts no registry. The sigstore libraries are loaded only here and only
 * when asked for: most runs neither verify nor sign, and loading them would double the command's start-up time.
 *
 * @param options what commander parsed
 * @param manifests the loaded manifests (does any have a provenance policy?)
 * @param manifestDir the manifests' directory, whose git commit the promotion record names
 * @returns the verifier, signing and referrer options of `promote`
 * @throws SupplyChainOptionError for a missing or unreadable trusted root, a bad token source or an unusable token
 */
export async function supplyChainOptions(
  options: SupplyChainCliOptions,
  manifests: readonly Manifest[],
  manifestDir: string,
): Promise<Pick<PromoteOptions, "verifier" | "signing" | "referrerArtifactTypes">> {
  const checking = manifests.filter((manifest) => manifest.provenance !== undefined && manifest.provenance.mode !== "off");
  let verifier: EvidenceVerifier | undefined;
  if (options.trustedRoot !== undefined) {
    const { EvidenceVerifier, TrustedRootError } = require("../sigstore/verify-evidence") as typeof import("../sigstore/verify-evidence");
    try {
      verifier = EvidenceVerifier.fromFile(options.trustedRoot);
    } catch (error) {
      if (error instanceof TrustedRootError) throw new SupplyChainOptionError(`--trusted-root ${error.message}`);
      throw error;
    }
  } else if (checking.length > 0) {
    throw new SupplyChainOptionError(`${checking.map((manifest) => manifest.file).join(", ")}: a provenance policy needs --trusted-root FILE`);
  }
  const result: Pick<PromoteOptions, "verifier" | "signing" | "referrerArtifactTypes"> = {
    ...(verifier ? { verifier } : {}),
    ...(options.referrerArtifactType ? { referrerArtifactTypes: options.referrerArtifactType } : {}),
  };
  if (!options.sign) return result;
  const { identityOfToken, identityProvider } = require("../sigstore/identity-token") as typeof import("../sigstore/identity-token");
  const { KeylessSigner } = require("../sigstore/keyless-signer") as typeof import("../sigstore/keyless-signer");
  const identity = identityProvider(identitySource(options.identityToken));
  let signerIdentity: { identity: string; issuer: string };
  try {
    signerIdentity = identityOfToken(await identity.getToken());
  } catch (error) {
    throw new SupplyChainOptionError(`--identity-token ${options.identityToken}: ${(error as Error).message}`);
  }
  const commit = gitCommit(manifestDir);
  return {
    ...result,
    signing: {
      signer: new KeylessSigner({ fulcioUrl: options.fulcioUrl, rekorUrl: options.rekorUrl, identity }),
      identity: signerIdentity,
      legacySignature: options.legacySignature,
      ...(commit !== undefined ? { manifestCommit: commit } : {}),
    },
  };
}

function identitySource(text: string): IdentitySource {
  if (text === "github" || text === "google") return { kind: text };
  if (text.startsWith("file:") && text.length > "file:".length) return { kind: "file", path: text.slice("file:".length) };
  throw new SupplyChainOptionError(`--identity-token: expected github, google or file:PATH, got ${JSON.stringify(text)}`);
}

/** The commit checked out where the manifests are, or undefined outside a git work tree. */
function gitCommit(dir: string): string | undefined {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}
