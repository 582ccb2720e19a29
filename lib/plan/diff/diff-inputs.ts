import { formatPath } from "../../diagnostics/problem";

/** One input that differs between two plans of the same resource. */
export interface InputChange {
  /** Where, e.g. `lifecycleRules[0].condition.age` (`formatPath` syntax). */
  readonly path: string;
  /** The value in the old plan; `undefined` when the input was absent. */
  readonly before: unknown;
  /** The value in the new plan; `undefined` when the input is absent. */
  readonly after: unknown;
}

/**
 * The inputs that differ between two versions of one resource, down to the leaves: objects are compared key
 * by key and arrays element by element, so a reviewer sees `condition.age: 60 → 30` rather than two whole
 * lifecycle rule lists. A value whose kind changes (object ↔ array ↔ scalar) is reported whole.
 *
 * @param before the old inputs
 * @param after the new inputs
 * @returns the changes, sorted by path; empty when the inputs are equal
 * @example diffInputs({ role: "roles/viewer" }, { role: "roles/editor" })
 * // → [{ path: "role", before: "roles/viewer", after: "roles/editor" }]
 */
export function diffInputs(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const changes: InputChange[] = [];
  collect([], before, after, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function collect(path: PropertyKey[], before: unknown, after: unknown, changes: InputChange[]): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      collect([...path, index], before[index], after[index], changes);
    }
  } else if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) collect([...path, key], before[key], after[key], changes);
  } else if (!sameScalar(before, after)) {
    changes.push({ path: formatPath(path), before, after });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameScalar(before: unknown, after: unknown): boolean {
  // Objects and arrays only reach here when the other side is of another kind: then they differ.
  if (typeof before === "object" && before !== null) return false;
  if (typeof after === "object" && after !== null) return false;
  return Object.is(before, after);
}
