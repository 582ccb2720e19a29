import { createHash } from "node:crypto";
import type { Credentials } from "./registry";
import { runCommand } from "./run-command";

/** Options shared by the skopeo helpers. */
export interface SkopeoOptions {
  /** Registry credentials; without them skopeo goes anonymous (`--no-creds`), whatever auth files exist. */
  readonly credentials?: Credentials;
}

/** Options for {@link seedLayout}. */
export interface SeedLayoutOptions extends SkopeoOptions {
  /**
   * Convert while copying (`--format`), e.g. `v2s2` to turn an OCI index into a Docker manifest list. Digests
   * then change: read the real one back with {@link digestOf}. Default: copy byte-for-byte (`--preserve-digests`).
   */
  readonly format?: "oci" | "v2s2";
}

// Loopback registries speak plain HTTP; the policy check is irrelevant for fixtures and would read /etc.
const GLOBAL_FLAGS = ["--insecure-policy"];

function credentialFlags(prefix: "" | "dest-", credentials: Credentials | undefined): string[] {
  if (!credentials) return [`--${prefix}no-creds`];
  return [`--${prefix}creds`, `${credentials.username}:${credentials.password}`];
}

function secretsOf(credentials: Credentials | undefined): string[] {
  return credentials ? [`${credentials.username}:${credentials.password}`, credentials.password] : [];
}

/**
 * Pushes a named image (single or multi-platform) from an OCI layout into a registry, all platforms, with
 * `skopeo copy --all`.
 *
 * @param layoutDir the OCI layout directory
 * @param layoutRef the image's name in the layout
 * @param destination `HOST/REPO:TAG`
 * @param options credentials and an optional format conversion
 * @throws {CommandError} when skopeo fails; the message carries its stderr
 * @example await seedLayout(dir, "v1", `${registry.host}/staging/app:v1`);
 */
export async function seedLayout(
  layoutDir: string,
  layoutRef: string,
  destination: string,
  options: SeedLayoutOptions = {},
): Promise<void> {
  const conversion = options.format ? ["--format", options.format] : ["--preserve-digests"];
  await runCommand(
    "skopeo",
    [
      ...GLOBAL_FLAGS, "copy", "--quiet", "--all", ...conversion, "--dest-tls-verify=false",
      ...credentialFlags("dest-", options.credentials),
      `oci:${layoutDir}:${layoutRef}`, `docker://${destination}`,
    ],
    { secrets: secretsOf(options.credentials) },
  );
}

/**
 * The manifest exactly as the registry serves it (`skopeo inspect --raw`): for an index, the index itself.
 *
 * @param reference `HOST/REPO:TAG` or `HOST/REPO@sha256:…`
 * @param options credentials
 * @returns the raw manifest bytes
 * @throws {CommandError} when skopeo fails (e.g. unknown manifest, 401)
 */
export async function inspectRaw(reference: string, options: SkopeoOptions = {}): Promise<Buffer> {
  const { stdout } = await runCommand(
    "skopeo",
    [
      ...GLOBAL_FLAGS, "inspect", "--raw", "--tls-verify=false",
      ...credentialFlags("", options.credentials), `docker://${reference}`,
    ],
    { secrets: secretsOf(options.credentials) },
  );
  return stdout;
}

/**
 * The digest of the manifest a reference resolves to: sha256 of the bytes {@link inspectRaw} returns.
 *
 * @param reference `HOST/REPO:TAG` or `HOST/REPO@sha256:…`
 * @param options credentials
 * @returns `sha256:<hex>`
 * @throws {CommandError} when skopeo fails
 */
export async function digestOf(reference: string, options: SkopeoOptions = {}): Promise<string> {
  return `sha256:${createHash("sha256").update(await inspectRaw(reference, options)).digest("hex")}`;
}

/**
 * The tags of a repository (`skopeo list-tags`), sorted, since distribution returns them in no set order.
 *
 * @param repository `HOST/REPO`
 * @param options credentials
 * @returns the tags; a repository that does not exist is an error, not an empty list
 * @throws {CommandError} when skopeo fails
 */
export async function listTags(repository: string, options: SkopeoOptions = {}): Promise<string[]> {
  const { stdout } = await runCommand(
    "skopeo",
    [...GLOBAL_FLAGS, "list-tags", "--tls-verify=false", ...credentialFlags("", options.credentials), `docker://${repository}`],
    { secrets: secretsOf(options.credentials) },
  );
  const { Tags } = JSON.parse(stdout.toString("utf8")) as { Tags: string[] | null };
  return [...(Tags ?? [])].sort();
}

/**
 * Pushes a layout image converted to Docker media types (`--format v2s2`): an OCI index becomes a Docker
 * manifest list of schema-2 manifests, gzipping any uncompressed layer. The conversion makes new bytes, so the
 * digest is read back from the registry.
 *
 * @param layoutDir the OCI layout directory
 * @param layoutRef the image's name in the layout
 * @param destination `HOST/REPO:TAG`
 * @param options credentials
 * @returns the digest of the manifest list (or schema-2 manifest) the tag now points to
 * @throws {CommandError} when skopeo fails
 * @example const listDigest = await seedAsDocker(dir, "multi", `${registry.host}/staging/app:v1`);
 */
export async function seedAsDocker(
  layoutDir: string,
  layoutRef: string,
  destination: string,
  options: SkopeoOptions = {},
): Promise<string> {
  await seedLayout(layoutDir, layoutRef, destination, { ...options, format: "v2s2" });
  return digestOf(destination, options);
}

/**
 * Deletes a manifest from a registry (`skopeo delete`), e.g. to make a staging digest disappear. The registry
 * must run with `deleteEnabled: true`; a tag reference deletes the manifest it points to (and so all its tags).
 *
 * @param reference `HOST/REPO@sha256:…` or `HOST/REPO:TAG`
 * @param options credentials
 * @throws {CommandError} when skopeo fails (unknown manifest, deletes disabled, 401)
 */
export async function deleteManifest(reference: string, options: SkopeoOptions = {}): Promise<void> {
  await runCommand(
    "skopeo",
    [...GLOBAL_FLAGS, "delete", "--tls-verify=false", ...credentialFlags("", options.credentials), `docker://${reference}`],
    { secrets: secretsOf(options.credentials) },
  );
}
