import { readFile } from "node:fs/promises";
import type { IdentityProvider } from "@sigstore/sign";
import { GoogleAuth } from "google-auth-library";

/** Where the OIDC identity token for keyless signing comes from. */
export type IdentitySource =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "github" }
  | { readonly kind: "google" };

/** The audience Fulcio expects in identity tokens. */
export const SIGSTORE_AUDIENCE = "sigstore";

/**
 * An identity provider for the signer: the token is read or requested each time (tokens are short-lived, and a
 * token file may be refreshed by the platform while a long promotion runs).
 *
 * - `file`: the file's contents (a projected service-account token, or a token a workflow step wrote);
 * - `github`: GitHub Actions' OIDC token (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`, needs `id-token: write`);
 * - `google`: an ID token for the application-default service account (Workload Identity, metadata server).
 *
 * @param source where the token comes from
 * @returns the provider
 * @example const identity = identityProvider({ kind: "file", path: "/var/run/sigstore/token" });
 */
export function identityProvider(source: IdentitySource): IdentityProvider {
  switch (source.kind) {
    case "file":
      return { getToken: async () => (await readFile(source.path, "utf8")).trim() };
    case "github":
      return { getToken: githubActionsToken };
    case "google":
      return { getToken: googleIdToken };
  }
}

/**
 * The claims of a JWT, read without checking its signature (Fulcio checks it; this only predicts the identity).
 *
 * @param token a JWT
 * @returns its claims
 * @throws Error when it is not a JWT
 */
export function tokenClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (part === undefined) throw new Error("the identity token is not a JWT");
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new Error("the identity token is not a JWT");
  }
}

/**
 * The certificate identity Fulcio issues for a token, as Fulcio maps its issuers' claims: GitHub Actions → the
 * workflow URI (`https://github.com/<job_workflow_ref>`), a token with an `email` claim → the email, else `sub`.
 *
 * @param token the OIDC identity token
 * @returns the identity and issuer the certificate will name
 * @throws Error when the token is not a JWT or has no issuer
 */
export function identityOfToken(token: string): { identity: string; issuer: string } {
  const claims = tokenClaims(token);
  const issuer = claims.iss;
  if (typeof issuer !== "string") throw new Error("the identity token names no issuer");
  if (typeof claims.job_workflow_ref === "string") return { identity: `https://github.com/${claims.job_workflow_ref}`, issuer };
  if (typeof claims.email === "string") return { identity: claims.email, issuer };
  if (typeof claims.sub === "string") return { identity: claims.sub, issuer };
  throw new Error("the identity token names no subject");
}

async function githubActionsToken(): Promise<string> {
  const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) throw new Error("no GitHub Actions identity token: the job needs `permissions: id-token: write`");
  const request = new URL(url);
  request.searchParams.set("audience", SIGSTORE_AUDIENCE);
  const response = await fetch(request, { headers: { authorization: `Bearer ${bearer}`, accept: "application/json" } });
  if (!response.ok) throw new Error(`GitHub Actions identity token request: HTTP ${response.status}`);
  const { value } = (await response.json()) as { value?: string };
  if (typeof value !== "string") throw new Error("GitHub Actions identity token request: no token in the answer");
  return value;
}

async function googleIdToken(): Promise<string> {
  const client = await new GoogleAuth().getIdTokenClient(SIGSTORE_AUDIENCE);
  return client.idTokenProvider.fetchIdToken(SIGSTORE_AUDIENCE);
}
