/**
 * Workload B, the full promotion: multi-arch images to three fresh destination registries, by ours (default
 * settings), by skopeo sync (one run per destination, one after another), and by ours tuned. Target: ours ≤ 0.5×
 * skopeo's wall time.
 */
import { join } from "node:path";
import { measurePhase, type PhaseResult } from "./measure";
import { npmPromote } from "./promote-command";
import { disposeAll, startRegistries } from "./registries";
import { ratio, runsSucceeded, tagsRight, type TableRow, type TargetCheck, type WorkloadReport } from "./report";
import { formatKindsPerImage } from "./traffic";
import { findWrongTags } from "./verify";
import { describeImages, skopeoSync, writeOurManifests, type StagedWorkload } from "./workload";

/** How to run workload B. */
export interface FullWorkloadOptions {
  /** The seeded images. */
  readonly staged: StagedWorkload;
  /** A scratch directory for the trees. */
  readonly dir: string;
  /** Flags of the tuned run; none when absent. */
  readonly tuning?: readonly string[];
  /** Progress lines. */
  readonly log: (line: string) => void;
}

const DESTINATIONS = 3;
const MIB = 1024 * 1024;

/**
 * Runs workload B against fresh destination registries (started here and disposed of before returning).
 *
 * @param options the staged images, scratch directory and tuning
 * @returns the workload's table, notes and checks
 * @throws {Error} when a registry does not start, GNU time is missing, or a log cannot be read
 */
export async function runFullWorkload(options: FullWorkloadOptions): Promise<WorkloadReport> {
  const { staged, log } = options;
  const groups = options.tuning ? 3 : 2;
  const registries = await startRegistries(groups * DESTINATIONS);
  try {
    const [oursHosts, skopeoHosts, tunedHosts] = [0, 1, 2].map((group) => registries.slice(group * DESTINATIONS, (group + 1) * DESTINATIONS));
    const names = (hosts: typeof registries): string[] => hosts.map((registry) => `${registry.host}/prod`);
    const hostsOf = (hosts: typeof registries): string[] => hosts.map((registry) => registry.host);

    log("B: ours, full promotion …");
    const oursTree = await writeOurManifests(join(options.dir, "tree-ours"), staged.staging.host, names(oursHosts!), staged.images);
    const ours = await measurePhase([staged.staging, ...oursHosts!], [npmPromote(oursTree)]);
    log(`B: skopeo, sync to ${DESTINATIONS} destinations, one after another …`);
    const skopeo = await measurePhase([staged.staging, ...skopeoHosts!], names(skopeoHosts!).map((name) => skopeoSync(staged.syncFile, name)));
    let tuned: PhaseResult | undefined;
    if (options.tuning) {
      log(`B: ours tuned (${options.tuning.join(" ")}), full promotion …`);
      const tunedTree = await writeOurManifests(join(options.dir, "tree-tuned"), staged.staging.host, names(tunedHosts!), staged.images);
      tuned = await measurePhase([staged.staging, ...tunedHosts!], [npmPromote(tunedTree, options.tuning)]);
    }
    const wrong: Record<string, string[]> = {
      ours: await findWrongTags(names(oursHosts!), staged.images),
      skopeo: await findWrongTags(names(skopeoHosts!), staged.images),
      ...(tuned ? { "ours tuned": await findWrongTags(names(tunedHosts!), staged.images) } : {}),
    };

    const rows: TableRow[] = [
      { label: "ours, full promotion", phase: ours },
      { label: `skopeo, sync × ${DESTINATIONS}`, phase: skopeo },
      ...(tuned ? [{ label: `ours tuned (${options.tuning!.join(" ")}), full promotion`, phase: tuned }] : []),
    ];
    const fullRatio = ours.wallSeconds / skopeo.wallSeconds;
    const perImage = staged.images.length;
    const notes = [
      `full: ours/skopeo ${ratio(ours.wallSeconds, skopeo.wallSeconds)} (${ours.wallSeconds.toFixed(2)} s vs ${skopeo.wallSeconds.toFixed(2)} s)` +
        (tuned ? `; tuned ${ratio(tuned.wallSeconds, skopeo.wallSeconds)} (${tuned.wallSeconds.toFixed(2)} s)` : ""),
      `CPU, tool + registries: ours ${ours.cpuSeconds.toFixed(1)} + ${ours.registryCpuSeconds.toFixed(1)} s, skopeo ${skopeo.cpuSeconds.toFixed(1)} + ` +
        `${skopeo.registryCpuSeconds.toFixed(1)} s; stolen by the hypervisor: ${ours.stealSeconds.toFixed(1)} s (ours), ${skopeo.stealSeconds.toFixed(1)} s (skopeo)`,
      `bytes downloaded from the registries: ours ${(ours.traffic.bytesReceived / MIB).toFixed(0)} MiB, skopeo ${(skopeo.traffic.bytesReceived / MIB).toFixed(0)} MiB`,
      `ours' requests per image: to staging ${formatKindsPerImage(ours.traffic, [staged.staging.host], perImage)}; ` +
        `to each destination ${formatKindsPerImage(ours.traffic, hostsOf(oursHosts!), perImage)}`,
      `skopeo's requests per image: to staging ${formatKindsPerImage(skopeo.traffic, [staged.staging.host], perImage)}; ` +
        `to each destination ${formatKindsPerImage(skopeo.traffic, hostsOf(skopeoHosts!), perImage)}`,
    ];
    return {
      title: "B. Full promotion (default settings)",
      description: [
        `${staged.images.length} images × ${describeImages(staged)} → ${DESTINATIONS} fresh destination registries per run.`,
        `Ours: \`npm run promote -- --thin-manifest-dir TREE --confirm --quiet\`; skopeo: \`skopeo sync --all --preserve-digests\`, one run per destination, one after another.`,
      ],
      rows,
      notes,
      checks: [
        {
          target: "B: full promotion ≤ 0.5× skopeo's wall time (default settings)",
          measured: `${fullRatio.toFixed(2)}× (${ours.wallSeconds.toFixed(2)} s vs ${skopeo.wallSeconds.toFixed(2)} s)`,
          pass: fullRatio <= 0.5,
        },
        uploadedOnce(ours, staged.blobBytes),
        tagsRight("B", wrong),
        runsSucceeded("B", rows),
      ],
      data: { wrongTags: wrong },
    };
  } finally {
    await disposeAll(registries);
  }
}

/** Each blob reaches each fresh destination host once: no repeated uploads, at most the workload's bytes per host. */
function uploadedOnce(phase: PhaseResult, workloadBlobBytes: number): TargetCheck {
  const perHost = Object.entries(phase.traffic.blobBytesUploadedByHost).filter(([, bytes]) => bytes > 0);
  const over = perHost.filter(([, bytes]) => bytes > workloadBlobBytes);
  return {
    target: "B: ours uploads each blob at most once per destination host",
    measured:
      `${phase.traffic.repeatedBlobUploads} repeated uploads; per host ${perHost.map(([host, bytes]) => `${host} ${(bytes / MIB).toFixed(1)} MiB`).join(", ")}; ` +
      `limit ${(workloadBlobBytes / MIB).toFixed(1)} MiB`,
    pass: phase.traffic.repeatedBlobUploads === 0 && over.length === 0,
  };
}
