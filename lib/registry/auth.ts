/**
 * Registry authentication: remembers each host's challenge, answers Basic challenges with the host's
 * credential, and runs the Docker bearer-token flow (one token may carry several repository scopes), caching
 * tokens per host and scope set until they expire.
 */
import { getDomain } from "tldts";
import { RegistryError } from "./errors";
import { formatScopes, parseChallenge, parseScopes, scopesCover, type Challenge, type ScopeSet } from "./challenge";
import type { Credential, CredentialSource } from "./credentials";
import type { Transport } from "./transport";

interface CachedToken {
  readonly scopes: ScopeSet;
  readonly token: string;
  readonly expiresAt: number;
}

/** Options of {@link Authenticator}. */
export interface AuthenticatorOptions {
  /** Where credentials come from; default: anonymous everywhere. */
  readonly credentials?: CredentialSource;
  /** Clock for token expiry; default Date.now. */
  readonly now?: () => number;
}

// Tokens are refreshed this long before they expire so a slow request does not arrive with a dead token.
const EXPIRY_MARGIN_MS = 10_000;
// The token spec's default lifetime when the server does not say.
const DEFAULT_TOKEN_SECONDS = 60;
// Token answers are small JSON documents; anything near this is not one.
const MAX_TOKEN_BYTES = 1024 * 1024;

/**
 * Produces `Authorization` header values per (host, scopes).
 *
 * @example const auth = new Authenticator(transport, { credentials: defaultCredentialSource() });
 * const header = await auth.authorization("gcr.io", ["repository:p/app:pull"]); // undefined until challenged
 */
export class Authenticator {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, CachedToken[]>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  /**
   * @param transport used for token requests (retries and timeouts apply to them too)
   * @param options credential source and clock
   */
  constructor(private readonly transport: Transport, private readonly options: AuthenticatorOptions = {}) {}

  /**
   * The header to send proactively: none until the host has challenged once, then Basic or a bearer token
   * covering `scopes` (fetched if no cached token covers them).
   *
   * @param host registry host
   * @param scopes scopes the request needs, e.g. `repository:a:pull`
   * @returns the header value, or undefined to go anonymous
   * @throws RegistryError when the token endpoint refuses or fails
   */
  async authorization(host: string, scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.challenges.get(host);
    if (challenge === undefined) return undefined;
    if (challenge.scheme === "basic") return basicHeader(await this.credential(host));
    if (challenge.scheme !== "bearer") return undefined;
    const wanted = parseScopes(scopes);
    const now = (this.options.now ?? Date.now)();
    const cached = this.tokens.get(host)?.find((t) => t.expiresAt - EXPIRY_MARGIN_MS > now && scopesCover(t.scopes, wanted));
    if (cached !== undefined) return `Bearer ${cached.token}`;
    const key = `${host} ${formatScopes(wanted).join(" ")}`;
    let promise = this.pending.get(key);
    if (promise === undefined) {
      // Concurrent requests for the same scopes share one token request.
      promise = this.fetchToken(host, challenge, wanted).finally(() => this.pending.delete(key));
      this.pending.set(key, promise);
    }
    return `Bearer ${(await promise).token}`;
  }

  /**
   * Records a 401's challenge and returns the header to retry with.
   *
   * @param host registry host
   * @param header the `WWW-Authenticate` value
   * @param scopes scopes the request needs; a bearer challenge's own `scope` is added
   * @returns the header value for the retry, or undefined when the challenge cannot be answered (unknown scheme)
   * @throws RegistryError when the token endpoint refuses or fails; Error on a malformed header
   */
  async challenged(host: string, header: string, scopes: readonly string[]): Promise<string | undefined> {
    const challenge = parseChallenge(header);
    this.challenges.set(host, challenge);
    // A 401 despite a cached token means it is no longer good (revoked, or lacking a scope): forget it.
    this.tokens.delete(host);
    const extra = challenge.params.scope === undefined ? [] : [challenge.params.scope];
    return this.authorization(host, [...scopes, ...extra]);
  }

