/**
 * The promotion benchmark's verdict: the side-by-side table (ours, skopeo, ratio, for the full copy and the
 * no-op rerun) and the targets of issue 4 checked as PASS/FAIL.
 */
import type { PhaseTraffic } from "./traffic";

/** One tool's measurement of one phase. */
export interface PhaseResult {
  /** Summed wall time of the phase's commands, in seconds. */
  readonly wallSeconds: number;
  /** The largest peak RSS of the phase's commands, in MiB. */
  readonly peakRssMb: number;
  /** CPU time of the phase's commands (user + system), in seconds. */
  readonly cpuSeconds: number;
  /** CPU time the watched registries used during the phase, in seconds. */
  readonly registryCpuSeconds: number;
  /** CPU time the hypervisor stole from the machine during the phase, in seconds (0 where not reported). */
  readonly stealSeconds: number;
  /** What the registries saw. */
  readonly traffic: PhaseTraffic;
}

/** Everything measured in one benchmark run. */
export interface BenchResults {
  readonly ours: { readonly full: PhaseResult; readonly noop: PhaseResult };
  readonly skopeo: { readonly full: PhaseResult; readonly noop: PhaseResult };
  /** Host of the staging registry, which already holds every blob (mounts must serve it). */
  readonly stagingHost: string;
  /** Bytes of distinct blobs in the workload: the most any one fresh destination host should be sent. */
  readonly workloadBlobBytes: number;
  /** CPU cores of the machine (tool and registries share them). */
  readonly cores: number;
  /** Wrong or missing destination tags after each tool's full run. */
  readonly wrongTags: { readonly ours: readonly string[]; readonly skopeo: readonly string[] };
}

/** One target and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

const MIB = 1024 * 1024;
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

function ratio(ours: number, theirs: number): string {
  if (theirs === 0) return ours === 0 ? "–" : "∞";
  return `${(ours / theirs).toFixed(2)}×`;
}

function rows(results: BenchResults): Array<[string, (phase: PhaseResult) => number, (value: number) => string]> {
  const seconds = (value: number): string => value.toFixed(2);
  const mib = (value: number): string => (value / MIB).toFixed(1);
  const count = (value: number): string => String(value);
  const methods = METHODS.filter((method) =>
    [results.ours.full, results.ours.noop, results.skopeo.full, results.skopeo.noop].some((p) => p.traffic.requestsByMethod[method]),
  );
  return [
    ["wall time (s)", (p) => p.wallSeconds, seconds],
    ["peak RSS (MiB)", (p) => p.peakRssMb, (value) => value.toFixed(0)],
    ["CPU time, tool (s)", (p) => p.cpuSeconds, seconds],
    ["CPU time, registries (s)", (p) => p.registryCpuSeconds, seconds],
    ["CPU time stolen by the hypervisor (s)", (p) => p.stealSeconds, seconds],
    ["blob bytes uploaded (MiB)", (p) => p.traffic.blobBytesUploaded, mib],
    ["bytes downloaded (MiB)", (p) => p.traffic.bytesReceived, mib],
    ["requests", (p) => p.traffic.requests, count],
    ...methods.map((method): [string, (p: PhaseResult) => number, (v: number) => string] => [
      `  ${method}`, (p) => p.traffic.requestsByMethod[method] ?? 0, count,
    ]),
    ["write requests", (p) => p.traffic.writeRequests, count],
    ["blob uploads (repeated on a host)", (p) => p.traffic.blobUploads, count],
    ["blob mounts", (p) => p.traffic.blobMounts, count],
  ];
}

/**
 * Renders the side-by-side Markdown table.
 *
 * @param results the measurements
 * @returns the table, one row per metric
 * @example console.log(formatTable(results));
 */
