/**
 * The real-registry test harness: `docker-registry` processes on 127.0.0.1, a Docker token server, seeded OCI
 * image fixtures and skopeo as the independent oracle. Plain TypeScript (no jest globals), so end-to-end
 * tests and benchmark scripts (`tsx`) share it.
 */
export { parseAccessLog, readAccessLog, type AccessLogEntry } from "./access-log";
export { isProcessAlive, liveChildCount } from "./child-processes";
export { PROBE_USER_AGENT } from "./http-probe";
export { MEDIA_TYPES } from "./media-types";
export {
  initOciLayout, nameInLayout, parsePlatform, writeBlob, writeImage, writeIndex, writeManifestBlob,
  type ImageSpec, type IndexSpec, type LayerSpec, type Platform, type WrittenIndex, type WrittenManifest,
} from "./oci-layout";
export {
  RegistryStartError, startRegistry,
  type Credentials, type HarnessRegistry, type RegistryAuthOption, type StartRegistryOptions, type StopOptions,
} from "./registry";
export type { TokenAuthority } from "./registry-config";
export { CommandError } from "./run-command";
export { pushReferrers, putBlob, putManifest, type PushedReferrers, type ReferrerSpec, type WrittenReferrer } from "./referrers";
export { seededBytes, seededChunks } from "./seeded-random";
export { pushSignature, signatureTag, writeSignature, type SignatureKind, type WrittenSignature } from "./signature";
export {
  deleteManifest, digestOf, inspectRaw, listTags, seedAsDocker, seedLayout, type SeedLayoutOptions,
  type SkopeoOptions,
} from "./skopeo";
export type { Compression } from "./tar-layer";
export {
  startTokenServer, type StartTokenServerOptions, type TokenRequestRecord, type TokenServer,
} from "./token-server";
export {
  startSigstoreStandIn, STAND_IN_ISSUER, type SigstoreStandIn, type SigstoreStandInOptions,
} from "./sigstore-stand-in";