  private async credential(host: string): Promise<Credential | undefined> {
    return this.options.credentials === undefined ? undefined : this.options.credentials(host);
  }

  private async fetchToken(host: string, challenge: Challenge, scopes: ScopeSet): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (realm === undefined) {
      throw new RegistryError("bearer challenge without realm", { method: "GET", url: `https://${host}/v2/`, status: 401, code: "UNAUTHORIZED", retryable: false });
    }
    const url = new URL(realm);
    // The challenge names the realm, so whoever answers as the registry chooses where its credentials would go.
    const trusted = realmMayReceiveCredentials(host, url);
    const credential = trusted ? await this.credential(host) : undefined;
    const scopeList = formatScopes(scopes);
    const service = challenge.params.service;
    let response;
    if (credential?.kind === "identityToken") {
      // OAuth2 refresh-token grant, as `docker login` with an identity token does.
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.token, client_id: "k8s-staging-promoter" });
      if (service !== undefined) form.set("service", service);
      if (scopeList.length > 0) form.set("scope", scopeList.join(" "));
      response = await this.transport.request({
        method: "POST", url: url.toString(), body: form.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    } else {
      if (service !== undefined) url.searchParams.set("service", service);
      for (const scope of scopeList) url.searchParams.append("scope", scope);
      const authorization = basicHeader(credential);
      response = await this.transport.request({ method: "GET", url: url.toString(), headers: authorization ? { authorization } : {} });
    }
    const text = await response.text(MAX_TOKEN_BYTES);
    if (response.status !== 200) {
      const withheld = trusted ? "" : ` (the credentials for ${host} were not sent: ${url.host} is not the registry's own host or domain)`;
      throw new RegistryError(`token request refused${text ? `: ${text.slice(0, 200)}` : ""}${withheld}`, {
        method: response.method, url: response.url, status: response.status, code: "UNAUTHORIZED", retryable: false,
      });
    }
    const body = parseTokenBody(text);
    if (body === undefined) {
      throw new RegistryError("token response has no token", { method: response.method, url: response.url, status: 200, code: "UNAUTHORIZED", retryable: false });
    }
    const now = (this.options.now ?? Date.now)();
    const token: CachedToken = { scopes, token: body.token, expiresAt: now + body.expiresIn * 1000 };
    const live = (this.tokens.get(host) ?? []).filter((t) => t.expiresAt - EXPIRY_MARGIN_MS > now);
    this.tokens.set(host, [...live, token]);
    return token;
  }
}

function parseTokenBody(text: string): { token: string; expiresIn: number } | undefined {
  try {
    const body = JSON.parse(text) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === "string" && body.token !== "" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") return undefined;
    const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    return { token, expiresIn };
  } catch {
    return undefined;
  }
}

function basicHeader(credential: Credential | undefined): string | undefined {
  if (credential === undefined) return undefined;
  const password = credential.kind === "basic" ? credential.password : credential.token;
  return `Basic ${Buffer.from(`${credential.username}:${password}`).toString("base64")}`;
}

/**
 * Whether a token realm may receive a registry's credentials: only on the registry's own host, or on its
 * registrable domain (the public suffix list decides: `auth.docker.io` for `registry-1.docker.io`, but not
 * `other.github.io` for `me.github.io`), and only over HTTPS unless the realm is the registry host itself or on
 * loopback (registries spoken to over plain HTTP).
 *
 * @param registryHost the registry's `host[:port]`
 * @param realm the challenge's realm URL
 * @returns true when the credentials may be sent
 * @example realmMayReceiveCredentials("registry-1.docker.io", new URL("https://auth.docker.io/token")) // → true
 */
export function realmMayReceiveCredentials(registryHost: string, realm: URL): boolean {
  const registryName = new URL(`http://${registryHost}`).hostname;
  const realmName = realm.hostname;
  if (realmName === registryName) return true;
  if (realm.protocol !== "https:" && !isLoopback(realmName)) return false;
  const domain = getDomain(realmName, { allowPrivateDomains: true });
  return domain !== null && domain === getDomain(registryName, { allowPrivateDomains: true });
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
