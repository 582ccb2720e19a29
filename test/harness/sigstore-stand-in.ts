import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler, type HandlerFn,
} from "@sigstore/mock";

/** Options of {@link startSigstoreStandIn}. */
export interface SigstoreStandInOptions {
  /**
   * The certificate authority's clock: certificates are valid for 10 minutes from it. A clock an hour in the past
   * issues certificates that have expired by the time Rekor (on the real clock) logs the signature.
   */
  readonly caClock?: Date;
}

/** A Fulcio and Rekor on 127.0.0.1, with the trusted root that verifies what they issue. */
export interface SigstoreStandIn {
  /** Fulcio's base URL (`POST /api/v2/signingCert`). */
  readonly fulcioUrl: string;
  /** Rekor's base URL (`POST /api/v1/log/entries`). */
  readonly rekorUrl: string;
  /** The trusted root (sigstore `TrustedRoot` JSON) of this CA, CT log and transparency log. */
  readonly trustedRoot: Record<string, unknown>;
  /** A file holding {@link SigstoreStandIn.trustedRoot}, for `--trusted-root`. */
  readonly trustedRootPath: string;
  /** Requests answered so far, by path. */
  readonly requests: ReadonlyMap<string, number>;
  /**
   * An OIDC identity token for `subject` (the certificate's SAN) from `issuer`. The stand-in's Fulcio reads the
   * claims without checking the token's signature, as the mock does.
   */
  identityToken(subject: string, issuer?: string): string;
  /** Writes {@link SigstoreStandIn.identityToken} to a file, for `--identity-token-file`; returns its path. */
  identityTokenFile(subject: string, issuer?: string): Promise<string>;
  /** Stops the server and deletes its files. */
  close(): Promise<void>;
}

/** The issuer of {@link SigstoreStandIn.identityToken} when none is given. */
export const STAND_IN_ISSUER = "https://issuer.stand-in.test";

/**
 * Starts a Fulcio and Rekor stand-in on a free port of 127.0.0.1, built from `@sigstore/mock`'s certificate
 * authority, CT log and transparency log (real keys, real certificates, real signed entries), served over HTTP
 * instead of the mock's in-process interception, so the signer under test talks to it as to the real services.
 *
 * @param options the CA's clock (for expired certificates)
 * @returns the running stand-in; `close()` it when done
 * @example const sigstore = await startSigstoreStandIn();
 * // --fulcio-url sigstore.fulcioUrl --rekor-url sigstore.rekorUrl --trusted-root sigstore.trustedRootPath
 */
export async function startSigstoreStandIn(options: SigstoreStandInOptions = {}): Promise<SigstoreStandIn> {
  const caKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const logKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ctLog = await initializeCTLog(caKeys, options.caClock);
  const ca = await initializeCA(caKeys, ctLog, options.caClock);
  const requests = new Map<string, number>();
  const handlers = new Map<string, HandlerFn>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "").split("?")[0]!;
      requests.set(path, (requests.get(path) ?? 0) + 1);
      const handler = request.method === "POST" ? handlers.get(path) : undefined;
      if (!handler) return void response.writeHead(404).end();
      handler(Buffer.concat(chunks).toString("utf8")).then(
        ({ statusCode, response: body, contentType }) => {
          response.writeHead(statusCode, { "content-type": contentType ?? "text/plain" }).end(body);
        },
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const tlog = await initializeTLog(base, logKeys);
  const fulcio = fulcioHandler(ca);
  const rekor = rekorHandler(tlog);
  handlers.set(fulcio.path, fulcio.fn);
  handlers.set(rekor.path, rekor.fn);

  const start = new Date((options.caClock ?? new Date()).getTime() - 24 * 3600 * 1000).toISOString();
  const spki = (key: typeof logKeys.publicKey): Buffer => key.export({ format: "der", type: "spki" });
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{
      baseUrl: base,
      hashAlgorithm: "SHA2_256",
      publicKey: { rawBytes: spki(logKeys.publicKey).toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
      logId: { keyId: createHash("sha256").update(spki(logKeys.publicKey)).digest("base64") },
    }],
    certificateAuthorities: [{
      subject: { organization: "sigstore.mock", commonName: "sigstore" },
      uri: base,
      certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength).toString("base64") }] },
      validFor: { start },
    }],
    ctlogs: [{
      baseUrl: base,
      hashAlgorithm: "SHA2_256",
      publicKey: { rawBytes: ctLog.publicKey.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
      logId: { keyId: Buffer.from(ctLog.logID.buffer, ctLog.logID.byteOffset, ctLog.logID.byteLength).toString("base64") },
    }],
    timestampAuthorities: [],
  };
  const dir = await mkdtemp(join(tmpdir(), "sigstore-stand-in-"));
  const trustedRootPath = join(dir, "trusted_root.json");
  await writeFile(trustedRootPath, JSON.stringify(trustedRoot, null, 2));
  let tokens = 0;

  const identityToken = (subject: string, issuer = STAND_IN_ISSUER): string => {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub: subject, aud: "sigstore", iat: now, exp: now + 600 };
    return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
  };
  return {
    fulcioUrl: base,
    rekorUrl: base,
    trustedRoot,
    trustedRootPath,
    requests,
    identityToken,
    async identityTokenFile(subject, issuer) {
      const path = join(dir, `token-${++tokens}`);
      await writeFile(path, identityToken(subject, issuer));
      return path;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
