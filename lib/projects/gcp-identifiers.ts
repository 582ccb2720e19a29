import { z } from "zod";

/** A GCP project id: 6–30 characters, lowercase letters, digits and hyphens, starting with a letter. */
export const GcpProjectIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "expected a GCP project id (6-30 lowercase letters, digits, hyphens)");

/** A service name such as `compute.googleapis.com`. */
export const ApiNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.googleapis\.com$/, "expected an API service name such as compute.googleapis.com");

/** A predefined IAM role (`roles/viewer`) or a custom one (`projects/p/roles/r`, `organizations/1/roles/r`). */
export const IamRoleSchema = z
  .string()
  .regex(
    /^(roles|(projects|organizations)\/[a-z0-9-]+\/roles)\/[A-Za-z0-9_.]+$/,
    "expected an IAM role such as roles/viewer",
  );

const MEMBER_KINDS = ["user", "group", "serviceAccount", "domain"] as const;
const emailSchema = z.email();
// Workload Identity Federation principals, e.g. a prow pod's Kubernetes service account
// (principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/subject/ns/NS/sa/KSA) or
// every pod of a namespace (principalSet://…/namespace/NS).
const FEDERATED_PRINCIPAL = /^principal(Set)?:\/\/[a-z0-9.-]+\.googleapis\.com\/[A-Za-z0-9._~:@\/[\]-]+$/;

/**
 * Whether `member` is an IAM principal this program grants to: `allUsers`, `allAuthenticatedUsers`,
 * `domain:<domain>`, `user:|group:|serviceAccount:<email>`, or a federated `principal://…` / `principalSet://…`.
 *
 * @param member the principal as IAM writes it
 * @returns the reason it is not valid, or `undefined` when it is
 */
export function iamMemberProblem(member: string): string | undefined {
  if (member === "allUsers" || member === "allAuthenticatedUsers") return undefined;
  if (member.startsWith("principal")) {
    return FEDERATED_PRINCIPAL.test(member) ? undefined : `bad federated principal "${member}"`;
  }
  const colon = member.indexOf(":");
  const kind = member.slice(0, colon);
  if (colon < 0 || !(MEMBER_KINDS as readonly string[]).includes(kind)) {
    return `expected an IAM member such as group:NAME@DOMAIN (kinds: ${MEMBER_KINDS.join(", ")}, principal://, principalSet://, allUsers)`;
  }
  const rest = member.slice(colon + 1);
  if (kind === "domain") return /^[a-z0-9.-]+\.[a-z]{2,}$/.test(rest) ? undefined : `bad domain "${rest}"`;
  return emailSchema.safeParse(rest).success ? undefined : `bad email "${rest}"`;
}

/** An IAM principal, checked by {@link iamMemberProblem}. */
export const IamMemberSchema = z.string().superRefine((member, context) => {
  const problem = iamMemberProblem(member);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** An email address (group members, service accounts). */
export const EmailSchema = z.email("bad email address");

/** An Artifact Registry location such as `us`, `europe` or `us-central1`. */
export const RegistryLocationSchema = z
  .string()
  .regex(/^[a-z]+(-[a-z]+[0-9]+)?$/, "expected a registry location such as us or us-central1");

/** An Artifact Registry repository id such as `gcr.io` or `images`. */
export const RepositoryIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "expected a repository id such as gcr.io or images");

/** A service account id (the part of its email before `@`): 6–30 lowercase letters, digits and hyphens. */
export const ServiceAccountIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "expected a service account id (6-30 lowercase letters, digits, hyphens)");

/** A numeric folder id, or `""` for none. */
export const FolderIdSchema = z.string().regex(/^([0-9]+)?$/, 'expected a numeric folder id or ""');
