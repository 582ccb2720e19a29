/**
 * Where registry credentials come from: the Docker config file (credential helpers, `auths` entries) and, for
 * Google hosts, a Google OAuth access token. Each source is a function so tests and callers can replace it.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { runCredentialHelper } from "./credential-helper";
import { isGoogleHost } from "./reference";

/** A credential for one registry host. */
export type Credential =
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token (`identitytoken` in the Docker config), exchanged at the token endpoint. */
  | { readonly kind: "identityToken"; readonly username: string; readonly token: string };

/** Looks up the credential for a registry host (`gcr.io`, `127.0.0.1:5000`); undefined means anonymous. */
export type CredentialSource = (host: string) => Promise<Credential | undefined>;

/**
 * Normalises a Docker config `auths` key to a bare host: `https://index.docker.io/v1/` → `index.docker.io`.
 *
 * @param key the key as written in the config file
 * @returns the host with port, lower-cased
 */
export function normaliseAuthKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
}

/** What the Docker config file says about credentials. */
export interface DockerConfig {
  /** `auths`: host → the credential written inline (entries without one, left by a helper, are skipped). */
  readonly auths: ReadonlyMap<string, Credential>;
  /** `credHelpers`: host → the name of the helper that holds its credential (`gcloud` → `docker-credential-gcloud`). */
  readonly credHelpers: ReadonlyMap<string, string>;
  /** `credsStore`: the helper that holds every other host's credential, if any. */
  readonly credsStore?: string;
}

/**
 * Parses a Docker config file: `auths` entries may hold `auth` (base64 `user:password`), `username` +
 * `password`, or `identitytoken`; entries with none of them are skipped. `credHelpers` maps hosts to helper
 * names and `credsStore` names the default helper. Hosts are normalised with {@link normaliseAuthKey}.
 *
 * @param text the file's content
 * @param file the file name, for messages
 * @returns the credentials and helpers
 * @throws Error when the file is not JSON, `auths` or `credHelpers` is not an object, a helper name or
 *   `credsStore` is not a string, or an `auth` value is not `user:password` in base64
 * @example parseDockerConfig('{"auths":{"r.io":{"auth":"dTpw"}}}', "config.json").auths.get("r.io")
 * // → { kind: "basic", username: "u", password: "p" }
 */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const { auths, credHelpers, credsStore } = (parsed ?? {}) as { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
  const credentials = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(objectAt(auths, `${file}: auths`))) {
    const credential = entryCredential((entry ?? {}) as Record<string, unknown>, `${file}: auths.${key}`);
    if (credential !== undefined) credentials.set(normaliseAuthKey(key), credential);
  }
  const helpers = new Map<string, string>();
  for (const [key, helper] of Object.entries(objectAt(credHelpers, `${file}: credHelpers`))) {
    if (typeof helper !== "string") throw new Error(`${file}: credHelpers.${key}: expected a helper name`);
    helpers.set(normaliseAuthKey(key), helper);
  }
  if (credsStore !== undefined && typeof credsStore !== "string") throw new Error(`${file}: credsStore: expected a helper name`);
  return { auths: credentials, credHelpers: helpers, ...(credsStore ? { credsStore } : {}) };
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

function entryCredential(entry: Record<string, unknown>, where: string): Credential | undefined {
  let username = typeof entry.username === "string" ? entry.username : "";
  let password = typeof entry.password === "string" ? entry.password : "";
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new Error(`${where}.auth: expected base64 of "username:password"`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (typeof entry.identitytoken === "string" && entry.identitytoken !== "") {
    return { kind: "identityToken", username, token: entry.identitytoken };
  }
  if (username === "" && password === "") return undefined;
  return { kind: "basic", username, password };
}

/**
 * Reads the Docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. A missing file
 * means no credentials and no helpers.
 *
 * @param env the environment to read `DOCKER_CONFIG` from
 * @param home the home directory
 * @returns the parsed config
 * @throws Error when the file exists but cannot be read or parsed
 */
export async function loadDockerConfig(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): Promise<DockerConfig> {
  const file = env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(home, ".docker", "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { auths: new Map(), credHelpers: new Map() };
    throw error;
  }
  return parseDockerConfig(text, file);
}

/**
 * Fetches a Google OAuth access token: `GOOGLE_OAUTH_ACCESS_TOKEN` if set, else application default
 * credentials. google-auth-library is loaded only on first use so runs without Google hosts never pay for it.
 *
 * @param env the environment to read `GOOGLE_OAUTH_ACCESS_TOKEN` from
 * @returns the access token
 * @throws Error when no token can be obtained
 */
export async function googleAccessToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.GOOGLE_OAUTH_ACCESS_TOKEN;
  if (fromEnv) return fromEnv;
  // require, not import(): jest runs CommonJS and cannot execute a dynamic import without a VM flag.
  const { GoogleAuth } = require("google-auth-library") as typeof import("google-auth-library");
  const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const token = await auth.getAccessToken();
  if (!token) throw new Error("application default credentials returned no access token");
  return token;
}

/** Options of {@link defaultCredentialSource}. */
export interface DefaultCredentialOptions {
  /** Environment for `DOCKER_CONFIG`, `GOOGLE_OAUTH_ACCESS_TOKEN` and the helpers (their `PATH`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Home directory; default `os.homedir()`. */
  readonly home?: string;
  /** Google token provider; default {@link googleAccessToken}. */
  readonly googleToken?: () => Promise<string>;
  /** How long a credential helper may take before it is killed; default 30 s. */
  readonly helperTimeoutMs?: number;
}

/**
 * The standard credential lookup, in Docker's order: the host's credential helper (`credHelpers`), else the
 * default helper (`credsStore`), else the host's inline `auths` entry; then, for Google hosts, a Google access
 * token as the `oauth2accesstoken` user; else anonymous. The config file is read once, and each helper is run
 * at most once per host (again only after a failure).
 *
 * @param options where to look
 * @returns a {@link CredentialSource}
 * @example const credentials = defaultCredentialSource(); await credentials("gcr.io")
 */
export function defaultCredentialSource(options: DefaultCredentialOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  let config: Promise<DockerConfig> | undefined;
  const fromHelpers = new Map<string, Promise<Credential | undefined>>();
  let google: Promise<string> | undefined;
  return async (host) => {
    config ??= loadDockerConfig(env, options.home);
    const { auths, credHelpers, credsStore } = await config;
    const key = host.toLowerCase();
    const helper = credHelpers.get(key) ?? credsStore;
    if (helper !== undefined) {
      let pending = fromHelpers.get(key);
      if (pending === undefined) {
        pending = runCredentialHelper(helper, host, { env, timeoutMs: options.helperTimeoutMs });
        fromHelpers.set(key, pending);
        pending.catch(() => fromHelpers.delete(key));
      }
      const fromHelper = await pending;
      if (fromHelper !== undefined) return fromHelper;
    }
    const fromConfig = auths.get(key);
    if (fromConfig !== undefined) return fromConfig;
    if (!isGoogleHost(host)) return undefined;
    // One token per run: access tokens last an hour, which outlives a promotion run's token exchanges.
    const pending = (google ??= (options.googleToken ?? (() => googleAccessToken(env)))());
    try {
      return { kind: "basic", username: "oauth2accesstoken", password: await pending };
    } catch (error) {
      if (google === pending) google = undefined;
      throw error;
    }
  };
}
