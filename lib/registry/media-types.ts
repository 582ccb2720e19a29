/** Manifest media types the promoter reads and writes, and the `Accept` header that asks for all of them. */

/** OCI image index (multi-platform). */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** Docker manifest list (multi-platform). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

/** Sent on every manifest request: distribution 2.8 answers 404 or converts the manifest without it. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(", ");

/**
 * Tells whether a media type is a multi-platform list (OCI index or Docker manifest list).
 *
 * @param mediaType a manifest media type
 * @returns true for indexes and manifest lists
 */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}
