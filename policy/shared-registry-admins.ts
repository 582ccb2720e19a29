import type { ResourceValidationPolicy } from "@pulumi/policy";
import { iamGrantOf } from "./iam-grants";
import { SHARED_PROJECT_CONFIG_SCHEMA, sharedProjectConfig } from "./shared-project-config";
import { parentComponentOf, SHARED_REGISTRY_TYPE } from "./staging-components";

/** The roles that may delete images or change a repository's IAM. */
export const ADMIN_ROLES: readonly string[] = ["roles/artifactregistry.repoAdmin", "roles/artifactregistry.admin"];

// Principals that stand for people: a person, a group of people, everyone of a domain.
const HUMAN_MEMBER = /^(user|group|domain):/;

/**
 * In the shared staging project, no human principal (user, group, domain) holds `repoAdmin` or `admin` on a
 * repository: subprojects push (`writer`), and only automation or the project's owners delete images. A
 * dedicated project's groups keep their admin roles (the parity table); the shared project holds 40 subprojects,
 * where one group's admin role would reach into the others' images.
 *
 * @example new PolicyPack("k8s-staging", { policies: [noHumanAdminOnSharedRegistry] })
 */
export const noHumanAdminOnSharedRegistry: ResourceValidationPolicy = {
  name: "no-human-admin-on-shared-registry",
  description: "No user, group or domain holds artifactregistry.repoAdmin or artifactregistry.admin on a shared staging repository.",
  enforcementLevel: "mandatory",
  configSchema: SHARED_PROJECT_CONFIG_SCHEMA,
  validateResource: (args, reportViolation) => {
    const grant = iamGrantOf(args.type, args.props);
    if (!grant || !ADMIN_ROLES.includes(grant.role) || !/:artifactregistry\//.test(args.type)) return;
    const { sharedProject } = sharedProjectConfig(args.getConfig());
    const shared = args.props["project"] === sharedProject || parentComponentOf(args.opts.parent)?.type === SHARED_REGISTRY_TYPE;
    if (!shared) return;
    for (const member of grant.members.filter((m) => HUMAN_MEMBER.test(m))) {
      reportViolation(`${member} must not get ${grant.role} on a shared staging repository: people push (artifactregistry.writer), they do not administer`);
    }
  },
};
