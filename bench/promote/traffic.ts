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
    for (const entry of entries) {
      requests++;
      requestsByMethod[entry.method] = (requestsByMethod[entry.method] ?? 0) + 1;
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
    requestsByMethod, requests, writeRequests, bytesReceived, blobBytesUploaded, blobBytesUploadedByHost, blobUploads, repeatedBlobUploads,
    blobMounts,
  };
}

function isClientRequest(entry: AccessLogEntry): boolean {
  return entry.userAgent !== PROBE_USER_AGENT;
}
