import type { StackValidationPolicy } from "@pulumi/policy";
import { iamGrantOf } from "./iam-grants";

/** An IAM resource as the ownership rule reads it. */
export interface IamResource {
  /** Pulumi type token, e.g. `gcp:projects/iAMBinding:IAMBinding`. */
  readonly type: string;
  /** Logical name, for messages. */
  readonly name: string;
  /** Inputs (in a preview) or outputs (in an update). */
  readonly props: Record<string, unknown>;
}

// The IAM policy a grant resource edits: its provider module (projects, artifactregistry, serviceaccount, storage)
// and the ids that name the target.
const TARGET_KEYS = ["project", "location", "repository", "bucket", "serviceAccountId"] as const;

function policyOf(type: string, props: Record<string, unknown>): string {
  const module = type.split(":")[1]?.split("/")[0] ?? type;
  const target = TARGET_KEYS.map((key) => props[key]).filter((value) => typeof value === "string");
  return `${module}:${target.join("/")}`;
}

/**
 * Every role on every IAM policy the resources touch that is declared both ways: by an authoritative binding
 * (which removes whoever it does not list) and by additive members. Such a pair fights on every update — the
 * binding removes the member, the member adds itself back — so each role has one owner.
 *
 * @param resources the stack's IAM resources (others are ignored)
 * @returns one message per role declared both ways, naming the resources
 * @example mixedOwnership([binding, member]) // → ['roles/viewer on projects:k8s-staging-x is held by …']
 */
export function mixedOwnership(resources: readonly IamResource[]): string[] {
  const byRole = new Map<string, { bindings: string[]; members: string[] }>();
  for (const resource of resources) {
    const grant = iamGrantOf(resource.type, resource.props);
    if (!grant) continue;
    const key = `${grant.role} on ${policyOf(resource.type, resource.props)}`;
    const owners = byRole.get(key) ?? { bindings: [], members: [] };
    (resource.type.endsWith("Binding") ? owners.bindings : owners.members).push(resource.name);
    byRole.set(key, owners);
  }
  return [...byRole]
    .filter(([, owners]) => owners.bindings.length > 0 && (owners.members.length > 0 || owners.bindings.length > 1))
    .map(([key, { bindings, members }]) =>
      members.length > 0
        ? `${key} is held by the authoritative ${bindings.join(", ")} and also by the additive ${members.join(", ")}`
        : `${key} is held by several authoritative bindings: ${bindings.join(", ")}`,
    );
}

/**
 * No IAM role is declared both authoritatively and additively on the same resource, nor by two bindings.
 *
 * @example new PolicyPack("k8s-staging", { policies: [oneOwnerPerGrant] })
 */
export const oneOwnerPerGrant: StackValidationPolicy = {
  name: "one-owner-per-grant",
  description: "No IAM role is declared both by an authoritative binding and by additive members (or by two bindings) on the same resource.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const message of mixedOwnership(args.resources)) reportViolation(message);
  },
};
