import { createPrivateKey, randomBytes, sign, X509Certificate } from "node:crypto";

/** One grant in a Docker registry token: `repository:NAME:pull,push` becomes `{type, name, actions}`. */
export interface AccessGrant {
  /** e.g. `repository`. */
  readonly type: string;
  /** e.g. `team/app`. */
  readonly name: string;
  /** e.g. `["pull", "push"]`. */
  readonly actions: readonly string[];
}

/** What goes into a registry token. */
export interface RegistryTokenClaims {
  /** `iss`: must equal the registry's `auth.token.issuer`. */
  readonly issuer: string;
  /** `aud`: must equal the registry's `auth.token.service`. */
  readonly audience: string;
  /** `sub`: the user the token is for. */
  readonly subject: string;
  /** The `access` claim. */
  readonly access: readonly AccessGrant[];
  /** Lifetime in seconds. */
  readonly expiresInSeconds: number;
}

/**
 * Parses a Docker token scope such as `repository:team/app:pull,push`. The name sits between the first and the
 * last colon, so names with colons (`registry:catalog:*` has none, but ports could) still parse.
 *
 * @param scope one scope string
 * @returns the grant it asks for
 * @throws {Error} when the scope does not have the form `TYPE:NAME:ACTIONS`
 * @example parseScope("repository:a/b:pull,push") // → { type: "repository", name: "a/b", actions: ["pull", "push"] }
 */
export function parseScope(scope: string): AccessGrant {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last <= first + 1 || last === scope.length - 1) {
    throw new Error(`invalid scope ${JSON.stringify(scope)}: expected TYPE:NAME:ACTIONS`);
  }
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(","),
  };
}

/**
 * Signs a registry token as an ES256 JWT the way distribution's `auth.token` verifies it: the signing
 * certificate travels in the `x5c` header and must chain to the registry's `rootcertbundle` (here it is that
 * self-signed certificate itself).
 *
 * @param claims issuer, audience, subject, grants and lifetime
 * @param keyPem the P-256 private key, PEM
 * @param certPem the matching self-signed certificate, PEM
 * @returns the compact JWT
 * @throws the crypto error when the key or certificate cannot be read
 */
export function signRegistryToken(claims: RegistryTokenClaims, keyPem: string, certPem: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "ES256", x5c: [new X509Certificate(certPem).raw.toString("base64")] };
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.audience,
    // A little slack for clock checks on the registry side.
    nbf: now - 10,
    iat: now,
    exp: now + claims.expiresInSeconds,
    jti: randomBytes(12).toString("hex"),
    access: claims.access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // JWS wants the raw r||s pair, not the DER encoding Node produces by default.
  const signature = sign("sha256", Buffer.from(signingInput), {
    key: createPrivateKey(keyPem),
    dsaEncoding: "ieee-p1363",
  });
  return `${signingInput}.${base64url(signature)}`;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}
