import type { SerializedBundle } from "@sigstore/bundle";
import type { RegistryClient } from "../../registry/client";
import { sha256Digest } from "../../registry/digest";
import { RegistryError } from "../../registry/errors";
import { createLimiter } from "../../registry/limit";
import { parseRepository, type RepositoryRef } from "../../registry/reference";
import { findReferrers, listInFallbackIndex } from "../../registry/referrers";
import { pushBlob, pushManifestWithBlobs } from "../../registry/push-artifact";
import { legacyAnnotations, simpleSigningPayload } from "../../sigstore/cosign-legacy";
import type { KeylessSigner } from "../../sigstore/keyless-signer";
import {
  COSIGN_SIGN_PREDICATE, COSIGN_SIMPLE_SIGNING, IN_TOTO_STATEMENT_V1, PROMOTION_RECORD_PREDICATE, SIGSTORE_BUNDLE,
} from "../../sigstore/media-types";
import type { SignerIdentity } from "../../sigstore/verify-evidence";
import type { Manifest } from "../manifests/types";
import type { EdgeDecision } from "../plan/assess-edge";
import type { Progress } from "../progress";
import {
  appendSignatureLayer, bundleAnnotations, bundleReferrer, hasSignedBundle, hasSignedLayer, SIGNER_ANNOTATIONS, signatureConfig,
} from "./signature-artifacts";

/** What `--sign` did for one promoted image in one destination. */
export interface SigningItem {
  readonly destination: string;
  readonly digest: string;
  /** `signed`: something was signed and written now; `would sign`: dry run; `failed`: see `message`. */
  readonly outcome: "signed" | "would sign" | "failed";
  /** What was (or would be) written: `bundle`, `.sig`, `record`. */
  readonly wrote: readonly string[];
  readonly message?: string;
}

/** Options of {@link signPromoted}. */
export interface SignPromotedOptions {
  readonly signer: KeylessSigner;
  /** The identity the signer's certificates name (from its token), to see what it signed already. */
  readonly identity: SignerIdentity;
  /** Also write the cosign 2 `.sig` layer (for cosign 2 clients); default true. */
  readonly legacySignature?: boolean;
  /** The git commit of the promoter manifests, named in the promotion record. */
  readonly manifestCommit?: string;
  readonly confirm: boolean;
  readonly concurrency?: number;
  readonly progress?: Progress;
}

/**
 * Signs what is promoted, keylessly, once per digest and identity: for every promoted image (copied now or
 * before) in every destination — or only in the project's `signing.registry` — writes a cosign 3 bundle referrer
 * (an in-toto statement with cosign's signature predicate, subject = the image), the cosign 2 `.sig` layer unless
 * turned off, and a promotion record (source, destination, digest, tags, manifest commit) as a bundle referrer.
 * Whatever the identity has signed there already is skipped, so a rerun signs nothing and a run that failed half
 * way is completed. The image signature is made once per digest and written, byte-identical, to every destination.
 *
 * @param client the registry client
 * @param decisions the final decisions (failed ones and signature-tag edges are ignored)
 * @param manifests the manifests (their `signing.registry`)
 * @param options signer, identity, dry run or confirm
 * @returns one item per (destination, image) where something was or would be signed, or failed
 */
