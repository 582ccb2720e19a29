import { z } from "zod";
import {
  ApiNameSchema,
  EmailSchema,
  FolderIdSchema,
  GcpProjectIdSchema,
  IamMemberSchema,
  IamRoleSchema,
  RegistryLocationSchema,
  RepositoryIdSchema,
} from "./gcp-identifiers";

/** Extra IAM grants: role → the members that get it. */
export const GrantMapSchema = z.record(IamRoleSchema, z.array(IamMemberSchema).min(1, "list at least one member"));

/**
 * What a staging repository's cleanup policy does with images older than the stack's `cleanupOlderThanDays`:
 * `delete` them (the default), only log what it would delete (`dry-run`, for registries CI pulls from), or
 * declare no policy at all (`none`, an explicit opt-out, k8s.io#8009).
 */
export const CleanupSchema = z.enum(["delete", "dry-run", "none"]);

/** A cleanup mode, see {@link CleanupSchema}. */
export type Cleanup = z.infer<typeof CleanupSchema>;

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
 * A subproject's legacy project `k8s-staging-<name>` (the parity table). Everything is optional: `{}` gets
 * exactly what every dedicated project gets.
 */
export const DedicatedProjectSchema = z.strictObject({
  /** APIs to enable on top of the stack's list. */
  apis: z.array(ApiNameSchema).optional(),
  /** Extra project-level grants. */
  projectIam: GrantMapSchema.optional(),
  /**
   * Project roles whose whole binding this program owns: every member the project gets in such a role (defaults
   * and `projectIam`) is declared as one authoritative binding, which removes anyone else.
   */
  authoritativeProjectRoles: z.array(IamRoleSchema).optional(),
  /** Extra grants on every registry of the project. */
  registryIam: GrantMapSchema.optional(),
  /** Registries besides the main `gcr.io` one; they get the same grants. */
  registries: z.array(ExtraRegistrySchema).optional(),
  /** The cleanup policy of every registry of the project; `delete` when omitted. */
  cleanup: CleanupSchema.optional(),
  /** The folder the project lives in, when not the stack's. */
  folderId: FolderIdSchema.optional(),
  /** The optional per-project prow builder account. */
  gcbBuilder: GcbBuilderSchema.optional(),
  /** Overrides the stack's object age (days) at which bucket objects are deleted. */
  bucketObjectAgeDays: z.number().int("expected a whole number of days").positive("expected a positive number of days").optional(),
  /** Members of the writers group, used only when the stack manages the groups. */
  groupMembers: z.array(EmailSchema).optional(),
});

/** A validated `dedicatedProject` section. */
export type DedicatedProjectFile = z.infer<typeof DedicatedProjectSchema>;

/**
 * A subproject's repository `<name>` in the shared staging project (today's model). Everything is optional:
 * `{}` gets what k8s.io's `registries.tf` gives every registry.
 */
export const SharedRegistrySchema = z.strictObject({
  /** Who may push, as `roles/artifactregistry.writer`; `group:k8s-infra-staging-<name>@<domain>` when omitted. */
  writers: IamMemberSchema.optional(),
  /** The repository's cleanup policy; `delete` when omitted. */
  cleanup: CleanupSchema.optional(),
});

/** A validated `sharedRegistry` section. */
export type SharedRegistryFile = z.infer<typeof SharedRegistrySchema>;

// `sharedRegistry:` with nothing after it is YAML null: read it as `{}`.
const section = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null ? {} : value), schema).optional();

/**
 * The content of `projects/<name>.yaml`: a subproject's staging, as a shared registry, a dedicated project, or
 * both (its old project keeps the images promoted from it).
 */
export const ProjectFileSchema = z
  .strictObject({
    /** The repository in the shared staging project. */
    sharedRegistry: section(SharedRegistrySchema),
    /** The legacy per-subproject project. */
    dedicatedProject: section(DedicatedProjectSchema),
  })
  .refine((file) => file.sharedRegistry !== undefined || file.dedicatedProject !== undefined, {
    message: "declare sharedRegistry: {} (a repository in the shared staging project, for new subprojects) or dedicatedProject: {}",
  });

/** A validated project file. */
export type ProjectFile = z.infer<typeof ProjectFileSchema>;
