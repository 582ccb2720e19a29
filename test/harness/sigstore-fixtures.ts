/**
 * Signing staging images as a build would (cosign 3 bundles, cosign 2 `.sig` layers) against the Fulcio/Rekor
 * stand-in, and an independent verifier of what a registry holds: sigstore-js's own verification for bundles, and
 * node's crypto for cosign 2 layers. None of it uses the promoter's code.
 */
import { createHash, verify as verifySignature, X509Certificate } from "node:crypto";
import { bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from "@sigstore/sign";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { loopbackRepository, pushReferrers, putBlob, putManifest } from "./referrers";
import type { SigstoreStandIn } from "./sigstore-stand-in";

const BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** cosign 3's predicate type for an image signature. */
export const SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";

/** Options of {@link attachBundle}. */
export interface AttachBundleOptions {
  /** The statement's predicate type (default: cosign's image signature). */
  readonly predicateType?: string;
  readonly predicate?: unknown;
  /** Flip a bit of the signature after signing: a forgery. */
  readonly forge?: boolean;
}

function signers(standIn: SigstoreStandIn, identity: string) {
  const signer = new FulcioSigner({ fulcioBaseURL: standIn.fulcioUrl, identityProvider: { getToken: async () => standIn.identityToken(identity) } });
  return {
    dsse: new DSSEBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: standIn.rekorUrl, entryType: "intoto" })] }),
    message: new MessageSignatureBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: standIn.rekorUrl })] }),
  };
}

/**
 * Signs an image as cosign 3 does (an in-toto statement about its digest in a DSSE bundle) and attaches the bundle
 * as a referrer through the fallback index.
 *
 * @param standIn the Fulcio/Rekor stand-in
 * @param identity the signer (the token's subject, the certificate's SAN)
 * @param repository `HOST/REPO` of the image
 * @param image the image's digest, media type and size
 * @param options predicate, forgery
 * @returns the bundle's JSON
 */
export async function attachBundle(
  standIn: SigstoreStandIn,
  identity: string,
  repository: string,
  image: { digest: string; mediaType: string; size: number },
  options: AttachBundleOptions = {},
): Promise<Record<string, unknown>> {
  const predicateType = options.predicateType ?? SIGN_PREDICATE;
  const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: repository, digest: { sha256: image.digest.slice(7) } }], predicateType, predicate: options.predicate ?? {} };
  const bundle = bundleToJSON(await signers(standIn, identity).dsse.create({ data: Buffer.from(JSON.stringify(statement)), type: "application/vnd.in-toto+json" })) as unknown as Record<string, unknown>;
  if (options.forge) {
    const envelope = bundle.dsseEnvelope as { signatures: Array<{ sig: string }> };
    const bytes = Buffer.from(envelope.signatures[0]!.sig, "base64");
    bytes[bytes.length - 1]! ^= 1;
    envelope.signatures[0]!.sig = bytes.toString("base64");
  }
  await pushReferrers(repository, image, [{
    artifactType: BUNDLE,
    payload: Buffer.from(JSON.stringify(bundle)),
    annotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": predicateType },
  }]);
  return bundle;
}

/**
 * Signs an image as cosign 2 does and pushes its `sha256-<hex>.sig`: the simple-signing payload as the layer, the
 * signature, certificate and Rekor bundle as its annotations.
 *
 * @param standIn the Fulcio/Rekor stand-in
 * @param identity the signer
 * @param repository `HOST/REPO` of the image
 * @param digest the image's digest
 */
export async function pushLegacySignature(standIn: SigstoreStandIn, identity: string, repository: string, digest: string): Promise<void> {
  const payload = Buffer.from(JSON.stringify({
    critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
    optional: null,
  }));
  const bundle = bundleToJSON(await signers(standIn, identity).message.create({ data: payload }));
  const entry = bundle.verificationMaterial.tlogEntries[0]!;
  const certificate = (bundle.verificationMaterial.certificate ?? bundle.verificationMaterial.x509CertificateChain!.certificates[0]!).rawBytes;
  const annotations = {
    "dev.cosignproject.cosign/signature": bundle.messageSignature!.signature,
    "dev.sigstore.cosign/certificate": new X509Certificate(Buffer.from(certificate, "base64")).toString(),
    "dev.sigstore.cosign/bundle": JSON.stringify({
      SignedEntryTimestamp: entry.inclusionPromise!.signedEntryTimestamp,
      Payload: { body: entry.canonicalizedBody, integratedTime: Number(entry.integratedTime), logIndex: Number(entry.logIndex), logID: Buffer.from(entry.logId.keyId, "base64").toString("hex") },
    }),
  };
  const layer = await putBlob(repository, payload);
  const config = await putBlob(repository, Buffer.from(JSON.stringify({ architecture: "", os: "", config: {}, rootfs: { type: "layers", diff_ids: [layer.digest] } })));
  const manifest = {
    schemaVersion: 2, mediaType: MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: SIMPLE_SIGNING, ...layer, annotations }],
  };
  await putManifest(repository, MANIFEST, Buffer.from(JSON.stringify(manifest)), `${digest.replace(":", "-")}.sig`);
}

