/**
 * The one error type every registry layer throws, and the URL redaction it relies on.
 */

// Query parameters that carry no secret and help a reader understand the failing request.
const SAFE_QUERY_KEYS = new Set(["n", "last", "digest", "mount", "from", "service", "scope"]);

/**
 * Removes credentials from a URL: user info is dropped and every query value not known to be harmless
 * (upload `_state`, signed redirect parameters, tokens) is replaced by `REDACTED`.
 *
 * @param url an absolute URL
 * @returns the URL safe to print; the input unchanged if it is not a URL
 * @example redactUrl("https://u:p@r.io/v2/a/blobs/uploads/x?_state=abc&digest=sha256:1")
 * // → "https://r.io/v2/a/blobs/uploads/x?_state=REDACTED&digest=sha256:1"
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.username = "";
  parsed.password = "";
  const query = [...parsed.searchParams.entries()].map(([key, value]) =>
    `${encodeURIComponent(key)}=${SAFE_QUERY_KEYS.has(key) ? encodeURIComponent(value).replace(/%3A/g, ":") : "REDACTED"}`,
  );
  parsed.search = "";
  return query.length === 0 ? parsed.toString() : `${parsed.toString()}?${query.join("&")}`;
}

/** What a {@link RegistryError} knows about the failure. */
export interface RegistryErrorDetails {
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Request URL; redacted by the constructor. */
  readonly url: string;
  /** HTTP status, absent for network errors and timeouts. */
  readonly status?: number;
  /** Distribution spec error code from the JSON `errors` body, e.g. `MANIFEST_UNKNOWN`, or a local code such as `TIMEOUT`. */
  readonly code?: string;
  /** Whether repeating the same request may succeed (429, 5xx, network errors, timeouts). */
  readonly retryable: boolean;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A failed registry request. The message reads `METHOD URL: STATUS CODE: detail` and never contains
 * credentials or query tokens.
 */
export class RegistryError extends Error {
  /** Distribution spec error code (`MANIFEST_UNKNOWN`, `DENIED`, …) or a local one (`TIMEOUT`, `NETWORK`, `DIGEST_MISMATCH`, …). */
  readonly code: string | undefined;
  /** HTTP status, undefined when no response arrived. */
  readonly status: number | undefined;
  /** Whether a later identical request may succeed. */
  readonly retryable: boolean;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** The request URL without credentials or query tokens. */
  readonly url: string;

  /**
   * @param message what went wrong, in words (appended after the request line)
   * @param details the request and the classification of the failure
   */
  constructor(message: string, details: RegistryErrorDetails) {
    const url = redactUrl(details.url);
    const status = details.status === undefined ? "" : ` ${details.status}`;
    const code = details.code === undefined ? "" : ` ${details.code}`;
    super(`${details.method} ${url}:${status}${code}: ${message}`, { cause: details.cause });
    this.name = "RegistryError";
    this.code = details.code;
    this.status = details.status;
    this.retryable = details.retryable;
    this.method = details.method;
    this.url = url;
  }
}

/**
 * Reads the first error code and message from a distribution spec error body
 * (`{"errors":[{"code":"…","message":"…"}]}`).
 *
 * @param body the response body as text (may be empty or not JSON)
 * @returns the code and message, or undefined when the body is not a spec error body
 */
export function parseErrorBody(body: string): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (first === undefined || typeof first.code !== "string") return undefined;
    return { code: first.code, message: typeof first.message === "string" ? first.message : "" };
  } catch {
    return undefined;
  }
}

/** Entries of an error body put in a message; a hostile body with thousands is cut there, with a count. */
const MAX_ERROR_ENTRIES = 20;
/** Characters of one entry's `detail` put in a message. */
const MAX_DETAIL_CHARS = 200;

/**
 * Describes every entry of a distribution spec error body (`{"errors":[{"code","message","detail"}, …]}`), not
 * just the first: a refused manifest PUT says `MANIFEST_INVALID` first and names the missing blob only in a
 * later `MANIFEST_BLOB_UNKNOWN` entry.
 *
 * @param body the response body as text (may be empty or not JSON)
 * @returns the first entry's code, and a message with the first entry's text then `CODE: text (detail)` for each
 *   other (a text detail only), joined by `; `; or undefined when the body is not a spec error body
 * @example
 * describeErrorBody('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"},' +
 *   '{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:ab…"}]}')
 * // → { code: "MANIFEST_INVALID", message: "manifest invalid; MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:ab…)" }
 */
export function describeErrorBody(body: string): { code: string; message: string } | undefined {
  let entries: Array<{ code?: unknown; message?: unknown; detail?: unknown }>;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return undefined;
    entries = parsed.errors.filter((entry): entry is { code: string } => typeof entry?.code === "string");
  } catch {
    return undefined;
  }
  if (entries.length === 0) return undefined;
  const parts = entries.slice(0, MAX_ERROR_ENTRIES).map((entry, index) => {
    const text = [typeof entry.message === "string" ? entry.message : "", detailOf(entry.detail)].filter((part) => part !== "").join(" ");
    return index === 0 ? text : `${String(entry.code)}: ${text}`;
  });
  if (entries.length > MAX_ERROR_ENTRIES) parts.push(`and ${entries.length - MAX_ERROR_ENTRIES} more errors`);
  return { code: String(entries[0]!.code), message: parts.filter((part) => part !== "").join("; ") };
}

/** A text detail (a digest, a name); structured ones (distribution's `{Name, Revision}`) repeat the request. */
function detailOf(detail: unknown): string {
  if (typeof detail !== "string" || detail === "") return "";
  return `(${detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}…` : detail})`;
}
