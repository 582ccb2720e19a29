import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedProject } from "../projects/load-projects";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { ChildNames } from "./child-names";
import { declareBinding, declareGrant, type GrantTargets } from "./declare-grant";
import { ProjectServices } from "./project-services";
import { declareStagingRepository } from "./staging-repository";
import { declareWritersGroup } from "./writers-group";

/** The Pulumi type token of {@link StagingProject}; changing it would replace every project (needs an alias). */
export const STAGING_PROJECT_TYPE = "k8s-staging:index:StagingProject";

/** Arguments of {@link StagingProject}. */
export interface StagingProjectArgs {
  /** The validated project and its grants. */
  readonly project: LoadedProject;
  /** The validated stack config. */
  readonly config: StackConfig;
}

/**
 * One dedicated staging project `k8s-staging-<name>` with everything of the parity table: the GCP project
 * (deletion prevented), its APIs, registries (cleanup policy, scanning off, protected; the GCR-compatible ones
 * only ever imported), the two buckets, the `gcb-image-builder` account, the optional `gcb-builder-<name>`
 * account and writers group, and every grant: one non-authoritative resource each, except the project roles the
 * file holds authoritatively, declared as one binding each. Children are named `<project id>/<stable key>`.
 *
 * @example new StagingProject(loaded.spec.projectId, { project: loaded, config });
 */
export class StagingProject extends pulumi.ComponentResource {
  /** The GCP project id. */
  readonly projectId: pulumi.Output<string>;
  /** Where images are pushed, e.g. `gcr.io/k8s-staging-kind`. */
  readonly registry: string;
  /** The bucket names, for people and for Cloud Build. */
  readonly buckets: { readonly main: pulumi.Output<string>; readonly gcb: pulumi.Output<string> };
  /** The writers group's email. */
  readonly group: string;

  /**
   * @param name the component's logical name; use the project id
   * @param args the project and the stack config
   * @param opts resource options
   * @throws Error when two children would get the same name (a bug: the loader rejects repeated grants)
   */
  constructor(name: string, args: StagingProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super(STAGING_PROJECT_TYPE, name, {}, opts);
    const { spec, grants, bindings } = args.project;
    const { config } = args;
    const names = new ChildNames(name);
    const child = { parent: this };

    const project = new gcp.organizations.Project(
      names.name("project"),
      {
        projectId: spec.projectId,
        name: spec.projectId,
        ...spec.parent,
        billingAccount: config.billingAccount,
        autoCreateNetwork: false,
        deletionPolicy: "PREVENT",
      },
      { ...child, protect: true },
    );
    const services = new ProjectServices(this, names, project.projectId, spec.apis);
    const after = (api: string) => services.after(this, api);

    const repositories = new Map(
      spec.registries.map((registry) => [
        registry.key,
        declareStagingRepository(
          names.name(registry.key),
          {
            project: project.projectId,
            location: registry.location,
            repositoryId: registry.repositoryId,
            cleanup: spec.cleanup,
            cleanupOlderThanDays: config.cleanupOlderThanDays,
            description: `Staging images of ${spec.projectId}, pushed to ${registry.address}`,
          },
          // Google's GCR migration created the gcr.io repositories: `pulumi up` may adopt one, never create it.
          { ...after("artifactregistry.googleapis.com"), ...(registry.adoptFrom ? { import: registry.adoptFrom } : {}) },
        ),
      ]),
    );

    const bucket = (key: string, bucketName: string, logged: boolean) =>
      new gcp.storage.Bucket(
        names.name(key),
        {
          project: project.projectId,
          name: bucketName,
          location: config.bucketLocation,
          uniformBucketLevelAccess: true,
          forceDestroy: false,
          deletionPolicy: "PREVENT",
          lifecycleRules: [{ action: { type: "Delete" }, condition: { age: spec.bucketObjectAgeDays } }],
          ...(logged ? { logging: { logBucket: config.accessLogBucket, logObjectPrefix: bucketName } } : {}),
        },
        { ...after("storage-api.googleapis.com"), protect: true },
      );
    const mainBucket = bucket("bucket", spec.buckets.main, true);
    const gcbBucket = bucket("gcb-bucket", spec.buckets.gcb, false);

    const imageBuilder = new gcp.serviceaccount.Account(
      names.name("sa/gcb-image-builder"),
      {
        project: project.projectId,
        accountId: "gcb-image-builder",
        displayName: "gcb-image-builder",
        description: `used by prow to build container images and sign artifacts for ${spec.projectId}`,
      },
      after("iam.googleapis.com"),
    );
    const gcbBuilder =
      spec.gcbBuilder &&
      new gcp.serviceaccount.Account(
        names.name("sa/gcb-builder"),
        {
          project: project.projectId,
          accountId: spec.gcbBuilder.accountId,
          displayName: spec.gcbBuilder.accountId,
          description: `used by prow job ${spec.gcbBuilder.accountId} to run Cloud Build in ${spec.projectId}`,
        },
        after("iam.googleapis.com"),
      );

    const targets: GrantTargets = {
      projectId: project.projectId,
      repositories,
      buckets: { main: mainBucket, gcb: gcbBucket },
      serviceAccounts: {
        imageBuilder: { account: imageBuilder, email: spec.imageBuilderEmail },
        ...(gcbBuilder && spec.gcbBuilder ? { gcbBuilder: { account: gcbBuilder, email: spec.gcbBuilder.email } } : {}),
      },
    };
    for (const grant of grants) declareGrant(this, names, grant, targets);
    for (const binding of bindings) declareBinding(this, names, binding, targets);
    if (config.manageWritersGroups) declareWritersGroup(this, names, spec, config.cloudIdentityCustomerId);

    this.projectId = project.projectId;
    this.registry = spec.registries[0]!.address;
    this.buckets = { main: mainBucket.name, gcb: gcbBucket.name };
    this.group = spec.writersGroup;
    this.registerOutputs({ projectId: this.projectId, registry: this.registry, buckets: this.buckets, group: this.group });
  }
}
