import { formatProblem } from "../../diagnostics/problem";
import type { RegistryClient } from "../../registry/client";
import type { Manifest, Refusal } from "../manifests/types";
import type { EdgeDecision } from "../plan/assess-edge";
import { decidePlan } from "../plan/decide-plan";
import type { Observations } from "../plan/observations";
import { buildEdges, type PromotionEdge } from "../plan/edges";
import { projectReports, type PlanItem, type ProjectReport } from "../plan/project-report";
import type { Progress } from "../progress";
import { checkProvenance, type ProvenanceItem } from "../provenance/check-provenance";
import { signPromoted, type SignPromotedOptions, type SigningItem } from "../signing/sign-promoted";
import { DEFAULT_REFERRER_ARTIFACT_TYPES } from "../../sigstore/media-types";
import type { EvidenceVerifier } from "../../sigstore/verify-evidence";
import { carryReferrers, type ReferrerItem } from "./carry-referrers";
import { createLimiter, type Limiter } from "../../registry/limit";
import { DEFAULT_IMAGE_CONCURRENCY, executePlan, type ExecutionTotals } from "./execute-plan";
import { observeRegistries } from "./observe-registries";
import { resolveSignatureMoves } from "./resolve-signature-moves";

/** Options of {@link promote}. */
export interface PromoteOptions {
  /** Write to the destinations; without it nothing is written (a dry run). */
  readonly confirm: boolean;
  /** Images worked on at once; default {@link DEFAULT_IMAGE_CONCURRENCY} (execute-plan). */
  readonly concurrency?: number;
  /** Registry reads in flight at once while planning; default 64. */
  readonly readConcurrency?: number;
  /** Where to show progress. */
  readonly progress?: Progress;
  /** Images refused before any read (a destination path not the project's alone): left out and reported refused. */
  readonly refusals?: readonly Refusal[];
  /** Artifact types of OCI referrers carried; default sigstore bundles, in-toto attestations and SBOMs. */
  readonly referrerArtifactTypes?: readonly string[];
  /** Verifies staging signatures; needed when a manifest has a provenance policy other than `off`. */
  readonly verifier?: EvidenceVerifier;
  /** Sign what is promoted (`--sign`). */
  readonly signing?: Omit<SignPromotedOptions, "confirm" | "progress" | "concurrency">;
}

/** Counts over every project of a {@link PromotionReport}. */
export interface ReportTotals {
  copied: number;
  tagged: number;
  skipped: number;
  refused: number;
  failed: number;
}

/** What a promotion did (or, in a dry run, would do), per project. */
export interface PromotionReport {
  /** `dry-run`: nothing was written; `confirm`: the copies and tags were made. */
  readonly mode: "dry-run" | "confirm";
  /** True when nothing failed and nothing was refused. */
  readonly ok: boolean;
  /** Item counts over all projects. */
  readonly totals: ReportTotals;
  /** What was written (confirm mode only). */
  readonly written?: ExecutionTotals;
  /** Per project, sorted by name. */
  readonly projects: readonly ProjectReport[];
  /** Staging images checked against a provenance policy. */
  readonly provenance?: readonly ProvenanceItem[];
  /** Images whose referrers were (or, in a dry run, would be) carried, or failed to be. */
  readonly referrers?: readonly ReferrerItem[];
  /** With `--sign`: what was (or would be) signed, or failed to be. */
  readonly signing?: readonly SigningItem[];
}

/**
 * Promotes the images of validated manifests: reads every repository involved once, decides per
 * (destination repository, digest), and with `confirm` copies and tags. A failure in one project (a lost
 * source digest, a refused tag move, an unreachable registry) is reported and does not stop the others.
 *
 * @param client the registry client
 * @param manifests validated manifests (`loadThinManifests` / `loadFatManifest`)
 * @param options dry run or confirm, concurrency, progress
 * @returns the per-project report
 * @example
 * const report = await promote(new RegistryClient(), loadThinManifests("registry.k8s.io"), { confirm: false });
 * if (!report.ok) process.exitCode = 1;
 */
