/**
 * The program's component types, as the policies recognise them from a resource's parent URN. The tokens are
 * the program's public contract (lib/provision/*.ts); the pack has its own copies so it imports nothing outside
 * policy/.
 */

/** A dedicated staging project `k8s-staging-<name>` (lib/provision/staging-project.ts). */
export const STAGING_PROJECT_TYPE = "k8s-staging:index:StagingProject";

/** A repository of the shared staging project (lib/provision/shared-registry.ts). */
export const SHARED_REGISTRY_TYPE = "k8s-staging:index:SharedRegistry";

/** The component a resource belongs to: its parent's type token and logical name. */
export interface ParentComponent {
  /** e.g. `k8s-staging:index:SharedRegistry`. */
  readonly type: string;
  /** e.g. `k8s-staging-images/kueue`. */
  readonly name: string;
}

/**
 * The component a resource's parent URN names.
 *
 * @param parentUrn the parent's URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`), if any
 * @returns the parent's own type (the last of the chain) and name, or undefined without a parent
 * @example parentComponentOf("urn:pulumi:prod::k8s-staging::k8s-staging:index:SharedRegistry::k8s-staging-images/kueue")
 * // → { type: "k8s-staging:index:SharedRegistry", name: "k8s-staging-images/kueue" }
 */
export function parentComponentOf(parentUrn: string | undefined): ParentComponent | undefined {
  const parts = parentUrn?.split("::") ?? [];
  if (parts.length < 4) return undefined;
  return { type: parts[2]!.split("$").pop()!, name: parts.slice(3).join("::") };
}
