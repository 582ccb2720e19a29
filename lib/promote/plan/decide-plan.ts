import type { EdgeDecision } from "./assess-edge";
import type { PromotionEdge } from "./edges";
import type { Observations } from "./observations";
import { readKey, readsNeeded } from "./plan-reads";
import { planRound } from "./plan-rounds";
import { projectReports, type ProjectReport } from "./project-report";

/** The decided promotion: the work, once per (destination repository, digest), and what it means per project. */
export interface PromotionPlan {
  /** One decision per edge (signature edges included), sorted by destination then digest. */
  readonly decisions: readonly EdgeDecision[];
  /** Per project, sorted by project name: what will be copied, tagged, skipped, refused and what failed. */
  readonly projects: readonly ProjectReport[];
}

/**
 * Decides the promotion from complete observations (when {@link readsNeeded} returns nothing): per
 * (destination repository, digest), already there with all tags → skip; there but tags missing → tag;
 * absent → copy from the first source that has it, then tag; absent from every source → fail; a wanted tag
 * pointing to another digest → refused (never moved), while the rest of the edge proceeds.
 *
 * @param edges the promotion edges (from buildEdges)
 * @param observations the answers to every read {@link readsNeeded} asked for
 * @returns the plan
 * @throws Error when observations are incomplete (names the first read still needed)
 * @example
 * const plan = decidePlan(edges, observations);
 * plan.decisions.filter((d) => d.action === "copy"); // the copies to make
 */
export function decidePlan(edges: readonly PromotionEdge[], observations: Observations): PromotionPlan {
  // After the last readsNeeded round this only collects the decisions those rounds already made.
  const round = planRound(edges, observations);
  if (round.decisions === undefined) {
    throw new Error(`observations incomplete: ${round.reads.length} read(s) still needed, first: ${readKey(round.reads[0]!)}`);
  }
  return { decisions: round.decisions, projects: projectReports(round.decisions) };
}

export type { EdgeDecision, PromotionEdge };
