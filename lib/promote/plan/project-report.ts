import type { EdgeDecision } from "./assess-edge";
import { compareText } from "./edges";

/** One line of a project's report. */
export interface PlanItem {
  /** The destination repository. */
  readonly destination: string;
  /** The digest concerned. */
  readonly digest: string;
  /** The tags of this project concerned by the item, sorted. */
  readonly tags: readonly string[];
  /** For copies: the source repository. */
  readonly source?: string;
  /** For refusals and failures: why. */
  readonly message?: string;
  /** For failures: the registry host that could not be reached, when that is why. */
  readonly unreachableHost?: string;
}

/** What the plan means for one project. Every list is sorted by destination, digest, then message. */
export interface ProjectReport {
  readonly project: string;
  /** Digests to copy (then tag with `tags`). */
  readonly copied: readonly PlanItem[];
  /** Digests already there that get the project's missing `tags`. */
  readonly tagged: readonly PlanItem[];
  /** Digests already there with every tag this project asks for (nothing to write, nothing refused). */
  readonly skipped: readonly PlanItem[];
  /** One item per refused tag (it points to another digest; tags are never moved). */
  readonly refused: readonly PlanItem[];
  /** Digests that cannot be promoted (absent from the source). */
  readonly failed: readonly PlanItem[];
}

/**
 * Attributes decisions to the projects that asked for them. Work shared by several projects is done once but
 * shown for each; a project whose own tags are all in place is `skipped` even if another project's tag is added.
 *
 * @param decisions the decisions of a plan
 * @returns one report per project that claims any edge, sorted by project
 */
export function projectReports(decisions: readonly EdgeDecision[]): ProjectReport[] {
  const reports = new Map<string, { [K in Exclude<keyof ProjectReport, "project">]: PlanItem[] }>();
  for (const decision of decisions) {
    const { destination, digest } = decision.edge;
    for (const claim of decision.edge.claims) {
      let report = reports.get(claim.project);
      if (!report) {
        report = { copied: [], tagged: [], skipped: [], refused: [], failed: [] };
        reports.set(claim.project, report);
      }
      // Most decisions add and refuse nothing: skip the filtering (and its arrays) for them.
      const added = decision.addTags.length === 0 ? NONE : claim.tags.filter((tag) => decision.addTags.includes(tag));
      const refused =
        decision.refusedTags.length === 0 ? NONE : decision.refusedTags.filter((refusal) => claim.tags.includes(refusal.tag));
      if (decision.action === "copy") report.copied.push({ destination, digest, tags: added, source: decision.source! });
      else if (decision.action === "fail") {
        const host = decision.unreachableHost;
        report.failed.push({ destination, digest, tags: claim.tags, message: decision.error!, ...(host === undefined ? {} : { unreachableHost: host }) });
      } else if (added.length > 0) report.tagged.push({ destination, digest, tags: added });
      else if (refused.length === 0) report.skipped.push({ destination, digest, tags: claim.tags });
      for (const refusal of refused) {
        report.refused.push({
          destination,
          digest,
          tags: [refusal.tag],
          message: `${destination}:${refusal.tag} points to ${refusal.current}; ${refusal.reason ?? "tags are never moved"}`,
        });
      }
    }
  }
  return [...reports.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([project, report]) => ({
      project,
      copied: sortItems(report.copied),
      tagged: sortItems(report.tagged),
      skipped: sortItems(report.skipped),
      refused: sortItems(report.refused),
      failed: sortItems(report.failed),
    }));
}

const NONE: readonly never[] = Object.freeze([]);

function sortItems(items: PlanItem[]): PlanItem[] {
  return items.sort(
    (a, b) =>
      compareText(a.destination, b.destination) ||
      compareText(a.digest, b.digest) ||
      compareText(a.message ?? "", b.message ?? ""),
  );
}
