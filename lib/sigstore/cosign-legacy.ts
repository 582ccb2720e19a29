/**
 * Conversions between a sigstore bundle and a cosign 2 signature layer (one layer of a `sha256-<hex>.sig`
 * manifest: the simple-signing payload as the blob, the signature, certificate and Rekor entry as annotations).
 */
import { createHash, X509Certificate } from "node:crypto";
import type { SerializedBundle } from "@sigstore/bundle";
import { COSIGN_ANNOTATIONS } from "./media-types";

/** The simple-signing payload cosign 2 signs for an image. */
export interface SimpleSigningPayload {
  readonly critical: {
    readonly identity: { readonly "docker-reference": string };
    readonly image: { readonly "docker-manifest-digest": string };
    readonly type: string;
  };
  readonly optional: Record<string, string> | null;
}

/**
 * The payload cosign 2 signs for an image digest (the bytes of a `.sig` layer).
 *
 * @param repository where the image is published, e.g. `registry.k8s.io/pause`
 * @param digest the image's digest
 * @returns the payload's JSON bytes
 */
export function simpleSigningPayload(repository: string, digest: string): Uint8Array {
  const payload: SimpleSigningPayload = {
    critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
    optional: null,
  };
  return Buffer.from(JSON.stringify(payload));
}

/**
 * The layer annotations cosign 2 writes for a keyless signature, from the bundle of a message signature over the
 * payload: the signature, the certificate (PEM) and the Rekor entry with its signed entry timestamp.
 *
 * @param bundle a message-signature bundle with a certificate and one Rekor entry with an inclusion promise
 * @returns the annotations of the `.sig` layer
 * @throws Error when the bundle is not of that shape
 */
export function legacyAnnotations(bundle: SerializedBundle): Record<string, string> {
  if (!bundle.messageSignature) throw new Error("a cosign 2 signature needs a message-signature bundle");
  const certificate = bundle.verificationMaterial.certificate?.rawBytes ?? bundle.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (certificate === undefined || entry?.inclusionPromise === undefined) {
    throw new Error("a cosign 2 signature needs the signing certificate and a Rekor entry with a signed entry timestamp");
  }
  const rekorBundle = {
    SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
    Payload: {
      body: entry.canonicalizedBody,
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
    },
  };
  return {
    [COSIGN_ANNOTATIONS.signature]: bundle.messageSignature.signature,
    [COSIGN_ANNOTATIONS.certificate]: new X509Certificate(Buffer.from(certificate, "base64")).toString(),
    [COSIGN_ANNOTATIONS.bundle]: JSON.stringify(rekorBundle),
  };
}

/**
 * Rebuilds the sigstore bundle (v0.1: an inclusion promise, no proof) a cosign 2 signature layer amounts to, so
 * it is verified like any bundle.
 *
 * @param payload the layer's bytes (the signed simple-signing payload)
 * @param annotations the layer's annotations
 * @returns the bundle
 * @throws Error naming what is missing (a key-signed or offline signature has no certificate or Rekor bundle)
 */
export function bundleFromLegacy(payload: Uint8Array, annotations: Readonly<Record<string, string>>): SerializedBundle {
  const signature = annotations[COSIGN_ANNOTATIONS.signature];
  const pem = annotations[COSIGN_ANNOTATIONS.certificate];
  const rekor = annotations[COSIGN_ANNOTATIONS.bundle];
  if (signature === undefined || pem === undefined || rekor === undefined) {
    throw new Error("not a keyless cosign signature (no signature, certificate or Rekor bundle annotation)");
  }
  const parsed = JSON.parse(rekor) as { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
  const body = JSON.parse(Buffer.from(parsed.Payload.body, "base64").toString("utf8")) as { kind?: string; apiVersion?: string };
  // Plain JSON as a v0.1 bundle is serialized; the verifier parses and checks it with bundleFromJSON.
  const json = {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: new X509Certificate(pem).raw.toString("base64") }] },
      tlogEntries: [{
        logIndex: String(parsed.Payload.logIndex),
        logId: { keyId: Buffer.from(parsed.Payload.logID, "hex").toString("base64") },
        kindVersion: { kind: body.kind ?? "hashedrekord", version: body.apiVersion ?? "0.0.1" },
        integratedTime: String(parsed.Payload.integratedTime),
        inclusionPromise: { signedEntryTimestamp: parsed.SignedEntryTimestamp },
        canonicalizedBody: parsed.Payload.body,
      }],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: {
      messageDigest: { algorithm: "SHA2_256", digest: createHash("sha256").update(payload).digest("base64") },
      signature,
    },
  };
  return json as unknown as SerializedBundle;
}
