import { randomBytes } from "node:crypto";
import { type ChildProcess } from "node:child_process";
import { closeSync, fstatSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnTracked } from "./child-processes";
import { findFreePort } from "./free-port";
import { probe } from "./http-probe";
import { renderRegistryConfig, type RegistryAuthConfig, type TokenAuthority } from "./registry-config";
import { runCommand } from "./run-command";

/** A user name and password. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** How a harness registry authenticates: basic auth against an htpasswd file, or the Docker token flow. */
export type RegistryAuthOption =
  | { readonly kind: "basic"; readonly users: readonly Credentials[] }
  | { readonly kind: "token"; readonly authority: TokenAuthority };

/** Options for {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Authentication; anonymous read/write when absent. */
  readonly auth?: RegistryAuthOption;
  /** Allow `DELETE` of manifests and blobs (distribution's default is off). */
  readonly deleteEnabled?: boolean;
  /** How long to wait for `GET /v2/` to answer, in milliseconds (default 15000). */
  readonly readyTimeoutMs?: number;
}

/** Options for {@link HarnessRegistry.stop}. */
export interface StopOptions {
  /** The first signal: `SIGTERM` (default) for a clean stop, `SIGKILL` to simulate a crash. */
  readonly signal?: NodeJS.Signals;
  /** How long to wait after the first signal before SIGKILL, in milliseconds (default 5000). */
  readonly graceMs?: number;
}

/** A running `docker-registry` process on 127.0.0.1 with its own config, storage and log. */
export interface HarnessRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
  /** Process id of the current registry process (changes on {@link HarnessRegistry.restart}). */
  readonly pid: number;
  /** Temp directory holding the config, storage, htpasswd file and log. */
  readonly rootDir: string;
  /** The registry's storage root (kept across restarts). */
  readonly storageDir: string;
  /** The generated configuration file. */
  readonly configPath: string;
  /** The registry's stdout and stderr, including the access log; appended to across restarts. */
  readonly accessLogPath: string;
  /** Whether the process is currently running. */
  readonly running: boolean;
  /**
   * Stops the process by PID: the signal, then SIGKILL after the grace period; resolves once it has exited.
   * Does nothing when it is not running. Storage is kept.
   */
  stop(options?: StopOptions): Promise<void>;
  /**
   * Stops the process if it runs, then starts it again on the same port, config and storage.
   *
   * @throws {RegistryStartError} when it does not come back (e.g. another process took the port meanwhile)
   */
  restart(): Promise<void>;
  /** Stops the process and deletes {@link HarnessRegistry.rootDir}. */
  dispose(): Promise<void>;
}

/** The registry did not start or did not answer in time; the message ends with the tail of its log. */
export class RegistryStartError extends Error {
  override readonly name = "RegistryStartError";
}

const REGISTRY_BINARY = "docker-registry";
const PORT_ATTEMPTS = 5;

