import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { promoterMember } from "../projects/project-grants";
import { serviceAccountEmail } from "../projects/staging-project-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { ChildNames } from "./child-names";

/** The Pulumi type token of {@link Promoter}. */
export const PROMOTER_TYPE = "k8s-staging:index:Promoter";

/** Arguments of {@link Promoter}. */
export interface PromoterArgs {
  /** The validated stack config (account, Workload Identity projects, production registries). */
  readonly config: StackConfig;
}

/**
 * The image promoter's service account, declared once: the account (adopted if it already exists), the
 * Workload Identity binding for `<namespace>/<account id>` in each prow project, and write access
 * (`roles/artifactregistry.repoAdmin`) to each production registry. Its read access to the staging
 * registries belongs to each {@link StagingProject}, so adding or removing a project touches only that project.
 *
 * @example new Promoter("promoter", { config });
 */
export class Promoter extends pulumi.ComponentResource {
  /** The account's email. */
  readonly email: string;

  /**
   * @param name the component's logical name; `promoter` (never a project id, so names cannot collide)
   * @param args the stack config
   * @param opts resource options
   */
  constructor(name: string, args: PromoterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PROMOTER_TYPE, name, {}, opts);
    const { config } = args;
    const names = new ChildNames(name);
    this.email = serviceAccountEmail(config.promoterAccountId, config.promoterProject);
    const member = promoterMember(config);

    const account = new gcp.serviceaccount.Account(
      names.name("sa"),
      {
        project: config.promoterProject,
        accountId: config.promoterAccountId,
        displayName: config.promoterAccountId,
        description: "the image promoter: copies images from the staging registries to production",
        createIgnoreAlreadyExists: true,
      },
      { parent: this, protect: true },
    );
    const serviceAccountId = `projects/${config.promoterProject}/serviceAccounts/${this.email}`;
    for (const prowProject of config.promoterWorkloadIdentityProjects) {
      const kubernetesAccount = `serviceAccount:${prowProject}.svc.id.goog[${config.prowPodNamespace}/${config.promoterAccountId}]`;
      new gcp.serviceaccount.IAMMember(
        names.name(`sa/workloadIdentityUser/${kubernetesAccount}`),
        { serviceAccountId, role: "roles/iam.workloadIdentityUser", member: kubernetesAccount },
        { parent: this, dependsOn: [account] },
      );
    }
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
