import type { ProvenancePolicy } from "../manifests/types";
import type { EvidenceVerdict } from "../../sigstore/verify-evidence";

/** Whether an image satisfies a provenance policy, and why not. */
export type PolicyOutcome =
  | { readonly ok: true; readonly signer: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Judges the verified evidence of an image by a project's policy: it passes when a valid signature or
 * attestation comes from an allowed signer (identity and issuer both match) and, when the policy names builders,
 * a SLSA provenance attestation from an allowed signer names one of them.
 *
 * @param verdicts one per piece of evidence found (valid or not)
 * @param policy the project's policy
 * @returns ok with the signer that satisfied it, or every reason it failed, in one line
 * @example evaluatePolicy([], policy) // → { ok: false, reason: "no signature or attestation found" }
 */
export function evaluatePolicy(verdicts: readonly EvidenceVerdict[], policy: ProvenancePolicy): PolicyOutcome {
  if (verdicts.length === 0) return { ok: false, reason: "no signature or attestation found" };
  const allowed = verdicts.filter(
    (verdict): verdict is Extract<EvidenceVerdict, { ok: true }> =>
      verdict.ok && policy.signers.some((signer) => signer.identity === verdict.signer.identity && signer.issuer === verdict.signer.issuer),
  );
  if (allowed.length === 0) {
    return {
      ok: false,
      reason: verdicts
        .map((verdict) => verdict.ok
          ? `${verdict.where}: signed by ${verdict.signer.identity} (issuer ${verdict.signer.issuer}), not an allowed signer`
          : `${verdict.where}: ${verdict.reason}`)
        .join("; "),
    };
  }
  if (policy.builders.length === 0) return { ok: true, signer: allowed[0]!.signer.identity };
  const built = allowed.find((verdict) => verdict.builderId !== undefined && policy.builders.includes(verdict.builderId));
  if (built) return { ok: true, signer: built.signer.identity };
  const named = allowed.flatMap((verdict) => (verdict.builderId === undefined ? [] : [verdict.builderId]));
  return {
    ok: false,
    reason: named.length === 0
      ? "no SLSA provenance attestation from an allowed signer (the policy names builders)"
      : `built by ${named.join(", ")}, not an allowed builder`,
  };
}