export async function promote(
  client: RegistryClient,
  manifests: readonly Manifest[],
  options: PromoteOptions,
): Promise<PromotionReport> {
  const { edges, refused } = withoutRefused(buildEdges(manifests as Manifest[]), options.refusals ?? []);
  // With --confirm, what is decided while the slowest reads wait out their retries is carried out meanwhile.
  let early: { readonly edges: ReadonlySet<PromotionEdge>; readonly part: Promise<CarriedOut> } | undefined;
  const slots = createLimiter(options.concurrency ?? DEFAULT_IMAGE_CONCURRENCY);
  const observed = await observeRegistries(client, edges, {
    concurrency: options.readConcurrency,
    progress: options.progress,
    ...(options.confirm ? {
      onTail: (decided: readonly EdgeDecision[], readsLeft: number, observations: Observations) => {
        options.progress?.phase("reading the last registries and promoting", readsLeft);
        const part = carryOut(client, decided, manifests, observations, options, { continuePhase: true, slots });
        part.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        early = { edges: new Set(decided.map((decision) => decision.edge)), part };
      },
    } : {}),
  });
  const plan = decidePlan(observed.reachableEdges, observed.observations);
  const reachable = new Set(observed.reachableEdges);
  const unreadableDecisions = edges
    .filter((edge) => !reachable.has(edge) && !early?.edges.has(edge))
    .map((edge) => failed(edge, unreadableReason(edge, observed.unreadable), unreachableHost(edge, observed.unreachableHosts)));
  const rest = carryOut(client, plan.decisions.filter((decision) => !early?.edges.has(decision.edge)), manifests, observed.observations, options, { continuePhase: early !== undefined, slots });
  const parts = early === undefined ? [await rest] : await Promise.all([early.part, rest]);
  const decisions = parts.flatMap((part) => part.decisions);
  const provenance = parts.flatMap((part) => part.provenance);
  const written = options.confirm ? sumTotals(parts.map((part) => part.written!)) : undefined;
  const referrers = await carryReferrers(client, decisions, observed.observations, {
    confirm: options.confirm,
    artifactTypes: options.referrerArtifactTypes ?? DEFAULT_REFERRER_ARTIFACT_TYPES,
    concurrency: options.concurrency,
    progress: options.progress,
  });
  const signing = options.signing
    ? await signPromoted(client, decisions, manifests, { ...options.signing, confirm: options.confirm, progress: options.progress })
    : [];
  const projects = withRefusedItems(projectReports([...decisions, ...unreadableDecisions]), refused);
  const totals = countItems(projects);
  return {
    mode: options.confirm ? "confirm" : "dry-run",
    ok: totals.failed === 0 && totals.refused === 0
      && referrers.every((item) => item.outcome !== "failed") && signing.every((item) => item.outcome !== "failed"),
    totals,
    ...(written ? { written } : {}),
    projects,
    provenance,
    referrers,
    signing,
  };
}

/** What carrying out part of a plan gave: its decisions as they ended, the provenance checks, what was written. */
interface CarriedOut {
  readonly decisions: readonly EdgeDecision[];
  readonly provenance: readonly ProvenanceItem[];
  /** With `confirm` only. */
  readonly written?: ExecutionTotals;
}

/**
 * Carries out decided edges: signature tag moves resolved, provenance checked where a manifest asks for it, and
 * with `confirm` the copies and tags made. A plan may be carried out in parts (what was decided early, then the
 * rest), each with `continuePhase` adding to the progress phase under way, all sharing the image slots.
 */
async function carryOut(
  client: RegistryClient,
  decided: readonly EdgeDecision[],
  manifests: readonly Manifest[],
  observations: Observations,
  options: PromoteOptions,
  part: { readonly continuePhase: boolean; readonly slots: Limiter },
): Promise<CarriedOut> {
  const { continuePhase } = part;
  let planned = await resolveSignatureMoves(client, decided);
  let provenance: ProvenanceItem[] = [];
  if (manifests.some((manifest) => manifest.provenance !== undefined && manifest.provenance.mode !== "off")) {
    if (!options.verifier) throw new Error("a manifest has a provenance policy: a verifier (trusted root) is needed");
    // A part carried out while others are under way checks quietly: its outcomes are in the report all the same.
    const progress = continuePhase ? undefined : options.progress;
    const check = await checkProvenance(client, options.verifier, planned, manifests, observations, { progress });
    planned = check.decisions;
    provenance = check.items;
  }
  if (!options.confirm) return { decisions: planned, provenance };
  const execution = await executePlan(client, planned, { progress: options.progress, continuePhase, slots: part.slots });
  const decisions = planned.map((decision) => {
    const error = execution.failures.get(decision);
    return error === undefined ? decision : failed(decision.edge, error, execution.unreachable.get(decision));
  });
  return { decisions, provenance, written: execution.totals };
}

