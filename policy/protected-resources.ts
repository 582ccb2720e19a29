import type { ResourceValidationPolicy } from "@pulumi/policy";
import { BUCKET_TYPE } from "./bucket-hygiene";

/** The Pulumi type token of a GCP project. */
export const PROJECT_TYPE = "gcp:organizations/project:Project";

/**
 * Projects and buckets cannot be deleted by a deployment: the `protect` resource option (Pulumi refuses to
 * delete or replace), and on the provider side a project's `deletionPolicy` of `PREVENT` and a bucket that
 * is never force-destroyed (a delete would fail while it holds objects). Both layers, because `protect` lives
 * in the state and `pulumi state unprotect` lifts it without a code review.
 *
 * @example new PolicyPack("k8s-staging", { policies: [protectedResources] })
 */
export const protectedResources: ResourceValidationPolicy = {
  name: "projects-and-buckets-protected",
  description: "Projects and buckets set the protect option; projects deletionPolicy PREVENT; buckets no forceDestroy.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== PROJECT_TYPE && args.type !== BUCKET_TYPE) return;
    const what = args.type === PROJECT_TYPE ? "project" : "bucket";
    if (args.opts.protect !== true) reportViolation(`the ${what} must set the resource option protect: true`);
    if (args.type === PROJECT_TYPE && args.props["deletionPolicy"] !== "PREVENT") {
      reportViolation('the project must set deletionPolicy: "PREVENT"');
    }
    if (args.type === BUCKET_TYPE && args.props["forceDestroy"] === true) {
      reportViolation("the bucket must not set forceDestroy: true");
    }
  },
};
