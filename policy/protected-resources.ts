import type { ResourceValidationPolicy } from "@pulumi/policy";
import { BUCKET_TYPE } from "./bucket-hygiene";
import { REPOSITORY_TYPE } from "./repository-cleanup";

/** The Pulumi type token of a GCP project. */
export const PROJECT_TYPE = "gcp:organizations/project:Project";

const WHAT_BY_TYPE: Readonly<Record<string, string>> = {
  [PROJECT_TYPE]: "project",
  [BUCKET_TYPE]: "bucket",
  [REPOSITORY_TYPE]: "repository",
};

/**
 * Projects, buckets and image repositories cannot be deleted by a deployment: the `protect` resource option
 * (Pulumi refuses to delete or replace), and on the provider side a project's `deletionPolicy` of `PREVENT` and a
 * bucket that is never force-destroyed (a delete would fail while it holds objects). Both layers where the
 * provider has one, because `protect` lives in the state and `pulumi state unprotect` lifts it without a code
 * review. A repository holds the only copy of images not yet promoted; moving a subproject never deletes one.
 *
 * @example new PolicyPack("k8s-staging", { policies: [protectedResources] })
 */
export const protectedResources: ResourceValidationPolicy = {
  name: "staging-resources-protected",
  description: "Projects, buckets and repositories set the protect option; projects deletionPolicy PREVENT; buckets no forceDestroy.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const what = WHAT_BY_TYPE[args.type];
    if (what === undefined) return;
    if (args.opts.protect !== true) reportViolation(`the ${what} must set the resource option protect: true`);
    if (args.type === PROJECT_TYPE && args.props["deletionPolicy"] !== "PREVENT") {
      reportViolation('the project must set deletionPolicy: "PREVENT"');
    }
    if (args.type === BUCKET_TYPE && args.props["forceDestroy"] === true) {
      reportViolation("the bucket must not set forceDestroy: true");
    }
  },
};
