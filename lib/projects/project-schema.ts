import { z } from "zod";
import {
  ApiNameSchema,
  EmailSchema,
  GcpProjectIdSchema,
  IamMemberSchema,
  IamRoleSchema,
  RegistryLocationSchema,
  RepositoryIdSchema,
} from "./gcp-identifiers";

/** Extra IAM grants: role → the members that get it. */
export const GrantMapSchema = z.record(IamRoleSchema, z.array(IamMemberSchema).min(1, "list at least one member"));

/** An extra Artifact Registry repository of a project, e.g. `images` in `us-central1`. */
export const ExtraRegistrySchema = z.strictObject({
  /** Region or multi-region. */
  location: RegistryLocationSchema,
  /** Repository id. */
  repositoryId: RepositoryIdSchema,
});

/** The optional `gcb-builder-<name>` service account, used by a prow job through Workload Identity. */
export const GcbBuilderSchema = z.strictObject({
  /** The prow project whose pods impersonate the account, e.g. `k8s-infra-prow-build-trusted`. */
  prowProject: GcpProjectIdSchema,
  /** Extra project roles of the account. */
  projectRoles: z.array(IamRoleSchema).optional(),
  /** Roles the account holds on itself (e.g. roles/iam.serviceAccountUser to start VMs as itself). */
  selfRoles: z.array(IamRoleSchema).optional(),
});

/**
 * The content of `projects/<name>.yaml`. Everything is optional: a plain project's file is empty (or holds
 * only a comment) and gets what the parity table gives every project.
 */
export const ProjectFileSchema = z.strictObject({
  /** APIs to enable on top of the stack's list. */
  apis: z.array(ApiNameSchema).optional(),
  /** Extra project-level grants. */
  projectIam: GrantMapSchema.optional(),
  /** Extra grants on every registry of the project. */
  registryIam: GrantMapSchema.optional(),
  /** Registries besides the main `gcr.io` one; they get the same grants. */
  registries: z.array(ExtraRegistrySchema).optional(),
  /** The optional per-project prow builder account. */
  gcbBuilder: GcbBuilderSchema.optional(),
  /** Overrides the stack's object age (days) at which bucket objects are deleted. */
  bucketObjectAgeDays: z.number().int("expected a whole number of days").positive("expected a positive number of days").optional(),
  /** Members of the writers group, used only when the stack manages the groups. */
  groupMembers: z.array(EmailSchema).optional(),
});

/** A validated project file. */
export type ProjectFile = z.infer<typeof ProjectFileSchema>;
