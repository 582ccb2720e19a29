/**
 * What a benchmark phase cost the registries, read from their access logs: requests by method, write requests,
 * response bytes, and the blob bytes uploaded per host (with repeated uploads of one blob to one host found).
 */
import { statSync } from "node:fs";
import { PROBE_USER_AGENT, readAccessLog, type AccessLogEntry, type HarnessRegistry } from "../../test/harness";
import { blobDataPath } from "./workload";

/** How many access-log entries each registry had when a phase began. */
export type LogMarks = ReadonlyMap<HarnessRegistry, number>;

/** The traffic of one phase across all registries. */
export interface PhaseTraffic {
  /** Request counts by HTTP method (harness probes left out). */
  readonly requestsByMethod: Readonly<Record<string, number>>;
  /** Request counts by method and what was asked for, e.g. `HEAD manifest`, `GET tag list` (see {@link requestKind}). */
  readonly requestsByKind: Readonly<Record<string, number>>;
  /** {@link PhaseTraffic.requestsByKind} per registry host. */
  readonly requestsByKindByHost: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** All requests. */
  readonly requests: number;
  /** POST, PUT, PATCH and DELETE requests. */
  readonly writeRequests: number;
  /** Bytes the registries answered with (what the client downloaded, blobs and manifests). */
  readonly bytesReceived: number;
  /** Bytes of blobs whose upload completed (PUT …/blobs/uploads/…?digest=… → 201); mounts cost none. */
  readonly blobBytesUploaded: number;
  /** {@link PhaseTraffic.blobBytesUploaded} per registry host. */
  readonly blobBytesUploadedByHost: Readonly<Record<string, number>>;
  /** Completed blob uploads, and those that repeated a blob already uploaded to the same host in this phase. */
  readonly blobUploads: number;
  readonly repeatedBlobUploads: number;
  /** Cross-repository mounts that succeeded (POST …?mount=… → 201). */
  readonly blobMounts: number;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const UPLOAD_DONE = /\/blobs\/uploads\/[^?]*\?(?:.*&)?digest=(sha256(?::|%3A)[0-9a-f]{64})/i;
const MOUNT = /\/blobs\/uploads\/\?(?:.*&)?mount=/;

/**
 * Records where each registry's log ends now, so {@link phaseTraffic} later counts only what came after.
 *
 * @param registries the registries to watch
 * @returns the marks
 * @throws the fs error when a log cannot be read
 */
export async function markLogs(registries: readonly HarnessRegistry[]): Promise<LogMarks> {
  const marks = new Map<HarnessRegistry, number>();
  for (const registry of registries) marks.set(registry, (await readAccessLog(registry.accessLogPath)).length);
  return marks;
}

/**
 * Sums the traffic every marked registry logged since its mark.
 *
 * @param marks from {@link markLogs} at the start of the phase
 * @returns the phase's traffic
 * @throws the fs error when a log or a blob's data file cannot be read
 */
export async function phaseTraffic(marks: LogMarks): Promise<PhaseTraffic> {
  const requestsByMethod: Record<string, number> = {};
  const requestsByKind: Record<string, number> = {};
  const requestsByKindByHost: Record<string, Record<string, number>> = {};
  let requests = 0;
  let writeRequests = 0;
  let bytesReceived = 0;
  let blobBytesUploaded = 0;
  const blobBytesUploadedByHost: Record<string, number> = {};
  let blobUploads = 0;
  let repeatedBlobUploads = 0;
  let blobMounts = 0;
  for (const [registry, mark] of marks) {
    const entries = (await readAccessLog(registry.accessLogPath)).slice(mark).filter(isClientRequest);
    const uploadedHere = new Set<string>();
    blobBytesUploadedByHost[registry.host] = 0;
    const kindsHere: Record<string, number> = (requestsByKindByHost[registry.host] = {});
    for (const entry of entries) {
      requests++;
      requestsByMethod[entry.method] = (requestsByMethod[entry.method] ?? 0) + 1;
      const kind = requestKind(entry.method, entry.path);
      requestsByKind[kind] = (requestsByKind[kind] ?? 0) + 1;
      kindsHere[kind] = (kindsHere[kind] ?? 0) + 1;
      if (WRITE_METHODS.has(entry.method)) writeRequests++;
      bytesReceived += entry.bytes;
      if (entry.method === "POST" && entry.status === 201 && MOUNT.test(entry.path)) blobMounts++;
      const upload = entry.method === "PUT" && entry.status === 201 ? UPLOAD_DONE.exec(entry.path) : null;
      if (!upload) continue;
      const digest = decodeURIComponent(upload[1]!);
      blobUploads++;
      if (uploadedHere.has(digest)) repeatedBlobUploads++;
      uploadedHere.add(digest);
      const size = statSync(blobDataPath(registry.storageDir, digest)).size;
      blobBytesUploaded += size;
      blobBytesUploadedByHost[registry.host] += size;
    }
  }
  return {
    requestsByMethod, requestsByKind, requestsByKindByHost, requests, writeRequests, bytesReceived, blobBytesUploaded, blobBytesUploadedByHost, blobUploads, repeatedBlobUploads,
    blobMounts,
  };
}

const KINDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/v2\/?(?:\?|$)/, "ping"],
  [/\/manifests\//, "manifest"],
  [/\/tags\/list(?:\?|$)/, "tag list"],
  [/\/blobs\/uploads\//, "upload"],
  [/\/blobs\//, "blob"],
  [/\/referrers\//, "referrers"],
];

/**
 * Names what a registry request is for, to count requests by kind.
 *
 * @param method HTTP method
 * @param path path and query
 * @returns e.g. `HEAD manifest`, `GET tag list`, `PUT upload`, `GET ping`, or `GET other`
 * @example requestKind("GET", "/v2/prod/img-001/tags/list?n=1000") // → "GET tag list"
 */
export function requestKind(method: string, path: string): string {
  return `${method} ${KINDS.find(([pattern]) => pattern.test(path))?.[1] ?? "other"}`;
}

/**
 * Counts requests by {@link requestKind}.
 *
 * @param requests e.g. what a fault proxy saw
 * @returns counts by kind
 */
export function countKinds(requests: Iterable<{ readonly method: string; readonly path: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { method, path } of requests) {
    const kind = requestKind(method, path);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Adds up counts by kind.
 *
 * @param counts several sets of counts
 * @returns their sum, kind by kind
 */
export function sumKinds(counts: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const set of counts) for (const [kind, count] of Object.entries(set)) sum[kind] = (sum[kind] ?? 0) + count;
  return sum;
}

/**
 * Formats counts by kind, largest first: `HEAD manifest 450, GET tag list 150`.
 *
 * @param counts counts by kind
 * @param per divide every count by this (e.g. the number of images) and show one decimal
 * @returns the text, `none` when empty
 */
export function formatKinds(counts: Readonly<Record<string, number>>, per = 1): string {
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return "none";
  return entries.map(([kind, count]) => `${kind} ${per === 1 ? count : (count / per).toFixed(1)}`).join(", ");
}

/**
 * Formats what some hosts were asked, per image and host: `HEAD manifest 1.0, GET tag list 1.0`.
 *
 * @param traffic a phase's traffic
 * @param hosts the hosts (`127.0.0.1:PORT`) to add up
 * @param images how many images the phase handled
 * @returns the text, `none` when those hosts saw nothing
 */
export function formatKindsPerImage(traffic: PhaseTraffic, hosts: readonly string[], images: number): string {
  return formatKinds(sumKinds(hosts.map((host) => traffic.requestsByKindByHost[host] ?? {})), images * hosts.length);
}

function isClientRequest(entry: AccessLogEntry): boolean {
  return entry.userAgent !== PROBE_USER_AGENT;
}
