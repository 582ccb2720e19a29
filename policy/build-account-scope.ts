import type { ResourceValidationPolicy } from "@pulumi/policy";
import { iamGrantOf } from "./iam-grants";
import { SHARED_PROJECT_CONFIG_SCHEMA, sharedProjectConfig } from "./shared-project-config";

/** How many characters of a registry name its build account keeps (k8s.io: `substr(name, 0, 27)`). */
const BUILD_ACCOUNT_NAME_CHARS = 27;

/** The roles a build account may hold on its own repository. */
const OWN_REPOSITORY_ROLES: readonly string[] = ["roles/artifactregistry.writer", "roles/artifactregistry.reader"];

/**
 * The build account a member names, if it is one: `serviceAccount:<name>[0:27]-sa@<shared project>.iam.gserviceaccount.com`.
 *
 * @param member an IAM member
 * @param sharedProject the shared staging project
 * @returns the account id and email, or undefined for any other member
 * @example buildAccountOf("serviceAccount:kueue-sa@k8s-staging-images.iam.gserviceaccount.com", "k8s-staging-images")
 * // → { accountId: "kueue-sa", email: "kueue-sa@k8s-staging-images.iam.gserviceaccount.com" }
 */
export function buildAccountOf(member: string, sharedProject: string): { accountId: string; email: string } | undefined {
  const match = new RegExp(`^serviceAccount:(([a-z][a-z0-9-]*-sa)@${sharedProject.replace(/[.]/g, "\\.")}\\.iam\\.gserviceaccount\\.com)$`).exec(member);
  return match ? { accountId: match[2]!, email: match[1]! } : undefined;
}

/**
 * A shared registry's build account writes only its own repository: the only grants it may appear in are
 * `writer` (or `reader`) on the repository whose name it was made from, and roles on itself (it signs as itself).
 * Any project-level, bucket or other repository grant, or a role on another account, would let one subproject's
 * builds write where another's images live.
 *
 * @example new PolicyPack("k8s-staging", { policies: [buildAccountScope] })
 */
export const buildAccountScope: ResourceValidationPolicy = {
  name: "build-account-writes-only-its-own-repository",
  description: "A shared registry's build account is granted only on its own repository (writer/reader) and on itself.",
  enforcementLevel: "mandatory",
  configSchema: SHARED_PROJECT_CONFIG_SCHEMA,
  validateResource: (args, reportViolation) => {
    const grant = iamGrantOf(args.type, args.props);
    if (!grant) return;
    const { sharedProject } = sharedProjectConfig(args.getConfig());
    for (const member of grant.members) {
      const account = buildAccountOf(member, sharedProject);
      if (!account) continue;
      const problem = scopeProblem(args.type, args.props, grant.role, account, sharedProject);
      if (problem) reportViolation(`${member} must not get ${grant.role} ${problem}: a build account writes only its own repository`);
    }
  },
};

function scopeProblem(
  type: string,
  props: Record<string, unknown>,
  role: string,
  account: { accountId: string; email: string },
  sharedProject: string,
): string | undefined {
  if (/:artifactregistry\/repositoryIam/.test(type)) {
    const repository = String(props["repository"] ?? "");
    const own = props["project"] === sharedProject && `${repository.slice(0, BUILD_ACCOUNT_NAME_CHARS)}-sa` === account.accountId;
    if (!own) return `on repository ${props["project"]}/${repository}`;
    return OWN_REPOSITORY_ROLES.includes(role) ? undefined : "on its own repository";
  }
  if (/^gcp:serviceaccount\//.test(type)) {
    const target = String(props["serviceAccountId"] ?? "");
    return target.endsWith(`/serviceAccounts/${account.email}`) ? undefined : `on service account ${target}`;
  }
  return `on ${type.split(":").pop()} ${String(props["project"] ?? props["bucket"] ?? "")}`.trimEnd();
}
