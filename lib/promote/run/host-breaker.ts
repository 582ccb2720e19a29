import { RegistryError } from "../../registry/errors";

/** Codes of failures that say the host is not serving: no connection, no progress, or no answer within the deadline. */
const UNREACHABLE_CODES = new Set(["NETWORK", "TIMEOUT", "DEADLINE"]);

/** Thrown by {@link HostBreaker.check} for work not attempted because its host is considered down. */
export class HostUnreachableError extends Error {
  /**
   * @param host the registry host given up on
   * @param message the reason, with the host's last error
   */
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = "HostUnreachableError";
  }
}

/**
 * The registry host an error says could not be reached: a network error, a timeout or a missed request deadline
 * (after its retries), or work not attempted because the host was given up on.
 *
 * @param error what a registry operation threw
 * @returns the host, or `undefined` for any other failure (a 404, a refusal, a digest mismatch)
 */
export function unreachableHostOf(error: unknown): string | undefined {
  if (error instanceof HostUnreachableError) return error.host;
  if (error instanceof RegistryError && UNREACHABLE_CODES.has(error.code ?? "")) {
    try {
      return new URL(error.url).host;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Whether a failure may not recur on a later attempt: the registry said so (a 429, a 5xx, after the request's own
 * retries), or the connection failed, timed out or missed its deadline. A refusal, a 404 or a digest mismatch
 * will recur, and work not attempted because its host was given up on stays given up.
 *
 * @param error what a registry operation threw
 * @returns true when trying the work again later may succeed
 */
export function isTransientFailure(error: unknown): boolean {
  return error instanceof RegistryError && (error.retryable || UNREACHABLE_CODES.has(error.code ?? ""));
}

/**
 * Stops sending work to a registry host that is down: after `threshold` pieces of work in a row failed there
 * with a network error or timeout (each already retried with backoff), the host's remaining work fails at once
 * instead of each piece spending minutes on retries. Any success resets the count.
 *
 * @example
 * const hosts = new HostBreaker(2, "images");
 * hosts.check(host);             // throws once the host is considered down
 * try { await work(); hosts.succeeded(host); } catch (error) { hosts.failed(host, error); throw error; }
 */
export class HostBreaker {
  private readonly failuresInARow = new Map<string, number>();
  private readonly lastError = new Map<string, string>();

  /**
   * @param threshold failures in a row that mark a host down
   * @param unit what one piece of work is, for the message ("images", "reads")
   */
  constructor(
    private readonly threshold: number,
    private readonly unit: string,
  ) {}

  /** @throws HostUnreachableError (`not attempted: HOST unreachable after N failed UNIT in a row (last: …)`) when the host is down */
  check(host: string): void {
    if (this.isDown(host)) {
      throw new HostUnreachableError(host, `not attempted: ${host} unreachable after ${this.threshold} failed ${this.unit} in a row (last: ${this.lastError.get(host)})`);
    }
  }

  /** @returns whether the host is considered down (work for it fails at once) */
  isDown(host: string): boolean {
    return (this.failuresInARow.get(host) ?? 0) >= this.threshold;
  }

  /** Records a success on `host`: its count starts again. */
  succeeded(host: string): void {
    this.failuresInARow.delete(host);
  }

  /** Records a failure on `host`; only network errors, timeouts and missed deadlines count towards marking it down. */
  failed(host: string, error: unknown): void {
    const unreachable = error instanceof RegistryError && UNREACHABLE_CODES.has(error.code ?? "");
    if (!unreachable) return;
    this.failuresInARow.set(host, (this.failuresInARow.get(host) ?? 0) + 1);
    this.lastError.set(host, error.message);
  }
}
