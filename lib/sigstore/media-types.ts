/** Media types, annotations and predicate types of sigstore artifacts as cosign stores them in OCI registries. */

/** A sigstore bundle v0.3, as cosign 3 attaches it (the referrer manifest's `artifactType` and its one layer). */
export const SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** An in-toto attestation (DSSE envelope), as cosign 2 stores it in `.att` tags. */
export const DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
/** The in-toto payload type of a DSSE envelope. */
export const IN_TOTO_PAYLOAD = "application/vnd.in-toto+json";
/** The layer of a cosign 2 `.sig` manifest: the simple-signing payload that was signed. */
export const COSIGN_SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
/** OCI 1.1's empty descriptor (`{}`), the config of artifact manifests. */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

/** SBOM artifact types carried by default (SPDX and CycloneDX, as cosign and syft attach them). */
export const SBOM_ARTIFACT_TYPES = [
  "application/spdx+json",
  "text/spdx+json",
  "application/vnd.cyclonedx+json",
  "application/vnd.syft+json",
] as const;

/** The referrer artifact types carried when none are configured: sigstore bundles, in-toto attestations, SBOMs. */
export const DEFAULT_REFERRER_ARTIFACT_TYPES: readonly string[] = [SIGSTORE_BUNDLE, DSSE_ENVELOPE, IN_TOTO_PAYLOAD, ...SBOM_ARTIFACT_TYPES];

/** Layer annotations of a cosign 2 `.sig` layer. */
export const COSIGN_ANNOTATIONS = {
  signature: "dev.cosignproject.cosign/signature",
  certificate: "dev.sigstore.cosign/certificate",
  chain: "dev.sigstore.cosign/chain",
  bundle: "dev.sigstore.cosign/bundle",
} as const;

/** Annotations cosign 3 puts on a bundle referrer manifest. */
export const BUNDLE_ANNOTATIONS = {
  content: "dev.sigstore.bundle.content",
  predicateType: "dev.sigstore.bundle.predicateType",
} as const;

/** The predicate type of a cosign 3 image signature (an in-toto statement whose subject is the image). */
export const COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";
/** The predicate type of this promoter's promotion record. */
export const PROMOTION_RECORD_PREDICATE = "https://k8s.io/promo/promotion-record/v1";
/** In-toto statement type, v1. */
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
/** SLSA provenance predicate types whose builder id a policy's `builders` checks. */
export const SLSA_PROVENANCE_PREDICATES = ["https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2"] as const;