export async function signPromoted(
  client: RegistryClient,
  decisions: readonly EdgeDecision[],
  manifests: readonly Manifest[],
  options: SignPromotedOptions,
): Promise<SigningItem[]> {
  const canonical = new Map(manifests.map((manifest) => [manifest.project, manifest.signingRegistry]));
  const targets = decisions.filter((decision) => decision.edge.signatureOf === undefined && decision.action !== "fail"
    && decision.edge.claims.some((claim) => {
      const registry = canonical.get(claim.project);
      return registry === undefined || decision.edge.destination.startsWith(`${registry}/`);
    }));
  const imageSignatures = new Map<string, Promise<SerializedBundle>>();
  const legacySignatures = new Map<string, Promise<SerializedBundle>>();
  // Fulcio or Rekor down (or the token refused): after two signatures in a row failed, stop asking, so the
  // remaining images fail at once instead of each waiting out its retries.
  const breaker = { failuresInARow: 0, last: "" };
  const guarded = async (sign: () => Promise<SerializedBundle>): Promise<SerializedBundle> => {
    if (breaker.failuresInARow >= 2) throw new Error(`not attempted: signing failed twice in a row (last: ${breaker.last})`);
    try {
      const bundle = await sign();
      breaker.failuresInARow = 0;
      return bundle;
    } catch (error) {
      breaker.failuresInARow++;
      breaker.last = (error as Error).message;
      throw error;
    }
  };
  const once = (memo: Map<string, Promise<SerializedBundle>>, key: string, sign: () => Promise<SerializedBundle>): Promise<SerializedBundle> => {
    let known = memo.get(key);
    if (!known) memo.set(key, (known = guarded(sign)));
    return known;
  };
  // The name a digest is signed under: its first destination, so every destination gets the same signature.
  const signedName = new Map<string, string>();
  for (const decision of targets) if (!signedName.has(decision.edge.digest)) signedName.set(decision.edge.digest, decision.edge.destination);

  const support = new Map<string, Promise<boolean>>();
  const limit = createLimiter(options.concurrency ?? 4);
  const items: SigningItem[] = [];
  options.progress?.phase("signing", targets.length);
  await Promise.all(targets.map((decision) => limit(async () => {
    const { destination, digest } = decision.edge;
    const label = `sign ${destination}@${digest}`;
    if (!options.confirm) {
      items.push({ destination, digest, outcome: "would sign", wrote: [] });
      return options.progress?.step(label);
    }
    const wrote: string[] = [];
    try {
      const repo = parseRepository(destination);
      const head = await client.headManifest(repo, digest);
      if (head === "absent") throw new Error(`${digest} is not in ${destination}`);
      const subject = { mediaType: head.mediaType, digest, size: head.size };
      const referrers = await findReferrers(client, repo, digest, { support });
      const name = signedName.get(digest)!;
      const added = [];
      if (!hasSignedBundle(referrers.descriptors, COSIGN_SIGN_PREDICATE, options.identity)) {
        const bundle = await once(imageSignatures, digest, () => options.signer.attest({
          _type: IN_TOTO_STATEMENT_V1, subject: [{ name, digest: { sha256: hex(digest) } }], predicateType: COSIGN_SIGN_PREDICATE, predicate: {},
        }));
        added.push(await pushBundle(client, repo, subject, bundle, COSIGN_SIGN_PREDICATE, options.identity));
        wrote.push("bundle");
      }
      if (!hasSignedBundle(referrers.descriptors, PROMOTION_RECORD_PREDICATE, options.identity)) {
        const record = await guarded(() => options.signer.attest({
          _type: IN_TOTO_STATEMENT_V1,
          subject: [{ name: destination, digest: { sha256: hex(digest) } }],
          predicateType: PROMOTION_RECORD_PREDICATE,
          predicate: {
            source: `${decision.source ?? decision.edge.claims[0]!.source}@${digest}`,
            destination,
            digest,
            tags: decision.edge.tags,
            projects: [...new Set(decision.edge.claims.map((claim) => claim.project))],
            ...(options.manifestCommit !== undefined ? { manifestCommit: options.manifestCommit } : {}),
          },
        }));
        added.push(await pushBundle(client, repo, subject, record, PROMOTION_RECORD_PREDICATE, options.identity));
        wrote.push("record");
      }
      if (added.length > 0 && referrers.via === "fallback") await listInFallbackIndex(client, repo, digest, added);
      if (options.legacySignature !== false && (await writeLegacySignature(client, repo, digest, name, options, legacySignatures, once))) wrote.push(".sig");
      if (wrote.length > 0) items.push({ destination, digest, outcome: "signed", wrote });
      options.progress?.step(label);
    } catch (error) {
      const message = (error as Error).message;
      items.push({ destination, digest, outcome: "failed", wrote, message });
      options.progress?.step(label, message);
    }
  })));
  return items.sort((a, b) => (a.destination + a.digest < b.destination + b.digest ? -1 : 1));
}

/** Pushes a bundle as a referrer of `subject`; returns its descriptor for the fallback index. */
async function pushBundle(
  client: RegistryClient,
  repo: RepositoryRef,
  subject: { mediaType: string; digest: string; size: number },
  bundle: SerializedBundle,
  predicateType: string,
  signer: SignerIdentity,
): Promise<{ mediaType: string; digest: string; size: number; artifactType: string; annotations: Record<string, string> }> {
  const annotations = bundleAnnotations(predicateType, signer);
  const layer = { mediaType: SIGSTORE_BUNDLE, bytes: Buffer.from(JSON.stringify(bundle)) };
  const pushed = await pushManifestWithBlobs(client, repo, [layer], bundleReferrer(subject, annotations));
  return { ...pushed, artifactType: SIGSTORE_BUNDLE, annotations };
}

/** Appends the signer's cosign 2 layer to the destination's `.sig` unless one is there; true when it wrote. */
async function writeLegacySignature(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
  name: string,
  options: SignPromotedOptions,
  memo: Map<string, Promise<SerializedBundle>>,
  once: (memo: Map<string, Promise<SerializedBundle>>, key: string, sign: () => Promise<SerializedBundle>) => Promise<SerializedBundle>,
): Promise<boolean> {
  const tag = `${digest.replace(":", "-")}.sig`;
  const existing = await client.getManifest(repo, tag).catch((error: unknown) => {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  });
  if (existing && hasSignedLayer(existing.bytes, options.identity)) return false;
  const payload = simpleSigningPayload(name, digest);
  const bundle = await once(memo, digest, () => options.signer.signMessage(payload));
  const layerBlob = await pushBlob(client, repo, payload);
  const layer = {
    mediaType: COSIGN_SIMPLE_SIGNING,
    ...layerBlob,
    annotations: { ...legacyAnnotations(bundle), [SIGNER_ANNOTATIONS.identity]: options.identity.identity, [SIGNER_ANNOTATIONS.issuer]: options.identity.issuer },
  };
  const config = signatureConfig(layer.digest);
  const configDescriptor = { mediaType: config.mediaType, ...(await pushBlob(client, repo, config.bytes)) };
  const bytes = appendSignatureLayer(existing?.bytes, layer, configDescriptor);
  const mediaType = existing?.mediaType ?? "application/vnd.oci.image.manifest.v1+json";
  // By digest first, then the tag: the tag moves only to a complete manifest.
  await client.putManifest(repo, sha256Digest(bytes), bytes, mediaType);
  await client.putManifest(repo, tag, bytes, mediaType);
  return true;
}

function hex(digest: string): string {
  return digest.slice("sha256:".length);
}

