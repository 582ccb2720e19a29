import {
  DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, type Bundle, type BundleBuilder,
  type IdentityProvider,
} from "@sigstore/sign";
import { bundleToJSON, type SerializedBundle } from "@sigstore/bundle";
import { IN_TOTO_PAYLOAD } from "./media-types";

/** Where keyless signing gets its certificate and logs its signatures. */
export interface SigningServices {
  /** Fulcio's base URL, e.g. `https://fulcio.sigstore.dev`. */
  readonly fulcioUrl: string;
  /** Rekor's base URL, e.g. `https://rekor.sigstore.dev`. */
  readonly rekorUrl: string;
  /** Hands out the OIDC identity token Fulcio exchanges for a certificate (asked once per signature). */
  readonly identity: IdentityProvider;
  /** Per-request timeout in milliseconds; default 30 s. */
  readonly timeoutMs?: number;
}

/** An in-toto statement (v1): what a DSSE attestation signs. */
export interface InTotoStatement {
  readonly _type: string;
  readonly subject: ReadonlyArray<{ readonly name: string; readonly digest: Readonly<Record<string, string>> }>;
  readonly predicateType: string;
  readonly predicate: unknown;
}

/**
 * Signs keylessly: an ephemeral key per signature, its certificate from Fulcio for the identity token's subject,
 * the signature logged in Rekor; the result is a sigstore bundle carrying all of it, verifiable offline against
 * the trusted root.
 *
 * @example
 * const signer = new KeylessSigner({ fulcioUrl, rekorUrl, identity: tokenFromFile("token") });
 * const bundle = await signer.attest({ _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate: {} });
 */
export class KeylessSigner {
  private readonly dsse: BundleBuilder;
  private readonly message: BundleBuilder;

  /** @param services Fulcio, Rekor and the identity token */
  constructor(services: SigningServices) {
    const options = { timeout: services.timeoutMs ?? 30_000, retry: { retries: 2 } };
    const signer = new FulcioSigner({ identityProvider: services.identity, fulcioBaseURL: services.fulcioUrl, ...options });
    // Rekor v1 `intoto` entries (as npm provenance logs them); the test stand-in stores proposed entries as their
    // body, which sigstore-js can verify for `intoto` entries but not for `dsse` ones.
    this.dsse = new DSSEBundleBuilder({
      signer,
      witnesses: [new RekorWitness({ rekorBaseURL: services.rekorUrl, entryType: "intoto", ...options })],
    });
    this.message = new MessageSignatureBundleBuilder({
      signer,
      witnesses: [new RekorWitness({ rekorBaseURL: services.rekorUrl, ...options })],
    });
  }

  /**
   * Signs an in-toto statement as a DSSE envelope (a cosign 3 signature or attestation).
   *
   * @param statement the statement
   * @returns the bundle, serialized as JSON
   * @throws Error when Fulcio or Rekor refuse or cannot be reached
   */
  async attest(statement: InTotoStatement): Promise<SerializedBundle> {
    return toJson(await this.dsse.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD }));
  }

  /**
   * Signs bytes as they are (the simple-signing payload of a cosign 2 `.sig`).
   *
   * @param payload the bytes to sign
   * @returns the bundle (a message signature over the payload's sha256), serialized as JSON
   * @throws Error when Fulcio or Rekor refuse or cannot be reached
   */
  async signMessage(payload: Uint8Array): Promise<SerializedBundle> {
    return toJson(await this.message.create({ data: Buffer.from(payload) }));
  }
}

function toJson(bundle: Bundle): SerializedBundle {
  return bundleToJSON(bundle);
}
