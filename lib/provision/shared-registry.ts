import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { SharedRegistrySpec } from "../projects/shared-registry-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { ChildNames } from "./child-names";
import type { SharedStagingProject } from "./shared-staging-project";
import { declareStagingRepository } from "./staging-repository";

/** The Pulumi type token of {@link SharedRegistry}; changing it would replace every registry (needs an alias). */
export const SHARED_REGISTRY_TYPE = "k8s-staging:index:SharedRegistry";

/** Arguments of {@link SharedRegistry}. */
export interface SharedRegistryArgs {
  /** The validated registry. */
  readonly registry: SharedRegistrySpec;
  /** The validated stack config. */
  readonly config: StackConfig;
  /** The shared project the repository lives in. */
  readonly project: SharedStagingProject;
}

/**
 * One subproject's repository in the shared staging project, with everything k8s.io's `registries.tf` gives it:
 * the repository `<name>` (labels `environment=production`, `name=<name>`, the cleanup policy; beyond k8s.io:
 * protected from deletion and vulnerability scanning disabled explicitly), `allUsers` as reader, the writers as
 * `roles/artifactregistry.writer`, and the registry's own build account `<name>[0:27]-sa`, which may write this
 * repository only. Who may act as the account is one authoritative `roles/iam.serviceAccountUser` binding: prow's
 * builder (k8s.io's migration shim) and the prow pod identity `<namespace>/<name>`. Beyond k8s.io the account
 * may mint tokens for itself (`roles/iam.serviceAccountTokenCreator`), so builds can sign keylessly (k8s.io#9951).
 * Children are named `<component name>/<stable key>`.
 *
 * @example new SharedRegistry("k8s-staging-images/kueue", { registry, config, project: shared });
 */
export class SharedRegistry extends pulumi.ComponentResource {
  /** Where images are pushed. */
  readonly address: string;
  /** The build account's email. */
  readonly buildAccount: string;

  /**
   * @param name the component's logical name; use `<shared project>/<registry name>`
   * @param args the registry, the stack config and the shared project
   * @param opts resource options
   */
  constructor(name: string, args: SharedRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SHARED_REGISTRY_TYPE, name, {}, opts);
    const { registry, config, project } = args;
    const names = new ChildNames(name);
    const child = { parent: this };
    const { buildAccount } = registry;
    const builder = `serviceAccount:${buildAccount.email}`;

    const repository = declareStagingRepository(
      names.name("repository"),
      {
        project: project.projectId,
        location: registry.location,
        repositoryId: registry.name,
        cleanup: registry.cleanup,
        cleanupOlderThanDays: config.cleanupOlderThanDays,
        labels: { environment: "production", name: registry.name },
      },
      project.services.after(this, "artifactregistry.googleapis.com"),
    );
    const account = new gcp.serviceaccount.Account(
      names.name("sa"),
      { project: project.projectId, accountId: buildAccount.accountId, displayName: buildAccount.displayName },
      child,
    );

    const repositoryGrant = (role: string, member: string, dependsOn: pulumi.Resource[] = []) =>
      new gcp.artifactregistry.RepositoryIamMember(
        names.name(`repository/${role.replace(/^roles\//, "")}/${member}`),
        { project: project.projectId, location: registry.location, repository: repository.repositoryId, role, member },
        { ...child, dependsOn },
      );
    repositoryGrant("roles/artifactregistry.reader", "allUsers");
    repositoryGrant("roles/artifactregistry.writer", registry.writers);
    repositoryGrant("roles/artifactregistry.writer", builder, [account]);

    const serviceAccountId = pulumi.interpolate`projects/${project.projectId}/serviceAccounts/${buildAccount.email}`;
    new gcp.serviceaccount.IAMBinding(
      names.name("sa/serviceAccountUser"),
      {
        serviceAccountId,
        role: "roles/iam.serviceAccountUser",
        members: [`serviceAccount:${config.prowImageBuilder}`, buildAccount.podPrincipal].sort(),
      },
      { ...child, dependsOn: [account] },
    );
    new gcp.serviceaccount.IAMMember(
      names.name(`sa/serviceAccountTokenCreator/${builder}`),
      { serviceAccountId, role: "roles/iam.serviceAccountTokenCreator", member: builder },
      { ...child, dependsOn: [account] },
    );

    this.address = registry.address;
    this.buildAccount = buildAccount.email;
    this.registerOutputs({ address: this.address, buildAccount: this.buildAccount });
  }
}
