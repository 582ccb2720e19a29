import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MEDIA_TYPES } from "./media-types";
import { initOciLayout, nameInLayout, writeBlob, writeManifestBlob, type WrittenManifest } from "./oci-layout";
import { seededBytes } from "./seeded-random";
import { seedLayout, type SkopeoOptions } from "./skopeo";

/** `sig` for a cosign signature, `att` for a cosign attestation, `sbom` for a cosign-attached SBOM. */
export type SignatureKind = "sig" | "att" | "sbom";

/** A signature or attestation manifest for one image digest. */
export interface WrittenSignature extends WrittenManifest {
  /** The tag it lives under next to the image: `sha256-<hex>.sig` or `.att`. */
  readonly tag: string;
}

const SIGNATURE_LAYER_TYPES: Record<SignatureKind, string> = {
  sig: "application/vnd.dev.cosign.simplesigning.v1+json",
  att: "application/vnd.dsse.envelope.v1+json",
  sbom: "text/spdx+json",
};

/**
 * The tag cosign stores a digest's signature (or attestation) under.
 *
 * @param digest `sha256:<64 hex>`
 * @param kind `sig` (default) or `att`
 * @returns e.g. `sha256-<hex>.sig`
 * @throws {Error} when the digest is not `sha256:` and 64 lowercase hex characters
 * @example signatureTag("sha256:" + "a".repeat(64)) // → "sha256-aaaa….sig"
 */
export function signatureTag(digest: string, kind: SignatureKind = "sig"): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid digest ${JSON.stringify(digest)}`);
  return `sha256-${digest.slice("sha256:".length)}.${kind}`;
}

/**
 * Writes a cosign-shaped signature manifest into a layout, named by its tag: an OCI manifest whose one layer is
 * the JSON payload naming the image (simple signing for `sig`, a DSSE in-toto envelope for `att`). The
 * "signature" is seeded bytes, not a real one: promotion copies these manifests, it never verifies them, and
 * deterministic bytes keep digests stable.
 *
 * @param layoutDir the OCI layout directory (initialised if needed)
 * @param imageReference `HOST/REPO` of the signed image (the payload's docker-reference)
 * @param digest the signed image's digest
 * @param kind `sig` (default), `att` or `sbom`
 * @param signers one layer per signer, in order (cosign appends a layer per signature); default one layer. The
 *   same signer always gives the same layer, so `["a", "b"]` holds every layer of `["a"]`.
 * @returns the manifest and its tag
 * @throws {Error} on an invalid digest, or the fs error
 */
export async function writeSignature(
  layoutDir: string,
  imageReference: string,
  digest: string,
  kind: SignatureKind = "sig",
  signers?: readonly string[],
): Promise<WrittenSignature> {
  const tag = signatureTag(digest, kind);
  await initOciLayout(layoutDir);
  const layers = [];
  for (const signer of signers ?? [undefined]) {
    const seed = `${imageReference}@${digest}/${kind}${signer === undefined ? "" : `/${signer}`}`;
    layers.push(await writeSignatureLayer(layoutDir, imageReference, digest, kind, seed));
  }
  const config = {
    architecture: "",
    os: "",
    created: "0001-01-01T00:00:00Z",
    config: {},
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.digest) },
  };
  const configBlob = await writeBlob(layoutDir, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.oci.manifest,
    config: { mediaType: MEDIA_TYPES.oci.config, ...configBlob },
    layers,
  };
  const written = await writeManifestBlob(layoutDir, MEDIA_TYPES.oci.manifest, Buffer.from(JSON.stringify(manifest)));
  await nameInLayout(layoutDir, tag, written);
  return { ...written, tag };
}

/** One cosign-shaped layer (payload blob plus its annotations), seeded. */
async function writeSignatureLayer(
  layoutDir: string,
  imageReference: string,
  digest: string,
  kind: SignatureKind,
  seed: string,
): Promise<{ mediaType: string; digest: string; size: number; annotations: Record<string, string> }> {
  const fakeSignature = seededBytes(seed, 71).toString("base64");
  const simpleSigning = {
    critical: {
      identity: { "docker-reference": imageReference },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  };
  const statement = {
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: [{ name: imageReference, digest: { sha256: digest.slice("sha256:".length) } }],
    predicate: {},
  };
  const payload =
    kind === "sig"
      ? simpleSigning
      : kind === "att"
        ? {
            payloadType: "application/vnd.in-toto+json",
            payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
            signatures: [{ keyid: "", sig: fakeSignature }],
          }
        : { spdxVersion: "SPDX-2.3", name: imageReference, documentNamespace: `https://example.com/${fakeSignature.slice(0, 16)}` };
  const layer = await writeBlob(layoutDir, Buffer.from(JSON.stringify(payload)));
  const annotations: Record<string, string> =
    kind === "sig"
      ? { "dev.cosignproject.cosign/signature": fakeSignature }
      : kind === "att"
        ? { predicateType: statement.predicateType }
        : {};
  return { mediaType: SIGNATURE_LAYER_TYPES[kind], ...layer, annotations };
}

/**
 * Makes a cosign-shaped signature (or attestation) for `digest` and pushes it next to the image, as
 * `HOST/REPO:sha256-<hex>.sig` (`.att`).
 *
 * @param repository `HOST/REPO` the image lives in
 * @param digest the image's digest
 * @param options kind (`sig` default), signers (one layer each) and credentials
 * @returns the pushed manifest and its tag
 * @throws {CommandError} when skopeo fails; {Error} on an invalid digest
 * @example const signature = await pushSignature(`${registry.host}/staging/app`, index.digest);
 */
export async function pushSignature(
  repository: string,
  digest: string,
  options: SkopeoOptions & { readonly kind?: SignatureKind; readonly signers?: readonly string[] } = {},
): Promise<WrittenSignature> {
  const layoutDir = await mkdtemp(join(tmpdir(), "harness-signature-"));
  try {
    const signature = await writeSignature(layoutDir, repository, digest, options.kind, options.signers);
    await seedLayout(layoutDir, signature.tag, `${repository}:${signature.tag}`, options);
    return signature;
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}
