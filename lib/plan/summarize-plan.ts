import type { PlannedResource } from "./plan-program";

const KIND_BY_TYPE: Readonly<Record<string, string>> = {
  "gcp:organizations/project:Project": "project",
  "gcp:projects/service:Service": "APIs",
  "gcp:artifactregistry/repository:Repository": "registries",
  "gcp:storage/bucket:Bucket": "buckets",
  "gcp:serviceaccount/account:Account": "service accounts",
  "gcp:cloudidentity/group:Group": "group",
  "gcp:cloudidentity/groupMembership:GroupMembership": "group members",
};

/**
 * The human summary of a plan: one line per component (its children by kind), then the totals by type.
 *
 * @param resources the planned resources
 * @returns the text, ending in a newline
 * @example summarizePlan(plan.resources)
 * // k8s-staging-kind: 44 resources (1 project, 13 APIs, 1 registries, 2 buckets, 1 service accounts, 26 grants)
 * // …
 * // 3610 resources: 1070 gcp:projects/service:Service, …
 */
export function summarizePlan(resources: readonly PlannedResource[]): string {
  const childrenByParent = new Map<string, PlannedResource[]>();
  for (const resource of resources) {
    if (resource.parent === null) continue;
    const children = childrenByParent.get(resource.parent) ?? [];
    children.push(resource);
    childrenByParent.set(resource.parent, children);
  }
  const lines: string[] = [];
  for (const component of resources.filter((resource) => resource.parent === null)) {
    const children = childrenByParent.get(component.name) ?? [];
    const counts = countBy(children, (child) => KIND_BY_TYPE[child.type] ?? (/iam/i.test(child.type) ? "grants" : child.type));
    const detail = [...counts].map(([kind, count]) => `${count} ${kind}`).join(", ");
    lines.push(`${component.name}: ${children.length} resources${detail ? ` (${detail})` : ""}`);
  }
  const totals = [...countBy(resources, (resource) => resource.type)].sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push("", `${resources.length} resources:`, ...totals.map(([type, count]) => `  ${String(count).padStart(6)} ${type}`));
  return `${lines.join("\n")}\n`;
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}
