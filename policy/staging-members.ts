import type { ResourceValidationPolicy } from "@pulumi/policy";
import { iamGrantOf, PUBLIC_MEMBERS } from "./iam-grants";
import { parentComponentOf, STAGING_PROJECT_TYPE } from "./staging-components";
import { STAGING_MEMBERS_CONFIG_SCHEMA, stagingMembersConfig, type StagingMembersConfig } from "./staging-members-config";

const PROJECT_PREFIX = "k8s-staging-";

/**
 * The staging project a resource belongs to: the name of its parent when the parent is a StagingProject
 * component (the program names each component after its project id).
 *
 * @param parentUrn the parent's URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`), if any
 * @returns the project id, or undefined for a resource outside any dedicated staging project
 * @example stagingProjectOf("urn:pulumi:prod::k8s-staging::k8s-staging:index:StagingProject::k8s-staging-kind")
 * // → "k8s-staging-kind"
 */
export function stagingProjectOf(parentUrn: string | undefined): string | undefined {
  const parent = parentComponentOf(parentUrn);
  return parent?.type === STAGING_PROJECT_TYPE ? parent.name : undefined;
}

/**
 * Whether `member` may appear in the IAM of staging project `projectId`: its own writers group, its own
 * service accounts, the configured admin groups, service accounts and Workload Identity pools. The public
 * principals are left to the no-public-write policy.
 *
 * @param member an IAM member, e.g. `group:k8s-infra-staging-kind@kubernetes.io`
 * @param projectId the staging project, e.g. `k8s-staging-kind`
 * @param config the allow-list
 * @returns true when allowed
 */
export function isAllowedStagingMember(member: string, projectId: string, config: StagingMembersConfig): boolean {
  if (PUBLIC_MEMBERS.includes(member)) return true;
  const [kind, ...rest] = member.split(":");
  const principal = rest.join(":");
  if (kind === "group") {
    const writers = projectId.startsWith(PROJECT_PREFIX)
      ? `k8s-infra-staging-${projectId.slice(PROJECT_PREFIX.length)}@${config.writersGroupDomain}`
      : undefined;
    return principal === writers || config.adminGroups.includes(principal);
  }
  if (kind === "serviceAccount") {
    if (principal.endsWith(`@${projectId}.iam.gserviceaccount.com`) || config.serviceAccounts.includes(principal)) return true;
    const pool = /^([a-z0-9.-]+\.svc\.id\.goog)\[[^\]/]+\/[^\]/]+\]$/.exec(principal)?.[1];
    return pool !== undefined && config.workloadIdentityPools.includes(pool);
  }
  return false;
}

/**
 * Inside a staging project, IAM grants go only to the project's own writers group and service accounts and
 * to the configured admin groups and service accounts ({@link StagingMembersConfig}): no users, no other
 * project's group, no `domain:` members.
 *
 * @example new PolicyPack("k8s-staging", { policies: [stagingMembers] })
 */
export const stagingMembers: ResourceValidationPolicy = {
  name: "staging-iam-members",
  description:
    "Staging project IAM members are the project's writers group and service accounts, the admin groups and the allowed service accounts.",
  enforcementLevel: "mandatory",
  configSchema: STAGING_MEMBERS_CONFIG_SCHEMA,
  validateResource: (args, reportViolation) => {
    const projectId = stagingProjectOf(args.opts.parent);
    const grant = projectId === undefined ? undefined : iamGrantOf(args.type, args.props);
    if (!grant || projectId === undefined) return;
    const config = stagingMembersConfig(args.getConfig());
    for (const member of grant.members) {
      if (!isAllowedStagingMember(member, projectId, config)) {
        reportViolation(
          `${member} must not get ${grant.role} in ${projectId}: only the project's writers group and service ` +
            "accounts, the admin groups and the allowed service accounts of the policy config may",
        );
      }
    }
  },
};
