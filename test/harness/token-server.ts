import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScope, signRegistryToken, type AccessGrant } from "./jwt";
import type { Credentials } from "./registry";
import type { TokenAuthority } from "./registry-config";
import { runCommand } from "./run-command";

/** Options for {@link startTokenServer}. */
export interface StartTokenServerOptions {
  /** Accounts allowed to get tokens; every scope they ask for is granted. */
  readonly users: readonly Credentials[];
  /** The registry's `service` name (default `harness-registry`). */
  readonly service?: string;
  /** The token issuer (default `harness-token-issuer`). */
  readonly issuer?: string;
  /** Token lifetime in seconds (default 300). */
  readonly expiresInSeconds?: number;
}

/** One request the token server answered. */
export interface TokenRequestRecord {
  /** The user named by the credentials, or `""` when none were sent. */
  readonly username: string;
  /** The scopes asked for, in order. */
  readonly scopes: readonly string[];
  /** Whether a token was issued (credentials valid, scopes well-formed). */
  readonly granted: boolean;
}

/** A running token server on 127.0.0.1. */
export interface TokenServer {
  /** Pass as `startRegistry({ auth: { kind: "token", authority } })`. */
  readonly authority: TokenAuthority;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  /** How many tokens were issued so far. */
  readonly tokensIssued: number;
  /** Closes the server and deletes its key material. */
  stop(): Promise<void>;
}

/**
 * Starts a Docker token server for distribution's `auth.token`: `GET /token?service=…&scope=…&scope=…` with
 * basic credentials (and the OAuth2 `POST /token` password grant) returns `{token, access_token, expires_in}`,
 * an ES256 JWT granting every requested scope. Its key and self-signed certificate are made with the `openssl`
 * CLI in a temp dir at start-up; the certificate is the registry's `rootcertbundle`.
 *
 * @param options accounts, service, issuer and token lifetime
 * @returns the running server; `stop()` it when done
 * @throws {CommandError} when `openssl` fails
 * @example
 * const tokens = await startTokenServer({ users: [{ username: "u", password: "p" }] });
 * const registry = await startRegistry({ auth: { kind: "token", authority: tokens.authority } });
 */
export async function startTokenServer(options: StartTokenServerOptions): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), "harness-token-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    const issuer = options.issuer ?? "harness-token-issuer";
    await runCommand("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", `/CN=${issuer}`,
    ]);
    const keyPem = await readFile(keyPath, "utf8");
    const certPem = await readFile(certPath, "utf8");
    const requests: TokenRequestRecord[] = [];
    const config: IssuerConfig = {
      users: options.users,
      service: options.service ?? "harness-registry",
      issuer,
      expiresInSeconds: options.expiresInSeconds ?? 300,
      keyPem,
      certPem,
      requests,
    };
    const server = createServer((req, res) => {
      handleTokenRequest(config, req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
    });
    const port = await listen(server);
    return {
      authority: { realm: `http://127.0.0.1:${port}/token`, service: config.service, issuer, rootCertBundlePath: certPath },
      requests,
      get tokensIssued() {
        return requests.filter((request) => request.granted).length;
      },
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface IssuerConfig {
  readonly users: readonly Credentials[];
  readonly service: string;
  readonly issuer: string;
  readonly expiresInSeconds: number;
  readonly keyPem: string;
  readonly certPem: string;
  readonly requests: TokenRequestRecord[];
}

async function handleTokenRequest(config: IssuerConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname !== "/token" || (req.method !== "GET" && req.method !== "POST")) {
    reply(res, 404, { errors: [{ code: "NOT_FOUND", message: "only /token is served" }] });
    return;
  }
  let credentials = basicCredentials(req.headers.authorization);
  let scopeParams = url.searchParams.getAll("scope");
  if (req.method === "POST") {
    // The OAuth2 password grant: the same question as form fields, scopes space-separated.
    const form = new URLSearchParams(await readBody(req));
    scopeParams = form.getAll("scope");
    if (form.get("grant_type") === "password") {
      credentials = { username: form.get("username") ?? "", password: form.get("password") ?? "" };
    }
  }
  const scopes = scopeParams.flatMap((param) => param.split(" ")).filter((scope) => scope !== "");
  const username = credentials?.username ?? "";
  const known = config.users.some((user) => user.username === username && user.password === credentials?.password);
  if (!credentials || !known) {
    config.requests.push({ username, scopes, granted: false });
    res.setHeader("www-authenticate", 'Basic realm="harness-token-server"');
    reply(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "valid basic credentials required" }] });
    return;
  }
  let access: AccessGrant[];
  try {
    access = scopes.map(parseScope);
  } catch (error) {
    config.requests.push({ username, scopes, granted: false });
    reply(res, 400, { errors: [{ code: "INVALID_SCOPE", message: (error as Error).message }] });
    return;
  }
  const token = signRegistryToken(
    { issuer: config.issuer, audience: config.service, subject: username, access, expiresInSeconds: config.expiresInSeconds },
    config.keyPem,
    config.certPem,
  );
  config.requests.push({ username, scopes, granted: true });
  reply(res, 200, { token, access_token: token, expires_in: config.expiresInSeconds, issued_at: new Date().toISOString() });
}

function basicCredentials(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}
