import type { PlannedResource } from "../plan-program";
import { diffInputs, type InputChange } from "./diff-inputs";

/** A resource in both plans whose inputs differ. */
export interface ChangedResource {
  /** The resource as the new plan declares it. */
  readonly resource: PlannedResource;
  /** Every input that differs, sorted by path. */
  readonly changes: readonly InputChange[];
}

/** What going from one plan to another does, resource by resource. */
export interface PlanDiff {
  /** Resources only the new plan declares, in plan order. */
  readonly added: readonly PlannedResource[];
  /** Resources in both plans with different inputs, in plan order. */
  readonly changed: readonly ChangedResource[];
  /** Resources only the old plan declares, in plan order. */
  readonly removed: readonly PlannedResource[];
  /** How many resources are in both plans with equal inputs. */
  readonly unchanged: number;
}

/**
 * Compares two plans. A resource is identified as Pulumi identifies it — its URN: type, name and parent
 * chain — so a resource that moves to another parent shows as removed and added, which is what a deployment
 * would do without an alias.
 *
 * @param before the old plan's resources (e.g. the base revision)
 * @param after the new plan's resources (e.g. the pull request)
 * @returns added, changed and removed resources
 * @throws Error when either plan lists the same resource twice (plans from `planProgram` never do)
 * @example const diff = diffPlans(basePlan.resources, headPlan.resources);
 */
export function diffPlans(before: readonly PlannedResource[], after: readonly PlannedResource[]): PlanDiff {
  const old = indexByIdentity(before, "old");
  const current = indexByIdentity(after, "new");
  const added: PlannedResource[] = [];
  const changed: ChangedResource[] = [];
  let unchanged = 0;
  for (const [key, resource] of current) {
    const previous = old.get(key);
    if (!previous) {
      added.push(resource);
      continue;
    }
    const changes = diffInputs(previous.inputs, resource.inputs);
    if (changes.length > 0) changed.push({ resource, changes });
    else unchanged++;
  }
  const removed = [...old].filter(([key]) => !current.has(key)).map(([, resource]) => resource);
  return { added, changed, removed, unchanged };
}

/**
 * Whether a diff changes anything.
 *
 * @param diff the diff
 * @returns `true` when nothing is added, changed or removed
 */
export function isEmptyDiff(diff: PlanDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
}

function indexByIdentity(resources: readonly PlannedResource[], which: string): Map<string, PlannedResource> {
  const byName = new Map(resources.map((resource) => [resource.name, resource]));
  const index = new Map<string, PlannedResource>();
  for (const resource of resources) {
    const key = identity(resource, byName);
    if (index.has(key)) throw new Error(`the ${which} plan lists ${resource.type} "${resource.name}" twice`);
    index.set(key, resource);
  }
  return index;
}

function identity(resource: PlannedResource, byName: ReadonlyMap<string, PlannedResource>): string {
  // The URN carries the types of the ancestors; names are unique per plan here, so the parent name chain plus
  // the types identifies a resource exactly as the URN does.
  const parts = [`${resource.type}::${resource.name}`];
  const seen = new Set<string>([resource.name]);
  for (let parent = resource.parent; parent !== null; ) {
    const ancestor = byName.get(parent);
    parts.unshift(`${ancestor?.type ?? "?"}::${parent}`);
    if (!ancestor || seen.has(parent)) break;
    seen.add(parent);
    parent = ancestor.parent;
  }
  return parts.join("$");
}
