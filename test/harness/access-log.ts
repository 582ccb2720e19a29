import { readFile } from "node:fs/promises";

/** One request as the registry's access log records it. */
export interface AccessLogEntry {
  /** HTTP method, e.g. `HEAD`. */
  readonly method: string;
  /** Request URI as sent (path and query), e.g. `/v2/foo/manifests/latest`. */
  readonly path: string;
  /** Response status. */
  readonly status: number;
  /** Response body bytes written. */
  readonly bytes: number;
  /** The client's User-Agent (the harness's own probes use `PROBE_USER_AGENT`). */
  readonly userAgent: string;
}

// distribution 2.8 writes the Apache combined format (gorilla/handlers) to stdout, one request per line:
// 127.0.0.1 - - [23/Nov/2026:21:42:16 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
const COMBINED_LINE = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/;

/**
 * Picks the access-log lines out of a registry log (which also holds its logrus lines) and parses them.
 *
 * @param text the log's contents
 * @returns the requests in the order they completed; other lines are skipped
 * @example parseAccessLog('127.0.0.1 - - [23/Nov/2026:21:42:16 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"')
 * // → [{ method: "GET", path: "/v2/", status: 200, bytes: 2, userAgent: "curl/7.88.1" }]
 */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split("\n")) {
    const match = COMBINED_LINE.exec(line);
    if (!match) continue;
    const [, method, path, status, bytes, userAgent] = match as unknown as [string, string, string, string, string, string];
    entries.push({
      method,
      path,
      status: Number(status),
      bytes: bytes === "-" ? 0 : Number(bytes),
      userAgent: userAgent.replace(/\\(.)/g, "$1"),
    });
  }
  return entries;
}

/**
 * Reads a harness registry's log file (`HarnessRegistry.accessLogPath`) and parses its access-log lines.
 *
 * @param path the log file
 * @returns the requests in the order they completed
 * @throws the fs error when the file cannot be read
 * @example const writes = (await readAccessLog(registry.accessLogPath)).filter((e) => e.method === "PUT");
 */
export async function readAccessLog(path: string): Promise<AccessLogEntry[]> {
  return parseAccessLog(await readFile(path, "utf8"));
}
