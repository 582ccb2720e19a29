/**
 * Command-line options shared by the commands that read registries (promote, add-image, snapshot, audit): how
 * to reach registries, at what rate, with which timeout, and the client built from them.
 */
import { InvalidArgumentError, type Command } from "commander";
import { RegistryClient } from "../registry/client";
import { defaultCredentialSource } from "../registry/credentials";
import { DEFAULT_MAX_RPS } from "../registry/rate-limit";

/** Where every command's credentials come from, for `--help`. */
export const CREDENTIALS_HELP = `Credentials: $DOCKER_CONFIG/config.json (else ~/.docker/config.json): the host's "credHelpers" helper, else
"credsStore", else "auths" (helpers run as docker-credential-<name> get, 30 s timeout); for gcr.io, *.gcr.io
and *-docker.pkg.dev also GOOGLE_OAUTH_ACCESS_TOKEN, else Google application default credentials.`;

/**
 * Parses a positive whole number option.
 *
 * @param value the text given
 * @returns the number
 * @throws InvalidArgumentError unless it is an integer ≥ 1
 */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError("must be a positive integer");
  return number;
}

/**
 * Parses a positive rate option (fractions allowed).
 *
 * @param value the text given
 * @returns the number
 * @throws InvalidArgumentError unless it is a finite number > 0
 */
export function positiveRate(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError("must be a positive number");
  return number;
}

/** The parsed options {@link addReadOptions} adds. */
export interface ReadOptions {
  readonly insecureRegistry?: string[];
  readonly maxRps: number;
  readonly timeout: number;
}

/**
 * Adds the options of a command that only reads registries: `--insecure-registry`, `--max-rps`, `--timeout`.
 *
 * @param command the command
 * @returns the same command
 */
export function addReadOptions(command: Command): Command {
  return command
    .option(
      "--insecure-registry <host>",
      "speak plain HTTP to this host (repeatable; loopback hosts always use HTTP)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--max-rps <n>", "requests per second per registry host (cut on 429s by the share refused, regrown steadily)", positiveRate, DEFAULT_MAX_RPS)
    .option("--timeout <seconds>", "abort a request after this many seconds without progress", positiveInteger, 60);
}

/**
 * The registry client for a reading command: Docker config credentials (helpers included) and Google tokens.
 *
 * @param options the parsed options of {@link addReadOptions}
 * @param endpoints registry host → base URL to reach it at instead, if any
 * @returns the client
 */
export function readingClient(options: ReadOptions, endpoints?: ReadonlyMap<string, string>): RegistryClient {
  return new RegistryClient({
    insecureHosts: options.insecureRegistry ?? [],
    credentials: defaultCredentialSource(),
    timeoutMs: options.timeout * 1000,
    maxRps: options.maxRps,
    ...(endpoints ? { endpoints } : {}),
  });
}
