import { readFileSync } from "node:fs";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { COSIGN_SIGN_PREDICATE, SLSA_PROVENANCE_PREDICATES } from "./media-types";

/** Who signed: the certificate's subject alternative name and the OIDC issuer it names. */
export interface SignerIdentity {
  /** The certificate identity (an email, a workflow URI, a service account). */
  readonly identity: string;
  /** The OIDC issuer, e.g. `https://accounts.google.com`. */
  readonly issuer: string;
}

/** One signature or attestation found for an image, in a form sigstore can verify. */
export interface Evidence {
  /** Where it was found, for messages, e.g. `sha256-<hex>.sig layer 1` or `referrer sha256:…`. */
  readonly where: string;
  /** The bundle (a cosign 2 layer is converted with `bundleFromLegacy`). */
  readonly bundle: SerializedBundle;
  /** The signed bytes of a message signature (a cosign 2 payload); absent for DSSE bundles. */
  readonly artifact?: Uint8Array;
}

/** What one piece of evidence proves about an image digest. */
export type EvidenceVerdict =
  | {
      readonly ok: true;
      readonly where: string;
      readonly signer: SignerIdentity;
      /** `signature`: the image was signed; `attestation`: an in-toto statement about it was. */
      readonly kind: "signature" | "attestation";
      /** The attestation's predicate type. */
      readonly predicateType?: string;
      /** The builder id of a SLSA provenance attestation. */
      readonly builderId?: string;
    }
  | { readonly ok: false; readonly where: string; readonly reason: string };

/** A trusted root file could not be read or is not a sigstore trusted root. */
export class TrustedRootError extends Error {
  override readonly name = "TrustedRootError";
}

/**
 * Verifies sigstore evidence offline against one trusted root (Fulcio CAs, Rekor and CT log keys): the
 * certificate chain, the signature, the transparency-log entry and its signed timestamp, and that what was signed
 * names the image digest.
 *
 * @example
 * const verifier = EvidenceVerifier.fromFile("trusted_root.json");
 * const verdict = verifier.verify({ where: "referrer sha256:…", bundle }, "sha256:…");
 */
export class EvidenceVerifier {
  private readonly verifier: Verifier;

  /**
   * @param trustedRoot a sigstore `TrustedRoot` as JSON
   * @throws TrustedRootError when it is not one
   */
  constructor(trustedRoot: unknown) {
    try {
      this.verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)));
    } catch (error) {
      throw new TrustedRootError(`not a sigstore trusted root: ${(error as Error).message}`);
    }
  }

  /**
   * @param path a `trusted_root.json` (as `cosign trusted-root create` or the sigstore TUF repository has it)
   * @returns a verifier for that root
   * @throws TrustedRootError naming the file when it cannot be read or parsed
   */
  static fromFile(path: string): EvidenceVerifier {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new TrustedRootError(`${path}: ${(error as Error).message}`);
    }
    try {
      return new EvidenceVerifier(json);
    } catch (error) {
      throw new TrustedRootError(`${path}: ${(error as Error).message}`);
    }
  }

  /**
   * Verifies one piece of evidence for an image digest.
   *
   * @param evidence the bundle and, for a message signature, the signed bytes
   * @param digest the image digest it must be about
   * @returns who signed it and what it says, or why it proves nothing
   */
  verify(evidence: Evidence, digest: string): EvidenceVerdict {
    const { where } = evidence;
    try {
      const bundle = bundleFromJSON(evidence.bundle);
      const signer = this.verifier.verify(toSignedEntity(bundle, evidence.artifact ? Buffer.from(evidence.artifact) : undefined));
      const identity = signer.identity?.subjectAlternativeName;
      const issuer = signer.identity?.extensions?.issuer;
      if (identity === undefined || issuer === undefined) return { ok: false, where, reason: "signed with a key, not a certificate identity" };
      const about = bundle.content.$case === "dsseEnvelope"
        ? statementAbout(bundle.content.dsseEnvelope.payload, digest)
        : payloadAbout(evidence.artifact, digest);
      if ("reason" in about) return { ok: false, where, reason: about.reason };
      return { ok: true, where, signer: { identity, issuer }, ...about };
    } catch (error) {
      return { ok: false, where, reason: `invalid: ${(error as Error).message}` };
    }
  }
}

type About = { kind: "signature" | "attestation"; predicateType?: string; builderId?: string } | { reason: string };

function statementAbout(payload: Buffer, digest: string): About {
  const statement = JSON.parse(payload.toString("utf8")) as {
    subject?: Array<{ digest?: Record<string, string> }>;
    predicateType?: string;
    predicate?: { builder?: { id?: string }; runDetails?: { builder?: { id?: string } } };
  };
  const hex = digest.slice("sha256:".length);
  if (!statement.subject?.some((subject) => subject.digest?.sha256 === hex)) return { reason: `its statement is not about ${digest}` };
  const predicateType = statement.predicateType ?? "";
  if (predicateType === COSIGN_SIGN_PREDICATE) return { kind: "signature", predicateType };
  const builderId = (SLSA_PROVENANCE_PREDICATES as readonly string[]).includes(predicateType)
    ? (statement.predicate?.runDetails?.builder?.id ?? statement.predicate?.builder?.id)
    : undefined;
  return { kind: "attestation", predicateType, ...(builderId !== undefined ? { builderId } : {}) };
}

function payloadAbout(artifact: Uint8Array | undefined, digest: string): About {
  if (artifact === undefined) return { reason: "a message signature without its payload" };
  const payload = JSON.parse(Buffer.from(artifact).toString("utf8")) as { critical?: { image?: { "docker-manifest-digest"?: string } } };
  const signed = payload.critical?.image?.["docker-manifest-digest"];
  return signed === digest ? { kind: "signature" } : { reason: `it signs ${signed ?? "no image"}, not ${digest}` };
}
