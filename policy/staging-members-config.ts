import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * Who besides a project's own writers group and own service accounts may appear in a staging project's IAM.
 * This allow-list lives in the policy pack, not in the stack config or `projects/`, on purpose: project files
 * are self-service, so a pull request that grants anything to a new principal must also change this file,
 * which admins own. Override it per run with `pulumi preview --policy-pack-config FILE`.
 */
export interface StagingMembersConfig {
  /** Domain of the writers groups: project `k8s-staging-<name>` may grant `group:k8s-infra-staging-<name>@<domain>`. */
  readonly writersGroupDomain: string;
  /** Admin group emails allowed in every staging project. */
  readonly adminGroups: readonly string[];
  /** Service account emails (outside the project) allowed in every staging project. */
  readonly serviceAccounts: readonly string[];
  /** Workload Identity pools (`<project>.svc.id.goog`) whose Kubernetes service accounts are allowed. */
  readonly workloadIdentityPools: readonly string[];
}

/** The production allow-list: what the shipped `projects/` and `Pulumi.prod.yaml` grant, and nothing more. */
export const PROD_STAGING_MEMBERS: StagingMembersConfig = {
  writersGroupDomain: "kubernetes.io",
  adminGroups: [
    // artifactAdminsGroup of the stack config.
    "k8s-infra-artifact-admins@kubernetes.io",
    // The release projects' groups (projects/<release project>.yaml).
    "k8s-infra-release-admins@kubernetes.io",
    "k8s-infra-release-editors@kubernetes.io",
    "k8s-infra-release-viewers@kubernetes.io",
  ],
  serviceAccounts: [
    // Stack config: vulnerabilityScanner, prowImageBuilder, the promoter.
    "k8s-infra-gcr-vuln-scanning@k8s-artifacts-prod.iam.gserviceaccount.com",
    "gcb-builder@k8s-infra-prow-build-trusted.iam.gserviceaccount.com",
    "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
    // projects/ci-images.yaml: prow pushes the CI images.
    "prow-build@k8s-infra-prow-build.iam.gserviceaccount.com",
    // Cloud Build accounts of k8s-staging-kubernetes, -kustomize and -krm-functions (projects/<name>.yaml); the
    // release Cloud Build accounts that k8s.io's kubernetes.tf lets build in and push to k8s-staging-kubernetes.
    "648026197307@cloudbuild.gserviceaccount.com",
    "615281671549@cloudbuild.gserviceaccount.com",
    "304687256732@cloudbuild.gserviceaccount.com",
    "660796270509@cloudbuild.gserviceaccount.com",
    "415435679132@cloudbuild.gserviceaccount.com",
  ],
  workloadIdentityPools: ["k8s-infra-prow-build-trusted.svc.id.goog", "k8s-infra-prow-build.svc.id.goog"],
};

const stringList = { type: "array", items: { type: "string" } } as const;

/** The JSON schema of {@link StagingMembersConfig}, for `--policy-pack-config` validation. */
export const STAGING_MEMBERS_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    writersGroupDomain: { type: "string", default: PROD_STAGING_MEMBERS.writersGroupDomain },
    adminGroups: { ...stringList, default: [...PROD_STAGING_MEMBERS.adminGroups] },
    serviceAccounts: { ...stringList, default: [...PROD_STAGING_MEMBERS.serviceAccounts] },
    workloadIdentityPools: { ...stringList, default: [...PROD_STAGING_MEMBERS.workloadIdentityPools] },
  },
};

/**
 * The effective allow-list: the policy config's keys over the production defaults (the engine does not
 * always fill in schema defaults, e.g. when no config file is given).
 *
 * @param configured what `args.getConfig()` returned
 * @returns the complete config
 * @throws Error when a configured key has the wrong type (a list key that is not a list of strings)
 */
export function stagingMembersConfig(configured: Partial<Record<keyof StagingMembersConfig, unknown>>): StagingMembersConfig {
  const config = { ...PROD_STAGING_MEMBERS, ...configured };
  if (typeof config.writersGroupDomain !== "string") throw new Error("policy config writersGroupDomain: expected a string");
  for (const key of ["adminGroups", "serviceAccounts", "workloadIdentityPools"] as const) {
    const value: unknown = config[key];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw new Error(`policy config ${key}: expected a list of strings`);
    }
  }
  return config as StagingMembersConfig;
}