export function formatTable(results: BenchResults): string {
  const lines = [
    "| metric | ours full | skopeo full | ours/skopeo | ours no-op | skopeo no-op | ours/skopeo |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [label, pick, show] of rows(results)) {
    const [of, sf, on, sn] = [results.ours.full, results.skopeo.full, results.ours.noop, results.skopeo.noop].map(pick) as [number, number, number, number];
    let oursFull = show(of);
    let skopeoFull = show(sf);
    if (label.startsWith("blob uploads")) {
      oursFull += ` (${results.ours.full.traffic.repeatedBlobUploads})`;
      skopeoFull += ` (${results.skopeo.full.traffic.repeatedBlobUploads})`;
    }
    lines.push(`| ${label} | ${oursFull} | ${skopeoFull} | ${ratio(of, sf)} | ${show(on)} | ${show(sn)} | ${ratio(on, sn)} |`);
  }
  return lines.join("\n");
}

/**
 * The shortest wall time a phase could have had on this machine: all the CPU it needed (the tool's, the
 * registries', and what the hypervisor took) spread perfectly over the cores.
 *
 * @param phase the measured phase
 * @param cores the machine's CPU cores
 * @returns seconds
 */
export function noopFloor(phase: PhaseResult, cores: number): number {
  return (phase.cpuSeconds + phase.registryCpuSeconds + phase.stealSeconds) / cores;
}

/**
 * Checks the targets of issue 4 (and that both tools produced correct destinations).
 *
 * @param results the measurements
 * @returns one check per target, in a fixed order
 */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const { ours, skopeo } = results;
  const fullRatio = ours.full.wallSeconds / skopeo.full.wallSeconds;
  const noopSpeedup = skopeo.noop.wallSeconds / ours.noop.wallSeconds;
  const perHost = Object.entries(ours.full.traffic.blobBytesUploadedByHost);
  const overHosts = perHost.filter(([host, bytes]) => bytes > (host === results.stagingHost ? 0 : results.workloadBlobBytes));
  return [
    {
      target: "full promotion ≤ 0.5× skopeo's wall time",
      measured: `${fullRatio.toFixed(2)}× (${ours.full.wallSeconds.toFixed(2)} s vs ${skopeo.full.wallSeconds.toFixed(2)} s)`,
      pass: fullRatio <= 0.5,
    },
    {
      target: "no-op rerun ≥ 10× faster than skopeo's",
      measured:
        `${noopSpeedup.toFixed(1)}× (${ours.noop.wallSeconds.toFixed(2)} s vs ${skopeo.noop.wallSeconds.toFixed(2)} s); ` +
        `CPU floor of ours on ${results.cores} cores: (${ours.noop.cpuSeconds.toFixed(2)} s promoter + ` +
        `${ours.noop.registryCpuSeconds.toFixed(2)} s registries + ${ours.noop.stealSeconds.toFixed(2)} s stolen) / ${results.cores} = ` +
        `${noopFloor(ours.noop, results.cores).toFixed(2)} s`,
      pass: noopSpeedup >= 10,
    },
    {
      target: "no-op rerun makes zero write requests",
      measured: `${ours.noop.traffic.writeRequests} write requests`,
      pass: ours.noop.traffic.writeRequests === 0,
    },
    {
      target: "blob bytes uploaded at most once per destination host (none to the staging host: mounts)",
      measured:
        `${ours.full.traffic.repeatedBlobUploads} repeated uploads; per host ` +
        perHost.map(([host, bytes]) => `${host} ${(bytes / MIB).toFixed(1)} MiB`).join(", ") +
        `; limit ${(results.workloadBlobBytes / MIB).toFixed(1)} MiB per fresh host`,
      pass: ours.full.traffic.repeatedBlobUploads === 0 && overHosts.length === 0,
    },
    {
      target: "every destination tag resolves to the source digest (ours, then skopeo)",
      measured: `${results.wrongTags.ours.length} wrong (ours), ${results.wrongTags.skopeo.length} wrong (skopeo)`,
      pass: results.wrongTags.ours.length === 0 && results.wrongTags.skopeo.length === 0,
    },
  ];
}