/**
 * Starts Debian's `docker-registry` (CNCF distribution 2.8) on a free port of 127.0.0.1, with a generated
 * config (never the Debian default, whose htpasswd auth is broken), its own storage directory and a log file,
 * and waits until `GET /v2/` answers. The process is killed when this process exits (see `child-processes.ts`).
 *
 * @param options authentication, delete support and the start-up timeout
 * @returns the running registry; call `dispose()` (or `stop()`) when done
 * @throws {RegistryStartError} when it exits early or does not answer within the timeout
 * @throws {CommandError} when `htpasswd` fails
 * @example
 * const registry = await startRegistry({ auth: { kind: "basic", users: [{ username: "u", password: "p" }] } });
 * try { … `${registry.host}/repo:tag` … } finally { await registry.dispose(); }
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<HarnessRegistry> {
  const rootDir = await mkdtemp(join(tmpdir(), "harness-registry-"));
  try {
    const storageDir = join(rootDir, "storage");
    await mkdir(storageDir);
    const auth = await prepareAuth(rootDir, options.auth);
    const httpSecret = randomBytes(16).toString("hex");
    const readyTimeoutMs = options.readyTimeoutMs ?? 15000;
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const registry = new RunningRegistry(rootDir, storageDir, port, readyTimeoutMs);
      await writeFile(
        registry.configPath,
        renderRegistryConfig({ port, storageDir, deleteEnabled: options.deleteEnabled ?? false, httpSecret, auth }),
      );
      try {
        await registry.start();
        return registry;
      } catch (error) {
        // Another process may have taken the port between the probe and the bind: try a new one.
        const portTaken = error instanceof RegistryStartError && error.message.includes("address already in use");
        if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    await rm(rootDir, { recursive: true, force: true });
    throw error;
  }
}

async function prepareAuth(rootDir: string, auth: RegistryAuthOption | undefined): Promise<RegistryAuthConfig> {
  if (!auth) return { kind: "none" };
  if (auth.kind === "token") return { kind: "token", authority: auth.authority };
  const lines: string[] = [];
  for (const { username, password } of auth.users) {
    // bcrypt (-B) is the only hash distribution's htpasswd reader accepts.
    const { stdout } = await runCommand("htpasswd", ["-Bbn", username, password], { secrets: [password] });
    lines.push(stdout.toString("utf8").trim());
  }
  const htpasswdPath = join(rootDir, "htpasswd");
  await writeFile(htpasswdPath, `${lines.join("\n")}\n`);
  return { kind: "htpasswd", htpasswdPath };
}

class RunningRegistry implements HarnessRegistry {
  readonly host: string;
  readonly configPath: string;
  readonly accessLogPath: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly rootDir: string,
    readonly storageDir: string,
    readonly port: number,
    private readonly readyTimeoutMs: number,
  ) {
    this.host = `127.0.0.1:${port}`;
    this.configPath = join(rootDir, "config.yml");
    this.accessLogPath = join(rootDir, "registry.log");
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    const logFd = openSync(this.accessLogPath, "a");
    const logOffset = fstatSync(logFd).size;
    let child: ChildProcess;
    try {
      child = spawnTracked(REGISTRY_BINARY, ["serve", this.configPath], ["ignore", logFd, logFd]);
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(logFd);
    }
    this.child = child;
    let exitedEarly: string | undefined;
    this.exited = new Promise((resolve) => {
      const done = (reason: string): void => {
        exitedEarly = reason;
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once("exit", (code, signal) => done(`exited with ${signal ?? `code ${code}`}`));
      child.once("error", (error) => done(`could not start: ${error.message}`));
    });
    const deadline = Date.now() + this.readyTimeoutMs;
    while (exitedEarly === undefined) {
      const answer = await probe(`http://${this.host}/v2/`);
      if (answer?.headers["docker-distribution-api-version"] === "registry/2.0") return;
      if (Date.now() > deadline) {
        await this.stop({ signal: "SIGKILL" });
        throw await this.startError(`did not answer GET /v2/ within ${this.readyTimeoutMs} ms`, logOffset);
      }
      await sleep(50);
    }
    throw await this.startError(exitedEarly, logOffset);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    const child = this.child;
    if (!child) return;
    const graceMs = options.graceMs ?? 5000;
    child.kill(options.signal ?? "SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.rootDir, { recursive: true, force: true });
  }

  /** The error for a failed start, quoting what this start logged: the panic or fatal line, else the tail. */
  private async startError(reason: string, logOffset: number): Promise<RegistryStartError> {
    const log = await readFile(this.accessLogPath).catch(() => Buffer.alloc(0));
    const lines = log.subarray(logOffset).toString("utf8").trim().split("\n");
    const fatal = lines.filter((line) => /^panic: |level=(fatal|error) /.test(line));
    const quoted = (fatal.length > 0 ? fatal : lines.slice(-5)).join("\n");
    return new RegistryStartError(`docker-registry on ${this.host} ${reason}; log ${this.accessLogPath}:\n${quoted}`);
  }
}
