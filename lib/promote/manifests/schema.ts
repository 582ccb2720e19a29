import { z } from "zod";

/*
 * Shapes of the promoter manifest files, read with the failsafe YAML schema: every scalar is a string, so
 * tags stay exactly as written and `src` is the text `true` or `false`. The naming rules (digests, tags,
 * names) are checked afterwards by ./validate-manifest.ts, which gives more precise messages than a regex here.
 */

/** One entry of `registries`. */
export const RegistrySchema = z.strictObject({
  name: z.string(),
  src: z.enum(["true", "false"], { error: "expected true or false" }).optional(),
  "service-account": z.string().optional(),
});

/** The `registries` list shared by thin and fat manifests. */
const RegistriesSchema = z.array(RegistrySchema);

/** One entry of an images list: `{name, dmap: {digest: [tags]}}`. */
export const ImageSchema = z.strictObject({
  name: z.string(),
  dmap: z.record(z.string(), z.array(z.string())),
});

/** One allowed signer of a provenance policy: a certificate identity and the OIDC issuer that vouched for it. */
export const AllowedSignerSchema = z.strictObject({
  identity: z.string().min(1),
  issuer: z.string().min(1),
});

/**
 * kpromo's `provenance:` block: whether staging images must be signed (`require`), are checked and reported
 * (`warn`) or not checked (`off`), by whom, and (optionally) which builders their SLSA provenance may name.
 */
export const ProvenanceSchema = z.strictObject({
  mode: z.enum(["off", "warn", "require"], { error: "expected off, warn or require" }),
  signers: z.array(AllowedSignerSchema).optional(),
  builders: z.array(z.string().min(1)).optional(),
});

/** Where `--sign` writes this project's signatures: one canonical destination registry instead of all of them. */
export const SigningSchema = z.strictObject({
  registry: z.string(),
});

/** `manifests/<p>/promoter-manifest.yaml`: registries only; `imagesPath` is accepted and ignored, as kpromo does. */
export const ThinManifestSchema = z.strictObject({
  registries: RegistriesSchema,
  imagesPath: z.string().optional(),
  provenance: ProvenanceSchema.optional(),
  signing: SigningSchema.optional(),
});

/** `images/<p>/images.yaml`: a list of images; a blank file (comments only) parses as `null` and means none. */
export const ImagesFileSchema = z.array(ImageSchema).nullable();

/** A single fat manifest file: registries and images together. */
export const FatManifestSchema = z.strictObject({
  registries: RegistriesSchema,
  images: z.array(ImageSchema).nullable().optional(),
  imagesPath: z.string().optional(),
  provenance: ProvenanceSchema.optional(),
  signing: SigningSchema.optional(),
});

/** A registry entry as written. */
export type RegistryEntry = z.infer<typeof RegistrySchema>;
/** A provenance policy as written. */
export type ProvenanceEntry = z.infer<typeof ProvenanceSchema>;
/** An image entry as written. */
export type ImageEntry = z.infer<typeof ImageSchema>;