/** A signature found valid by {@link verifyPublished}. */
export interface VerifiedSignature {
  /** `bundle` (a cosign 3 referrer) or `sig` (a cosign 2 `.sig` layer). */
  readonly form: "bundle" | "sig";
  /** The certificate's subject alternative name. */
  readonly identity: string;
  /** The statement's predicate type (bundles only). */
  readonly predicateType?: string;
  /** The statement's predicate (bundles only). */
  readonly predicate?: Record<string, unknown>;
}

/**
 * Verifies, independently of the promoter, every signature a registry holds for an image: each sigstore bundle
 * referrer of its fallback index with `@sigstore/verify` against the trusted root (and that its statement names the
 * digest), and each layer of its `.sig` with node's crypto (certificate issued by the root's CA, signature over
 * the payload, payload naming the digest). Throws on the first invalid one.
 *
 * @param repository `HOST/REPO` (anonymous loopback registry)
 * @param digest the image's digest
 * @param trustedRoot the stand-in's trusted root
 * @returns every valid signature
 * @throws {Error} when one does not verify
 */
export async function verifyPublished(repository: string, digest: string, trustedRoot: unknown): Promise<VerifiedSignature[]> {
  const { base, path } = loopbackRepository(repository);
  const get = async (kind: "manifests" | "blobs", reference: string, accept = `${INDEX}, ${MANIFEST}`): Promise<Buffer | undefined> => {
    const response = await fetch(`${base}/v2/${path}/${kind}/${reference}`, { headers: { accept } });
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`GET ${repository} ${kind}/${reference}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  const verified: VerifiedSignature[] = [];
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)));
  const index = await get("manifests", digest.replace(":", "-"));
  for (const descriptor of index ? (JSON.parse(index.toString("utf8")) as { manifests: Array<{ digest: string; artifactType?: string }> }).manifests : []) {
    if (descriptor.artifactType !== BUNDLE) continue;
    const manifest = JSON.parse((await get("manifests", descriptor.digest))!.toString("utf8")) as { layers: Array<{ digest: string }>; subject?: { digest: string } };
    if (manifest.subject?.digest !== digest) throw new Error(`referrer ${descriptor.digest} has subject ${manifest.subject?.digest}`);
    const bundle = bundleFromJSON(JSON.parse((await get("blobs", manifest.layers[0]!.digest))!.toString("utf8")));
    const signer = verifier.verify(toSignedEntity(bundle));
    if (bundle.content.$case !== "dsseEnvelope") throw new Error(`referrer ${descriptor.digest}: not a DSSE bundle`);
    const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString("utf8")) as { subject: Array<{ digest: { sha256: string } }>; predicateType: string; predicate: Record<string, unknown> };
    if (!statement.subject.some((subject) => `sha256:${subject.digest.sha256}` === digest)) throw new Error(`referrer ${descriptor.digest}: statement not about ${digest}`);
    verified.push({ form: "bundle", identity: signer.identity!.subjectAlternativeName!, predicateType: statement.predicateType, predicate: statement.predicate });
  }
  const signature = await get("manifests", `${digest.replace(":", "-")}.sig`);
  if (signature) {
    const root = new X509Certificate(Buffer.from((trustedRoot as { certificateAuthorities: Array<{ certChain: { certificates: Array<{ rawBytes: string }> } }> }).certificateAuthorities[0]!.certChain.certificates[0]!.rawBytes, "base64"));
    for (const layer of (JSON.parse(signature.toString("utf8")) as { layers: Array<{ digest: string; annotations: Record<string, string> }> }).layers) {
      const payload = (await get("blobs", layer.digest))!;
      const certificate = new X509Certificate(layer.annotations["dev.sigstore.cosign/certificate"]!);
      if (!certificate.verify(root.publicKey)) throw new Error(".sig layer: certificate not issued by the trusted CA");
      if (!verifySignature("sha256", payload, certificate.publicKey, Buffer.from(layer.annotations["dev.cosignproject.cosign/signature"]!, "base64"))) {
        throw new Error(".sig layer: signature does not verify");
      }
      const signed = (JSON.parse(payload.toString("utf8")) as { critical: { image: { "docker-manifest-digest": string } } }).critical.image["docker-manifest-digest"];
      if (signed !== digest) throw new Error(`.sig layer signs ${signed}`);
      verified.push({ form: "sig", identity: (certificate.subjectAltName ?? "").replace(/^(URI|email):/, "") });
    }
  }
  return verified;
}

/**
 * The sha256 of bytes, as a digest.
 *
 * @param bytes the bytes
 * @returns `sha256:<hex>`
 */
export function digestOfBytes(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