function sumTotals(parts: readonly ExecutionTotals[]): ExecutionTotals {
  const sum: ExecutionTotals = { imagesCopied: 0, tagsWritten: 0, bytesUploaded: 0, blobsMounted: 0 };
  for (const part of parts) {
    sum.imagesCopied += part.imagesCopied;
    sum.tagsWritten += part.tagsWritten;
    sum.bytesUploaded += part.bytesUploaded;
    sum.blobsMounted += part.blobsMounted;
  }
  return sum;
}

function failed(edge: PromotionEdge, error: string, unreachableHost?: string): EdgeDecision {
  return { edge, action: "fail", addTags: [], presentTags: [], refusedTags: [], error, ...(unreachableHost === undefined ? {} : { unreachableHost }) };
}

function unreachableHost(edge: PromotionEdge, hosts: ReadonlyMap<string, string>): string | undefined {
  for (const repository of [edge.destination, ...edge.claims.map((claim) => claim.source)]) {
    const host = hosts.get(repository);
    if (host !== undefined) return host;
  }
  return undefined;
}

/**
 * Takes the refused claims out of the edges: a project's claim on a refused destination repository goes, and an
 * edge left with no claim goes. Each claim taken out becomes a refused item of its project.
 */
function withoutRefused(
  edges: PromotionEdge[],
  refusals: readonly Refusal[],
): { edges: PromotionEdge[]; refused: Map<string, PlanItem[]> } {
  const refused = new Map<string, PlanItem[]>();
  if (refusals.length === 0) return { edges, refused };
  const reasons = new Map<string, string>();
  for (const refusal of refusals) {
    for (const destination of refusal.destinations) reasons.set(`${refusal.project}\u0000${destination}`, formatProblem(refusal.problem));
  }
  const kept: PromotionEdge[] = [];
  for (const edge of edges) {
    const claims = edge.claims.filter((claim) => {
      const reason = reasons.get(`${claim.project}\u0000${edge.destination}`);
      if (reason === undefined) return true;
      const items = refused.get(claim.project) ?? [];
      items.push({ destination: edge.destination, digest: edge.digest, tags: claim.tags, message: reason });
      refused.set(claim.project, items);
      return false;
    });
    if (claims.length === edge.claims.length) kept.push(edge);
    else if (claims.length > 0) kept.push({ ...edge, claims, tags: [...new Set(claims.flatMap((claim) => claim.tags))].sort() });
  }
  return { edges: kept, refused };
}

/** Adds the items refused before any read to the projects' reports (a project may have nothing else). */
function withRefusedItems(reports: ProjectReport[], refused: ReadonlyMap<string, PlanItem[]>): ProjectReport[] {
  if (refused.size === 0) return reports;
  const byProject = new Map(reports.map((report) => [report.project, report]));
  for (const [project, items] of refused) {
    const report = byProject.get(project) ?? { project, copied: [], tagged: [], skipped: [], refused: [], failed: [] };
    byProject.set(project, { ...report, refused: [...report.refused, ...items].sort(compareItems) });
  }
  return [...byProject.values()].sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
}

function compareItems(a: PlanItem, b: PlanItem): number {
  return a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

function unreadableReason(edge: PromotionEdge, unreadable: ReadonlyMap<string, string>): string {
  for (const repository of [edge.destination, ...edge.claims.map((claim) => claim.source)]) {
    const reason = unreadable.get(repository);
    if (reason !== undefined) return `cannot read ${repository}: ${reason}`;
  }
  return "not read";
}

function countItems(projects: readonly ProjectReport[]): ReportTotals {
  const totals: ReportTotals = { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 };
  for (const project of projects) {
    totals.copied += project.copied.length;
    totals.tagged += project.tagged.length;
    totals.skipped += project.skipped.length;
    totals.refused += project.refused.length;
    totals.failed += project.failed.length;
  }
  return totals;
}
