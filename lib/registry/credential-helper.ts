/**
 * Docker credential helpers: the `docker-credential-<name>` programs that `credHelpers` and `credsStore` of the
 * Docker config name (gcloud, ecr-login, pass, desktop, …), spoken to as Docker does: `get`, the server on
 * stdin, `{"Username","Secret"}` as JSON on stdout.
 */
import { spawn } from "node:child_process";
import type { Credential } from "./credentials";

/** The user name a helper answers with when its secret is an identity (refresh) token, not a password. */
const IDENTITY_TOKEN_USER = "<token>";

/** What helpers print, alone, when they hold nothing for the server (docker-credential-helpers' message). */
const NOT_FOUND = "credentials not found in native keychain";

/** The most of a helper's answer that is read (an answer is a few hundred bytes; more is not a credential). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** How long a helper may take by default: long enough for one that refreshes a token over the network. */
export const DEFAULT_HELPER_TIMEOUT_MS = 30_000;

// A helper name becomes part of a program name: no path separators, nothing a shell or PATH lookup could misread.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A credential helper failed: it could not be started, timed out, exited non-zero or printed no credentials. */
export class CredentialHelperError extends Error {
  /**
   * @param message what went wrong, naming the program and the server (never the secret)
   * @param options the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CredentialHelperError";
  }
}

/** Options of {@link runCredentialHelper}. */
export interface CredentialHelperOptions {
  /** Environment of the helper; its `PATH` is where the program is looked up. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The helper is killed after this long; default {@link DEFAULT_HELPER_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * Asks `docker-credential-<helper> get` for the credential of a registry server, as Docker does: the server on
 * stdin, `{"ServerURL","Username","Secret"}` as JSON on stdout, a `Username` of `<token>` meaning the secret is
 * an identity token. What the helper prints is never repeated in a message when it succeeded, so the secret
 * cannot reach a log.
 *
 * @param helper the helper name from the Docker config, e.g. `gcloud`
 * @param server the registry host as the config names it, e.g. `us-central1-docker.pkg.dev`
 * @param options environment and timeout
 * @returns the credential, or `undefined` when the helper holds none for the server
 * @throws CredentialHelperError when the name is not a plain program name, or the helper cannot be started,
 *   times out, fails, or prints something other than a credential
 * @example await runCredentialHelper("gcloud", "gcr.io") // → { kind: "basic", username: "oauth2accesstoken", password: "…" }
 */
export async function runCredentialHelper(helper: string, server: string, options: CredentialHelperOptions = {}): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  if (!HELPER_NAME.test(helper)) throw new CredentialHelperError(`credential helper name ${JSON.stringify(helper)} is not a plain program name`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  const where = `${program} get (server ${server})`;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(program, ["get"], { env: options.env ?? process.env, stdio: ["pipe", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    // Not the exit status alone: a helper whose own children keep its stdout open must not hold the run.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      child.stdout?.destroy();
      settle(() => reject(new CredentialHelperError(`${where}: no answer within ${timeoutMs / 1000} s; killed`)));
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code === "ENOENT" ? `${program} not found on PATH` : error.message;
      settle(() => reject(new CredentialHelperError(`${where}: ${reason}`, { cause: error })));
    });
    child.on("close", (code, signal) => {
      const out = Buffer.concat(chunks).toString("utf8");
      if (code === 0) return settle(() => resolve(out));
      const said = firstLine(out);
      if (said === NOT_FOUND) return settle(() => resolve(""));
      settle(() => reject(new CredentialHelperError(`${where} failed (exit ${code ?? signal})${said ? `: ${said}` : ""}`)));
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit status says why.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(server);
  });
  if (stdout === "") return undefined;
  return parseHelperAnswer(stdout, where);
}

function parseHelperAnswer(stdout: string, where: string): Credential | undefined {
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    // Not quoted: a helper that printed its secret in another format must not have it echoed.
    throw new CredentialHelperError(`${where}: the answer is not JSON (${stdout.length} bytes)`);
  }
  const username = typeof answer?.Username === "string" ? answer.Username : "";
  const secret = typeof answer?.Secret === "string" ? answer.Secret : "";
  if (username === "" && secret === "") return undefined;
  if (username === IDENTITY_TOKEN_USER) return { kind: "identityToken", username: "", token: secret };
  return { kind: "basic", username, password: secret };
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
