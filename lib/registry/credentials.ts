/**
 * Where registry credentials come from: the Docker config file's `auths` entries and, for Google hosts,
 * a Google OAuth access token. Each source is a function so tests and callers can replace it.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
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

/**
 * Parses the `auths` section of a Docker config file. Entries may hold `auth` (base64 `user:password`),
 * `username` + `password`, or `identitytoken`; entries with none of them (e.g. left by a credential
 * helper) are skipped.
 *
 * @param text the file's content
 * @param file the file name, for messages
 * @returns host → credential
 * @throws Error when the file is not JSON, `auths` is not an object, or an `auth` value is not `user:password` in base64
 * @example parseDockerConfig('{"auths":{"r.io":{"auth":"dTpw"}}}', "config.json").get("r.io")
 * // → { kind: "basic", username: "u", password: "p" }
 */
export function parseDockerConfig(text: string, file: string): Map<string, Credential> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const credentials = new Map<string, Credential>();
  const auths = (parsed as { auths?: unknown } | null)?.auths;
  if (auths === undefined) return credentials;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    throw new Error(`${file}: auths: expected an object`);
  }
  for (const [key, entry] of Object.entries(auths as Record<string, Record<string, unknown>>)) {
    const credential = entryCredential(entry ?? {}, `${file}: auths.${key}`);
    if (credential !== undefined) credentials.set(normaliseAuthKey(key), credential);
  }
  return credentials;
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
 * means no credentials.
 *
 * @param env the environment to read `DOCKER_CONFIG` from
 * @param home the home directory
 * @returns host → credential
 * @throws Error when the file exists but cannot be read or parsed
 */
export async function loadDockerConfig(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): Promise<Map<string, Credential>> {
  const file = env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(home, ".docker", "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
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
  /** Environment for `DOCKER_CONFIG` and `GOOGLE_OAUTH_ACCESS_TOKEN`; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Home directory; default `os.homedir()`. */
  readonly home?: string;
  /** Google token provider; default {@link googleAccessToken}. */
  readonly googleToken?: () => Promise<string>;
}

/**
 * The standard credential lookup: the Docker config entry for the host if any; else, for Google hosts,
 * a Google access token as the `oauth2accesstoken` user; else anonymous. The config file is read once.
 *
 * @param options where to look
 * @returns a {@link CredentialSource}
 * @example const credentials = defaultCredentialSource(); await credentials("gcr.io")
 */
export function defaultCredentialSource(options: DefaultCredentialOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  let config: Promise<Map<string, Credential>> | undefined;
  let google: Promise<string> | undefined;
  return async (host) => {
    config ??= loadDockerConfig(env, options.home);
    const fromConfig = (await config).get(host.toLowerCase());
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
