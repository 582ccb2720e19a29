import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { SharedRegistrySpec } from "../projects/shared-registry-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { ChildNames } from "./child-names";
import { ProjectServices } from "./project-services";

/** The Pulumi type token of {@link SharedStagingProject}; changing it would replace the project (needs an alias). */
export const SHARED_STAGING_PROJECT_TYPE = "k8s-staging:index:SharedStagingProject";

/** Arguments of {@link SharedStagingProject}. */
export interface SharedStagingProjectArgs {
  /** The validated stack config (project id, folder, APIs, owners, the Cloud Build bucket). */
  readonly config: StackConfig;
  /** Every shared registry: their writers see the project. */
  readonly registries: readonly SharedRegistrySpec[];
}

/**
 * The shared staging project (`k8s-staging-images`), declared once from the stack config, as k8s.io's
 * `infra/gcp/terraform/k8s-staging-images` has it: the project (deletion prevented), its APIs, its project IAM
 * held authoritatively per role (Cloud Build editor: prow's builder; owner: the configured owners; viewer: every
 * registry's writers), and the Cloud Build bucket `<project>-gcb` with its lifecycle. The repositories are
 * {@link SharedRegistry} components of their own.
 *
 * @example new SharedStagingProject("k8s-staging-images", { config, registries });
 */
export class SharedStagingProject extends pulumi.ComponentResource {
  /** The project id. */
  readonly projectId: pulumi.Output<string>;
  /** The project's APIs: resources wait for the API that serves them (`services.after(parent, api)`). */
  readonly services: ProjectServices;

  /**
   * @param name the component's logical name; use the project id
   * @param args the stack config and the registries
   * @param opts resource options
   */
  constructor(name: string, args: SharedStagingProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SHARED_STAGING_PROJECT_TYPE, name, {}, opts);
    const { config, registries } = args;
    const names = new ChildNames(name);
    const child = { parent: this };
    const folderId = config.sharedProjectFolderId || config.folderId;

    const project = new gcp.organizations.Project(
      names.name("project"),
      {
        projectId: config.sharedProject,
        name: config.sharedProject,
        ...(folderId ? { folderId } : { orgId: config.organizationId }),
        billingAccount: config.billingAccount,
        // As k8s.io created it; the provider reads this flag only when it creates a project.
        autoCreateNetwork: true,
        deletionPolicy: "PREVENT",
      },
      { ...child, protect: true },
    );
    this.services = new ProjectServices(this, names, project.projectId, config.sharedProjectApis);

    // Authoritative per role, as k8s.io's iam.tf: this program owns these bindings whole.
    const viewers = [...new Set(registries.map((registry) => registry.writers))].sort();
    const bindings: [string, readonly string[]][] = [
      ["roles/cloudbuild.builds.editor", [`serviceAccount:${config.prowImageBuilder}`]],
      ["roles/owner", config.sharedProjectOwners],
      ["roles/viewer", viewers],
    ];
    for (const [role, members] of bindings.filter(([, members]) => members.length > 0)) {
      new gcp.projects.IAMBinding(
        names.name(`iam/${role.replace(/^roles\//, "")}`),
        { project: project.projectId, role, members: [...members].sort() },
        child,
      );
    }

    const bucketName = `${config.sharedProject}-gcb`;
    const bucket = new gcp.storage.Bucket(
      names.name("gcb-bucket"),
      {
        project: project.projectId,
        name: bucketName,
        location: config.sharedBuildBucketLocation,
        uniformBucketLevelAccess: true,
        versioning: { enabled: true },
        forceDestroy: false,
        deletionPolicy: "PREVENT",
        lifecycleRules: [{ action: { type: "Delete" }, condition: { age: config.sharedBuildBucketObjectAgeDays, withState: "ANY" } }],
      },
      { ...child, protect: true },
    );
    for (const member of config.sharedBuildBucketAdmins) {
      new gcp.storage.BucketIAMMember(
        names.name(`gcb-bucket/storage.admin/${member}`),
        { bucket: bucket.name, role: "roles/storage.admin", member },
        child,
      );
    }

    this.projectId = project.projectId;
    this.registerOutputs({ projectId: this.projectId });
  }
}
