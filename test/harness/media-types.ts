/**
 * Manifest, config and layer media types: `oci` is what the layout fixtures write, `docker` what
 * `skopeo copy --format v2s2` turns them into (Docker manifest list and schema-2 manifests).
 */
export const MEDIA_TYPES = {
  oci: {
    index: "application/vnd.oci.image.index.v1+json",
    manifest: "application/vnd.oci.image.manifest.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    layer: "application/vnd.oci.image.layer.v1.tar",
  },
  docker: {
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    layer: "application/vnd.docker.image.rootfs.diff.tar",
  },
} as const;
