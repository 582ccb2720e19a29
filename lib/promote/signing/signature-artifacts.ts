/**
 * The OCI shapes of what `--sign` writes: a cosign 3 bundle referrer, and a cosign 2 `.sig` manifest with one more
 * simple-signing layer. Pure: bytes in, bytes out.
 */
import type { ReferrerDescriptor } from "../../registry/client";
import { artifactManifest } from "../../registry/push-artifact";
import { BUNDLE_ANNOTATIONS, SIGSTORE_BUNDLE } from "../../sigstore/media-types";
import type { SignerIdentity } from "../../sigstore/verify-evidence";

/** Annotations naming who signed an artifact, so a rerun sees from the referrers listing what it signed already. */
export const SIGNER_ANNOTATIONS = { identity: "io.k8s.promoter.signer-identity", issuer: "io.k8s.promoter.signer-issuer" } as const;

/** OCI image config media type (cosign 2 signature manifests use a minimal image config). */
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

/**
 * The annotations of a bundle referrer manifest written by `--sign` (cosign 3's, plus the signer).
 *
 * @param predicateType the bundle's in-toto predicate type
 * @param signer who signs
 * @returns the annotations
 */
export function bundleAnnotations(predicateType: string, signer: SignerIdentity): Record<string, string> {
  return {
    [BUNDLE_ANNOTATIONS.content]: "dsse-envelope",
    [BUNDLE_ANNOTATIONS.predicateType]: predicateType,
    [SIGNER_ANNOTATIONS.identity]: signer.identity,
    [SIGNER_ANNOTATIONS.issuer]: signer.issuer,
  };
}

/**
 * Whether a referrers listing already holds a bundle of `predicateType` signed by `signer` (written by `--sign`).
 *
 * @param descriptors the subject's referrers
 * @param predicateType the predicate type
 * @param signer the signer
 * @returns true when one is there
 */
export function hasSignedBundle(descriptors: readonly ReferrerDescriptor[], predicateType: string, signer: SignerIdentity): boolean {
  return descriptors.some((descriptor) => descriptor.artifactType === SIGSTORE_BUNDLE
    && descriptor.annotations?.[BUNDLE_ANNOTATIONS.predicateType] === predicateType
    && descriptor.annotations?.[SIGNER_ANNOTATIONS.identity] === signer.identity
    && descriptor.annotations?.[SIGNER_ANNOTATIONS.issuer] === signer.issuer);
}

/**
 * The manifest of a bundle referrer: empty config, the bundle as its one layer, the image as subject.
 *
 * @param subject the signed image's descriptor
 * @param annotations the manifest's annotations ({@link bundleAnnotations})
 * @returns a builder for `pushManifestWithBlobs`
 */
export function bundleReferrer(subject: ReferrerDescriptor, annotations: Record<string, string>) {
  return (config: ReferrerDescriptor, layers: readonly ReferrerDescriptor[]): Uint8Array =>
    artifactManifest({ artifactType: SIGSTORE_BUNDLE, config, layers, subject, annotations });
}

/**
 * A cosign 2 `.sig` manifest with one more layer: the existing manifest's fields kept and the layer appended (as
 * `cosign sign` appends), or a new manifest with a minimal image config when there is none.
 *
 * @param existing the destination's current `.sig` manifest bytes, if any
 * @param layer the new layer's descriptor (simple-signing payload, with its cosign annotations)
 * @param config the config descriptor to use for a new manifest
 * @returns the manifest bytes
 */
export function appendSignatureLayer(existing: Uint8Array | undefined, layer: ReferrerDescriptor, config: ReferrerDescriptor): Uint8Array {
  if (existing === undefined) return artifactManifest({ config, layers: [layer] });
  const manifest = JSON.parse(Buffer.from(existing).toString("utf8")) as { layers: ReferrerDescriptor[] };
  manifest.layers = [...manifest.layers, layer];
  return Buffer.from(JSON.stringify(manifest));
}

/**
 * The minimal image config of a new `.sig` manifest (cosign's shape: the layers as `rootfs.diff_ids`).
 *
 * @param layerDigest the one layer's digest
 * @returns the config's media type and bytes
 */
export function signatureConfig(layerDigest: string): { mediaType: string; bytes: Uint8Array } {
  const config = { architecture: "", os: "", config: {}, rootfs: { type: "layers", diff_ids: [layerDigest] } };
  return { mediaType: OCI_CONFIG, bytes: Buffer.from(JSON.stringify(config)) };
}

/**
 * Whether a `.sig` manifest already holds a layer signed by `signer` (annotated by `--sign`).
 *
 * @param manifest the `.sig` manifest bytes
 * @param signer the signer
 * @returns true when one of its layers carries the signer's annotations
 */
export function hasSignedLayer(manifest: Uint8Array, signer: SignerIdentity): boolean {
  const parsed = JSON.parse(Buffer.from(manifest).toString("utf8")) as { layers?: ReferrerDescriptor[] };
  return (parsed.layers ?? []).some((layer) => layer.annotations?.[SIGNER_ANNOTATIONS.identity] === signer.identity
    && layer.annotations?.[SIGNER_ANNOTATIONS.issuer] === signer.issuer);
}
