/**
 * What an IAM resource grants, read from its inputs. Shared by the policies that look at grants.
 * Resources are recognised by their Pulumi type token, not by class, so the pack needs no `@pulumi/gcp`.
 */

/** The grant an IAM member or binding resource declares. */
export interface IamGrant {
  /** The role, e.g. `roles/storage.objectViewer`. */
  readonly role: string;
  /** Every member it is granted to (one for a `*IamMember`, the list for a `*IamBinding`). */
  readonly members: readonly string[];
}

// The last segment of every GCP IAM member/binding type: IAMMember, RepositoryIamMember, BucketIAMBinding, …
const IAM_GRANT_TYPE = /:[A-Za-z]*I(?:am|AM)(Member|Binding)$/;

/** The principals that stand for everyone (on the internet, or with any Google account). */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

// A role is read-only when its last dotted segment is `viewer` or `reader`, or a camel-case name ending in
// `Viewer` or `Reader` (objectViewer, legacyBucketReader, occurrences.viewer). Everything else — custom roles
// included, since their permissions cannot be seen here — counts as a write role.
const READ_ONLY_ROLE = /^roles\/(?:[a-z][a-zA-Z0-9]*\.)*(?:viewer|reader|[a-z][a-zA-Z0-9]*(?:Viewer|Reader))$/;

/**
 * Whether a role only reads.
 *
 * @param role a role name
 * @returns true for predefined roles named `viewer`, `reader`, `…Viewer` or `…Reader`; false for any other role
 * @example isReadOnlyRole("roles/storage.objectViewer") // true
 * @example isReadOnlyRole("roles/artifactregistry.writer") // false
 */
export function isReadOnlyRole(role: string): boolean {
  return READ_ONLY_ROLE.test(role);
}

/**
 * The grant of an IAM member or binding resource.
 *
 * @param type the resource's Pulumi type token
 * @param props the resource's inputs
 * @returns the role and members, or undefined when the resource is no IAM member/binding or has no role
 * @example iamGrantOf("gcp:projects/iAMMember:IAMMember", { role: "roles/viewer", member: "allUsers" })
 * // → { role: "roles/viewer", members: ["allUsers"] }
 */
export function iamGrantOf(type: string, props: Record<string, unknown>): IamGrant | undefined {
  const kind = IAM_GRANT_TYPE.exec(type)?.[1];
  const role = props["role"];
  if (kind === undefined || typeof role !== "string") return undefined;
  const raw = kind === "Member" ? [props["member"]] : props["members"];
  const members = Array.isArray(raw) ? raw.filter((member): member is string => typeof member === "string") : [];
  return { role, members };
}
