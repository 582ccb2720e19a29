import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { prowPodPrincipal } from "../projects/shared-registry-spec";
import { serviceAccountEmail } from "../projects/staging-project-spec";
import type { PromoterAccount, StackConfig } from "../stack-config/stack-config-schema";
import { ChildNames } from "./child-names";

/** The Pulumi type token of {@link Promoter}. */
export const PROMOTER_TYPE = "k8s-staging:index:Promoter";

/** Arguments of {@link Promoter}. */
export interface PromoterArgs {
  /** The validated stack config (project, pod identities, production registries). */
  readonly config: StackConfig;
  /** Which promoter account this is. */
  readonly account: PromoterAccount;
}

/**
 * One image promoter service account of `promoterProject` (`k8s-infra-gcr-promoter`, `k8s-infra-image-promotion`),
 * as k8s.io's `k8s-artifacts-prod/service-acccounts.tf` declares it: the account (adopted if it already exists)
 * and its whole `roles/iam.workloadIdentityUser` binding, held authoritatively (this program replaces that
 * Terraform), listing the prow pod identities of `promoterWorkloadIdentityUsers`. Beyond k8s.io: explicit
 * `roles/artifactregistry.repoAdmin` on each production registry of the stack config, at repository level (the
 * project-wide binding of `k8s-artifacts-prod` belongs to that project's own Terraform and is left alone). Read
 * access to the staging registries belongs to each {@link StagingProject}.
 *
 * @example new Promoter("promoter/k8s-infra-gcr-promoter", { config, account });
 */
export class Promoter extends pulumi.ComponentResource {
  /** The account's email. */
  readonly email: string;

  /**
   * @param name the component's logical name; `promoter/<account id>` (never a project id, so names cannot collide)
   * @param args the stack config and the account
   * @param opts resource options
   */
  constructor(name: string, args: PromoterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PROMOTER_TYPE, name, {}, opts);
    const { config, account: promoter } = args;
    const names = new ChildNames(name);
    this.email = serviceAccountEmail(promoter.accountId, config.promoterProject);
    const member = `serviceAccount:${this.email}`;

    const account = new gcp.serviceaccount.Account(
      names.name("sa"),
      {
        project: config.promoterProject,
        accountId: promoter.accountId,
        displayName: promoter.displayName,
        createIgnoreAlreadyExists: true,
      },
      { parent: this, protect: true },
    );
    const users = config.promoterWorkloadIdentityUsers
      .filter((user) => user.accountId === promoter.accountId)
      .map((user) => prowPodPrincipal(config, user.kubernetesServiceAccount, user.namespace));
    new gcp.serviceaccount.IAMBinding(
      names.name("sa/workloadIdentityUser"),
      {
        serviceAccountId: `projects/${config.promoterProject}/serviceAccounts/${this.email}`,
        role: "roles/iam.workloadIdentityUser",
        members: [...users].sort(),
      },
      { parent: this, dependsOn: [account] },
    );
    for (const registry of config.productionRegistries) {
      new gcp.artifactregistry.RepositoryIamMember(
        names.name(`registry/${registry.project}/${registry.location}/${registry.repositoryId}/repoAdmin/${member}`),
        {
          project: registry.project,
          location: registry.location,
          repository: registry.repositoryId,
          role: "roles/artifactregistry.repoAdmin",
          member,
        },
        { parent: this, dependsOn: [account] },
      );
    }
    this.registerOutputs({ email: this.email });
  }
}
