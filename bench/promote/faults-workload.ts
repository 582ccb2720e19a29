/**
 * Workload C, promotion through an incident: workload B's images to fresh destinations, with a fault proxy
 * (test/harness/fault-proxy.ts) in front of every registry, staging included. First a baseline through proxies
 * that inject nothing, then a run under the incident mix (10% 429 with `Retry-After: 1`, 10% 503, 5%
 * resets, for the whole run), both with default settings. Target: exit 0, every tag right, ≤ 3× the baseline.
 */
import { join } from "node:path";
import type { HarnessRegistry } from "../../test/harness";
import { performance } from "node:perf_hooks";
import {
  FaultInjector, INCIDENT_MIX, startFaultProxy, type FaultKind, type FaultProxy, type ProxiedRequest,
} from "../../test/harness/fault-proxy";
import { measurePhase, type PhaseResult } from "./measure";
import { npmPromote } from "./promote-command";
import { disposeAll, startRegistries } from "./registries";
import { ratio, runsSucceeded, tagsRight, type TableRow, type WorkloadReport } from "./report";
import { countKinds, formatKinds, requestKind } from "./traffic";
import { findWrongTags } from "./verify";
import { describeImages, writeOurManifests, type StagedWorkload } from "./workload";

/** How to run workload C. */
export interface FaultsWorkloadOptions {
  /** The seeded images (workload B's). */
  readonly staged: StagedWorkload;
  /** A scratch directory for the trees. */
  readonly dir: string;
  /** Seed of the fault draws. */
  readonly seed: string;
  /** The run under faults is killed after this many times the baseline's wall time (at least 60 s). */
  readonly timeoutFactor: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** One promotion through the proxies. */
interface ProxiedRun {
  readonly phase: PhaseResult;
  /** Requests the proxies saw (faulted ones included), by kind. */
  readonly proxiedByKind: Record<string, number>;
  readonly proxied: number;
  /** Faults injected, by kind (kinds never drawn left out). */
  readonly injected: Partial<Record<FaultKind, number>>;
  readonly wrongTags: string[];
  /** Requests the proxies saw per second of the run, faults injected per second, and requests per second by kind. */
  readonly perSecond: { readonly requests: number[]; readonly faults: number[]; readonly byKind: Record<string, number[]> };
}

const DESTINATIONS = 3;
const TARGET_FACTOR = 3;

/**
 * Runs workload C against fresh destination registries (started here and disposed of before returning).
 *
 * @param options the staged images, scratch directory, fault seed and timeout
 * @returns the workload's table, notes and checks
 * @throws {Error} when a registry or proxy does not start, GNU time is missing, or a log cannot be read
 */
export async function runFaultsWorkload(options: FaultsWorkloadOptions): Promise<WorkloadReport> {
  const { staged, log } = options;
  const registries = await startRegistries(2 * DESTINATIONS);
  try {
    const zeroMix = Object.fromEntries(Object.keys(INCIDENT_MIX).map((kind) => [kind, 0]));
    log("C: ours through fault proxies injecting nothing (baseline) …");
    const baseline = await promoteThroughProxies(options, "baseline", zeroMix, registries.slice(0, DESTINATIONS), undefined);
    const timeoutSeconds = Math.max(60, options.timeoutFactor * baseline.phase.wallSeconds);
    log(`C: ours through fault proxies, incident mix (killed after ${timeoutSeconds.toFixed(0)} s) …`);
    const faulted = await promoteThroughProxies(options, "incident", INCIDENT_MIX, registries.slice(DESTINATIONS), timeoutSeconds);

    const rows: TableRow[] = [
      { label: "ours through proxies, no faults (baseline)", phase: baseline.phase },
      { label: "ours through proxies, incident mix", phase: faulted.phase },
    ];
    const factor = faulted.phase.wallSeconds / baseline.phase.wallSeconds;
    const injectedTotal = Object.values(faulted.injected).reduce((sum, count) => sum + count, 0);
    const summaries = (run: ProxiedRun): string => JSON.stringify(run.phase.summaries.join(" / "));
    const notes = [
      `incident/baseline: ${ratio(faulted.phase.wallSeconds, baseline.phase.wallSeconds)} ` +
        `(${faulted.phase.wallSeconds.toFixed(2)} s vs ${baseline.phase.wallSeconds.toFixed(2)} s)`,
      `faults injected: ${injectedTotal} of ${faulted.proxied} requests (${(100 * injectedTotal / Math.max(1, faulted.proxied)).toFixed(1)}%): ` +
        formatKinds(faulted.injected as Record<string, number>),
      `requests the proxies saw: baseline ${baseline.proxied} (${formatKinds(baseline.proxiedByKind)}); ` +
        `incident ${faulted.proxied} (${formatKinds(faulted.proxiedByKind)})`,
      `requests/s through the proxies, mean of each 5 s: baseline ${windows(baseline.perSecond.requests)}; incident ${windows(faulted.perSecond.requests)} ` +
        `(faults/s ${windows(faulted.perSecond.faults)})`,
      `planning (reads before the first write) ended within: baseline ${firstWrite(baseline)} s, incident ${firstWrite(faulted)} s; ` +
        `the last 5% of requests took: baseline ${lastShare(baseline, 0.05)} s, incident ${lastShare(faulted, 0.05)} s`,
      `CPU of the fault proxies (this process): baseline ${baseline.phase.benchCpuSeconds.toFixed(1)} s, incident ${faulted.phase.benchCpuSeconds.toFixed(1)} s`,
      `promoter's summary: baseline ${summaries(baseline)}; incident ${summaries(faulted)}`,
    ];
    return {
      title: "C. Promotion through faults (default settings)",
      description: [
        `Workload B's ${staged.images.length} images × ${describeImages(staged)} → ${DESTINATIONS} fresh destination registries per run,`,
        "through a fault proxy in front of every registry (staging too): a baseline injecting nothing, then the incident mix " +
          `(${formatKinds(INCIDENT_MIX as Record<string, number>)}; Retry-After: 1) for the whole run.`,
        "Ours: `npm run promote -- --thin-manifest-dir TREE --confirm --quiet`; tags checked on the registries behind the proxies.",
      ],
      rows,
      notes,
      checks: [
        {
          target: `C: under the incident mix, wall time ≤ ${TARGET_FACTOR}× the fault-free baseline`,
          measured: `${factor.toFixed(2)}× (${faulted.phase.wallSeconds.toFixed(2)} s vs ${baseline.phase.wallSeconds.toFixed(2)} s)`,
          pass: factor <= TARGET_FACTOR && faulted.phase.failures.length === 0,
        },
        tagsRight("C", { baseline: baseline.wrongTags, incident: faulted.wrongTags }),
        runsSucceeded("C", rows),
      ],
      data: {
        injected: faulted.injected,
        proxiedByKind: { baseline: baseline.proxiedByKind, incident: faulted.proxiedByKind },
        wrongTags: { baseline: baseline.wrongTags, incident: faulted.wrongTags },
        timeoutSeconds,
        perSecond: { baseline: baseline.perSecond, incident: faulted.perSecond },
      },
    };
  } finally {
    await disposeAll(registries);
  }
}

async function promoteThroughProxies(
  options: FaultsWorkloadOptions,
  name: string,
  mix: Readonly<Partial<Record<FaultKind, number>>>,
  destinations: readonly HarnessRegistry[],
  timeoutSeconds: number | undefined,
): Promise<ProxiedRun> {
  const { staged } = options;
  const injector = new FaultInjector({ seed: `${options.seed}/${name}`, mix, retryAfterSeconds: 1 });
  const proxies: FaultProxy[] = [];
  const perSecond = { requests: [] as number[], faults: [] as number[], byKind: {} as Record<string, number[]> };
  let startedAt = performance.now();
  const onRequest = (request: ProxiedRequest): void => {
    const second = Math.floor((performance.now() - startedAt) / 1000);
    while (perSecond.requests.length <= second) {
      perSecond.requests.push(0);
      perSecond.faults.push(0);
    }
    perSecond.requests[second]!++;
    if (request.fault !== undefined) perSecond.faults[second]!++;
    const kind = (perSecond.byKind[requestKind(request.method, request.path)] ??= []);
    while (kind.length <= second) kind.push(0);
    kind[second]!++;
  };
  try {
    for (const registry of [staged.staging, ...destinations]) proxies.push(await startFaultProxy({ upstream: registry.host, injector, onRequest }));
    const [stagingProxy, ...destinationProxies] = proxies as [FaultProxy, ...FaultProxy[]];
    const tree = await writeOurManifests(
      join(options.dir, `tree-${name}`), stagingProxy.host, destinationProxies.map((proxy) => `${proxy.host}/prod`), staged.images,
    );
    startedAt = performance.now();
    const phase = await measurePhase([staged.staging, ...destinations], [npmPromote(tree)], timeoutSeconds === undefined ? {} : { timeoutSeconds });
    const seen = proxies.flatMap((proxy) => proxy.requests);
    const injected = Object.fromEntries(Object.entries(injector.injected).filter(([, count]) => count > 0));
    return {
      phase,
      proxiedByKind: countKinds(seen),
      proxied: seen.length,
      injected,
      perSecond,
      wrongTags: await findWrongTags(destinations.map((registry) => `${registry.host}/prod`), staged.images),
    };
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  }
}

/** Per-second counts as the mean of each 5 s window: `212 180 96`. */
function windows(perSecond: readonly number[]): string {
  const means: string[] = [];
  for (let start = 0; start < perSecond.length; start += 5) {
    const window = perSecond.slice(start, start + 5);
    means.push((window.reduce((sum, count) => sum + count, 0) / window.length).toFixed(0));
  }
  return means.join(" ") || "–";
}

/** Whole seconds into the run by which the proxies had seen the first write (POST, PUT, PATCH): about the end of planning. */
function firstWrite(run: ProxiedRun): string {
  const writes = Object.entries(run.perSecond.byKind).filter(([kind]) => /^(POST|PUT|PATCH) /.test(kind)).map(([, counts]) => counts);
  const first = Math.min(...writes.map((counts) => counts.findIndex((count) => count > 0)).filter((second) => second >= 0));
  return Number.isFinite(first) ? String(first + 1) : "–";
}

/** Seconds from when all but `share` of the requests had been seen to the end of the run: the stragglers' tail. */
function lastShare(run: ProxiedRun, share: number): string {
  const { requests } = run.perSecond;
  const total = requests.reduce((sum, count) => sum + count, 0);
  let seen = 0;
  const at = requests.findIndex((count) => (seen += count) >= total * (1 - share));
  return at < 0 ? "–" : (run.phase.wallSeconds - at).toFixed(0);
}
