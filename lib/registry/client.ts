/**
 * The registry client: one method per distribution API call, on top of {@link Transport} and
 * {@link Authenticator}. Manifests are handled as raw bytes (never re-serialised); blobs as streams.
 */
import { Authenticator } from "./auth";
import { repositoryScope } from "./challenge";
import type { CredentialSource } from "./credentials";
import { isDigest, sha256Digest, verifyingStream } from "./digest";
import { RegistryError, describeErrorBody, parseErrorBody } from "./errors";
import { MANIFEST_ACCEPT, OCI_INDEX } from "./media-types";
import { registryBaseUrl, type RepositoryRef } from "./reference";
import { HostRateLimiter } from "./rate-limit";
import { isRetryableStatus } from "./retry-policy";
import { readTagList, type TagList } from "./tag-list";
import { ERROR_BODY_BYTES, Transport, type RequestBody, type TransportOptions, type TransportResponse } from "./transport";
import { chunksOf, nextPageUrl, receivedBytes, resolveLocation, sliceStream, withDigest } from "./upload-helpers";

export type { GoogleManifestInfo, TagList } from "./tag-list";

/** Largest catalog page read (a thousand names of at most 255 characters fit many times over). */
const MAX_CATALOG_PAGE_BYTES = 4 * 1024 * 1024;

/** Options of {@link RegistryClient}; transport options (timeouts, retry, gate, observer, hooks) included. */
export interface RegistryClientOptions extends TransportOptions {
  /** Hosts spoken to over plain HTTP besides loopback ones (`--insecure-registry`). */
  readonly insecureHosts?: readonly string[];
  /** Credential lookup; default anonymous. Use `defaultCredentialSource()` for Docker config + Google. */
  readonly credentials?: CredentialSource;
  /** Blobs larger than this are uploaded in PATCH chunks; default 64 MiB. */
  readonly chunkThresholdBytes?: number;
  /** Size of each PATCH chunk: one buffer of this size is held for the whole upload; default 16 MiB. */
  readonly chunkSizeBytes?: number;
  /** Steady requests per second per host (every request: reads, tokens, redirect hops); default {@link DEFAULT_MAX_RPS}. Ignored when `gate` is given. */
  readonly maxRps?: number;
  /** Requests in flight per host; default 64 (see `DEFAULT_MAX_IN_FLIGHT_PER_HOST`). Ignored when `gate` is given. */
  readonly maxInFlightPerHost?: number;
  /**
   * Registry host → base URL to reach it at instead (`gcr.io` → `http://127.0.0.1:5000`): a mirror or a local
   * copy. Requests to such an endpoint carry no credentials, since they were meant for another host.
   */
  readonly endpoints?: ReadonlyMap<string, string>;
}

/** What a manifest HEAD tells. */
export interface ManifestDescriptor {
  /** `sha256:…` from `Docker-Content-Digest`. */
  readonly digest: string;
  /** Media type from `Content-Type`. */
  readonly mediaType: string;
  /** Size in bytes from `Content-Length`. */
  readonly size: number;
}

/** A manifest as stored: its exact bytes. */
export interface RawManifest {
  /** `sha256:…` of `bytes`. */
  readonly digest: string;
  /** Media type, from `Content-Type` or else the manifest's own `mediaType` field. */
  readonly mediaType: string;
  /** The bytes exactly as the registry returned them. */
  readonly bytes: Uint8Array;
}

/** A descriptor of a referrers index (or a `sha256-<hex>` fallback index): a manifest that refers to a subject. */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  /** `sha256:…` of the referring manifest. */
  readonly digest: string;
  readonly size: number;
  /** What the referrer is, e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`. */
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An open blob upload: the absolute URL to send the next request to. */
export interface UploadSession {
  /** Absolute upload URL, with the registry's query (`_state`) kept. */
  readonly location: string;
}

interface SendRequest {
  readonly method: string;
  readonly url: string;
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody | (() => RequestBody);
  /** False for blob transfers, which the request deadline does not cover (see `TransportRequest`). */
  readonly transferWithinDeadline?: boolean;
}

/**
 * The largest manifest read: 4 MiB, the limit registries themselves put on a manifest (distribution and Artifact
 * Registry refuse bigger ones), so a larger answer is not a manifest anyone can promote.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Media types of Docker schema 1 manifests, which the promoter does not copy. */
const SCHEMA1_MEDIA_TYPES = new Set([
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
]);

/**
 * Talks the OCI distribution API to any number of registries.
 *
 * @example const client = new RegistryClient({ credentials: defaultCredentialSource() });
 * const repo = parseRepository("127.0.0.1:5000/app");
 * const head = await client.headManifest(repo, "latest"); // "absent" or { digest, mediaType, size }
 */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly auth: Authenticator;

  /**
   * @param options transport, credentials, upload tunables and per-host limits
   * @throws RangeError when `maxRps` or `maxInFlightPerHost` is not positive
   */
  constructor(private readonly options: RegistryClientOptions = {}) {
    const gate = options.gate ?? new HostRateLimiter({ maxRps: options.maxRps, maxInFlightPerHost: options.maxInFlightPerHost });
    this.transport = new Transport({ ...options, gate });
    this.auth = new Authenticator(this.transport, { credentials: options.credentials, now: options.now });
  }

  /**
   * Checks that a host speaks the distribution API and that our credentials are accepted (`GET /v2/`).
   *
   * @param host registry host
   * @throws RegistryError unless the registry answers 200
   */
  async ping(host: string): Promise<void> {
    const response = await this.send(host, { method: "GET", url: `${this.base(host)}/v2/`, scopes: [] });
    if (response.status !== 200) await fail(response, "registry check failed");
    await response.discard();
  }

  /**
   * Lists a repository's tags, following `Link: <…>; rel="next"` pages. A repository that does not exist
   * yet has no tags. Each page is read as it streams in and only the tags `keep` accepts are kept, so a list
   * of millions costs the memory of what is kept. A page that comes round again, or that does not advance
   * (empty, or ending on the same tag as the one before), stops the listing with an error rather than looping.
   *
   * @param repo the repository
   * @param options `keep`: which tags to keep (default all); the others are only counted
   * @returns the kept tags, plus digest → kept tags when the registry sends Google's extension
   * @throws RegistryError on any other failure: `PAGINATION_LOOP`, `BAD_TAG_LIST` (not a tag list),
   *   `TOO_LARGE` (more than `MAX_TAGS_LISTED` tags)
   */
  async listTags(repo: RepositoryRef, options: { readonly keep?: (tag: string) => boolean } = {}): Promise<TagList> {
    const scopes = [repositoryScope(repo.path, "pull")];
    return readTagList(this.repoUrl(repo, "tags/list"), options.keep, {
      get: (url) => this.send(repo.host, { method: "GET", url, scopes }),
      failure: async (response) => {
        let text: string;
        try {
          text = await response.text(ERROR_BODY_BYTES);
        } catch (error) {
          // The error answer broke off: what it said is unknown, so the page is asked for again.
          if (error instanceof RegistryError) return error;
          throw error;
        }
        // A repository that does not exist yet has no tags.
        return parseErrorBody(text)?.code === "NAME_UNKNOWN" && response.status === 404 ? "absent" : errorFrom(response, text, "tags list failed");
      },
    });
  }

  /**
   * Lists every repository of a registry (`GET /v2/_catalog`, following `Link` pages). Not every registry
   * offers it; Google's registries name the repositories below a path in {@link TagList.children} instead.
   *
   * @param host registry host
   * @returns the repository paths, in the registry's order
   * @throws RegistryError when the registry refuses or fails, `PAGINATION_LOOP` when a page comes round again
   */
  async catalog(host: string): Promise<string[]> {
    const repositories: string[] = [];
    const visited = new Set<string>();
    let url: string | undefined = `${this.base(host)}/v2/_catalog?n=1000`;
    while (url !== undefined) {
      if (visited.has(url)) {
        throw new RegistryError("pagination came back to a page already read; the listing was stopped", { method: "GET", url, code: "PAGINATION_LOOP", retryable: false });
      }
      visited.add(url);
      const { response, bytes } = await this.sendForBody(host, { method: "GET", url, scopes: ["registry:catalog:*"] }, MAX_CATALOG_PAGE_BYTES, "catalog failed");
      const names = (JSON.parse(new TextDecoder().decode(bytes)) as { repositories?: string[] | null }).repositories ?? [];
      // A loop, not a spread: a page of many names would overflow the stack as arguments.
      for (const name of names) repositories.push(name);
      url = nextPageUrl(response.headers.get("link"), response.url);
    }
    return repositories;
  }

  /**
   * HEADs a manifest by tag or digest.
   *
   * @param repo the repository
   * @param reference a tag or `sha256:…`
   * @returns digest, media type and size, or `"absent"` on 404
   * @throws RegistryError on other failures, or when the registry sends no `Docker-Content-Digest`
   */
  async headManifest(repo: RepositoryRef, reference: string): Promise<ManifestDescriptor | "absent"> {
    const url = this.repoUrl(repo, `manifests/${reference}`);
    const response = await this.send(repo.host, { method: "HEAD", url, scopes: [repositoryScope(repo.path, "pull")], headers: { accept: MANIFEST_ACCEPT } });
    if (response.status === 404) return (await response.discard(), "absent");
    if (response.status !== 200) await fail(response, "manifest HEAD failed");
    await response.discard();
    const digest = response.headers.get("docker-content-digest");
    if (digest === null || !isDigest(digest)) {
      throw new RegistryError("no Docker-Content-Digest in the answer", { method: "HEAD", url, status: 200, code: "DIGEST_MISSING", retryable: false });
    }
    return { digest, mediaType: mediaTypeOf(response.headers.get("content-type")) ?? "", size: Number(response.headers.get("content-length") ?? 0) };
  }

  /**
   * GETs a manifest's exact bytes and checks them against the requested digest (or the registry's
   * `Docker-Content-Digest` for a tag).
   *
   * @param repo the repository
   * @param reference a tag or `sha256:…`
   * @returns the bytes, their digest and media type
   * @throws RegistryError (code `MANIFEST_UNKNOWN` on 404, `DIGEST_MISMATCH` when the bytes do not hash as expected,
   *   `TOO_LARGE` past {@link MAX_MANIFEST_BYTES}, `UNSUPPORTED_SCHEMA1` for a Docker schema 1 manifest)
   */
  async getManifest(repo: RepositoryRef, reference: string): Promise<RawManifest> {
    const url = this.repoUrl(repo, `manifests/${reference}`);
    const request = { method: "GET", url, scopes: [repositoryScope(repo.path, "pull")], headers: { accept: MANIFEST_ACCEPT } };
    const { response, bytes } = await this.sendForBody(repo.host, request, MAX_MANIFEST_BYTES, "a manifest");
    if (response.status !== 200) throw errorFrom(response, new TextDecoder().decode(bytes), "manifest GET failed");
    if (isSchema1(response.headers.get("content-type"), bytes)) {
      throw new RegistryError("Docker schema 1 manifest: schema 1 is not supported (deprecated since 2017; rebuild and push the image with a current tool)", {
        method: "GET", url, status: 200, code: "UNSUPPORTED_SCHEMA1", retryable: false,
      });
    }
    const digest = sha256Digest(bytes);
    const expected = isDigest(reference) ? reference : response.headers.get("docker-content-digest");
    if (expected !== null && expected !== digest) {
      throw new RegistryError(`manifest bytes hash to ${digest}, expected ${expected}`, { method: "GET", url, status: 200, code: "DIGEST_MISMATCH", retryable: false });
    }
    const mediaType = mediaTypeOf(response.headers.get("content-type"));
    return { digest, bytes, mediaType: mediaType !== undefined && mediaType !== "application/json" ? mediaType : embeddedMediaType(bytes) };
  }

  /**
   * Asks the OCI 1.1 referrers API for the manifests whose `subject` is `digest`
   * (`GET /v2/<name>/referrers/<digest>`). Registries without the API (distribution 2.8) answer 404.
   *
   * @param repo the repository
   * @param digest the subject's digest
   * @returns the referrers index's descriptors (with `artifactType` and `annotations` as the registry gives them),
   *   or `"unsupported"` on 404
   * @throws RegistryError on other failures, or when the answer is not an index
   */
  async listReferrers(repo: RepositoryRef, digest: string): Promise<readonly ReferrerDescriptor[] | "unsupported"> {
    const url = this.repoUrl(repo, `referrers/${digest}`);
    const request = { method: "GET", url, scopes: [repositoryScope(repo.path, "pull")], headers: { accept: OCI_INDEX } };
    // A referrers index is a manifest: the manifest cap bounds it.
    const { response, bytes } = await this.sendForBody(repo.host, request, MAX_MANIFEST_BYTES, "a referrers index");
    const text = new TextDecoder().decode(bytes);
    if (response.status === 404) return "unsupported";
    if (response.status !== 200) throw errorFrom(response, text, "referrers GET failed");
    const index = JSON.parse(text) as { manifests?: ReferrerDescriptor[] };
    if (!Array.isArray(index.manifests)) {
      throw new RegistryError("referrers answer is not an image index", { method: "GET", url, status: 200, code: "MANIFEST_INVALID", retryable: false });
    }
    return index.manifests;
  }

  /**
   * PUTs manifest bytes unchanged under a tag or digest.
   *
   * @param repo the repository
   * @param reference a tag, or the bytes' own digest
   * @param bytes the exact manifest bytes
   * @param mediaType the exact media type to send as `Content-Type`
   * @returns the digest the registry stored (`Docker-Content-Digest`, else the bytes' own)
   * @throws RegistryError when the registry refuses (e.g. `MANIFEST_BLOB_UNKNOWN` when a blob is missing)
   */
  async putManifest(repo: RepositoryRef, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const url = this.repoUrl(repo, `manifests/${reference}`);
    const response = await this.send(repo.host, { method: "PUT", url, scopes: [repositoryScope(repo.path, "push,pull")], headers: { "content-type": mediaType }, body: bytes });
    if (response.status !== 201 && response.status !== 200) await fail(response, "manifest PUT failed");
    await response.discard();
    return response.headers.get("docker-content-digest") ?? sha256Digest(bytes);
  }

  /**
   * HEADs a blob.
   *
   * @param repo the repository
   * @param digest the blob digest
   * @returns its size, or `"absent"` on 404
   * @throws RegistryError on other failures
   */
  async headBlob(repo: RepositoryRef, digest: string): Promise<{ size: number } | "absent"> {
    const response = await this.send(repo.host, { method: "HEAD", url: this.repoUrl(repo, `blobs/${digest}`), scopes: [repositoryScope(repo.path, "pull")] });
    if (response.status === 404) return (await response.discard(), "absent");
    if (response.status !== 200) await fail(response, "blob HEAD failed");
    await response.discard();
    return { size: Number(response.headers.get("content-length") ?? 0) };
  }

  /**
   * Opens a blob for streaming. The stream errors at its end (code `DIGEST_MISMATCH`) unless the bytes hash
   * to `digest` and, when known, number `expectedSize`.
   *
   * @param repo the repository
   * @param digest the blob digest
   * @param expectedSize the size from the manifest, if known
   * @returns the size announced by the registry (or expected) and the verified stream
   * @throws RegistryError when the GET fails (code `BLOB_UNKNOWN` on 404)
   */
  async getBlob(repo: RepositoryRef, digest: string, expectedSize?: number): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
    const url = this.repoUrl(repo, `blobs/${digest}`);
    const response = await this.send(repo.host, { method: "GET", url, scopes: [repositoryScope(repo.path, "pull")], transferWithinDeadline: false });
    if (response.status !== 200) await fail(response, "blob GET failed");
    const announced = response.headers.get("content-length");
    const size = expectedSize ?? (announced === null ? undefined : Number(announced));
    const stream = verifyingStream(response.body ?? new Blob([]).stream(), digest, size, (actual, actualSize) =>
      new RegistryError(`blob bytes hash to ${actual} (${actualSize} bytes), expected ${digest}${size === undefined ? "" : ` (${size} bytes)`}`, {
        method: "GET", url, status: 200, code: "DIGEST_MISMATCH", retryable: true,
      }));
    return { size: size ?? -1, stream };
  }

  /**
   * Asks the registry to mount a blob from another repository on the same host.
   *
   * @param repo the destination repository
   * @param digest the blob digest
   * @param from the source repository (same host)
   * @returns `"mounted"` (201), or the upload session the registry opened instead (202)
   * @throws RegistryError on other answers
   */
  async mountBlob(repo: RepositoryRef, digest: string, from: RepositoryRef): Promise<"mounted" | UploadSession> {
    const url = `${this.repoUrl(repo, "blobs/uploads/")}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.path)}`;
    // One token for both repositories: push on the destination, pull on the source.
    const scopes = [repositoryScope(repo.path, "push,pull"), repositoryScope(from.path, "pull")];
    const response = await this.send(repo.host, { method: "POST", url, scopes });
    if (response.status === 201) return (await response.discard(), "mounted");
    if (response.status !== 202) await fail(response, "blob mount failed");
    return this.session(response);
  }

  /**
   * Opens an upload session (`POST /blobs/uploads/`).
   *
   * @param repo the destination repository
   * @returns the session
   * @throws RegistryError unless the registry answers 202 with a `Location`
   */
  async startUpload(repo: RepositoryRef): Promise<UploadSession> {
    const response = await this.send(repo.host, { method: "POST", url: this.repoUrl(repo, "blobs/uploads/"), scopes: [repositoryScope(repo.path, "push,pull")] });
    if (response.status !== 202) await fail(response, "upload start failed");
    return this.session(response);
  }

  /**
   * Uploads a blob into a session: from a stream, one streamed PUT, or PATCH chunks when `size` exceeds the chunk
   * threshold (the stream is consumed once; a failure needs a fresh stream and session); from bytes in memory, one
   * PUT that the request's retries send again into the same session.
   *
   * @param repo the destination repository
   * @param session from {@link startUpload} or a 202 {@link mountBlob}
   * @param digest the blob digest
   * @param size the blob size in bytes
   * @param content the bytes, as a stream or in memory
   * @throws RegistryError when the registry refuses, acknowledges a wrong range, or stores another digest
   */
  async uploadBlob(repo: RepositoryRef, session: UploadSession, digest: string, size: number, content: ReadableStream<Uint8Array> | Uint8Array): Promise<void> {
    const scopes = [repositoryScope(repo.path, "push,pull")];
    let location = session.location;
    if (content instanceof ReadableStream && size > (this.options.chunkThresholdBytes ?? 64 * 1024 * 1024)) {
      let sent = 0;
      for await (const chunk of chunksOf(content, this.options.chunkSizeBytes ?? 16 * 1024 * 1024)) {
        const headers = { "content-type": "application/octet-stream", "content-range": `${sent}-${sent + chunk.byteLength - 1}`, "content-length": String(chunk.byteLength) };
        // A stream body in slices, so the inactivity timer sees steady progress; a factory, so the chunk can be resent.
        const body = () => sliceStream(chunk, UPLOAD_SLICE_BYTES);
        const response = await this.send(repo.host, { method: "PATCH", url: location, scopes, headers, body, transferWithinDeadline: false });
        if (response.status !== 202) await fail(response, "blob chunk upload failed");
        await response.discard();
        sent += chunk.byteLength;
        const received = receivedBytes(response.headers.get("range"));
        if (received !== undefined && received !== sent) {
          throw new RegistryError(`registry acknowledged ${received} bytes, ${sent} were sent`, { method: "PATCH", url: location, status: 202, code: "BLOB_UPLOAD_INVALID", retryable: true });
        }
        location = this.session(response).location;
      }
      const response = await this.send(repo.host, { method: "PUT", url: withDigest(location, digest), scopes, headers: { "content-length": "0" } });
      await this.finishUpload(response, digest);
      return;
    }
    const headers = { "content-type": "application/octet-stream", "content-length": String(size) };
    // Bytes in memory go as a body factory, which the request's retries send again into the same session.
    let sends = 0;
    const body = content instanceof Uint8Array ? () => (sends++, sliceStream(content, UPLOAD_SLICE_BYTES)) : content;
    const response = await this.send(repo.host, { method: "PUT", url: withDigest(location, digest), scopes, headers, body, transferWithinDeadline: false });
    try {
      await this.finishUpload(response, digest);
    } catch (error) {
      // A PUT sent again after one that broke off may find the session used up or holding part of the first:
      // the registry refuses it, and a fresh session (the caller's next attempt) is the way on.
      if (sends > 1 && error instanceof RegistryError && error.status !== undefined && error.status < 500) {
        throw new RegistryError("the upload sent again after a broken-off one was refused; a fresh session is needed", {
          method: "PUT", url: response.url, status: error.status, code: error.code, retryable: true, cause: error,
        });
      }
      throw error;
    }
  }

  private async finishUpload(response: TransportResponse, digest: string): Promise<void> {
    if (response.status !== 201) await fail(response, "blob upload failed");
    await response.discard();
    const stored = response.headers.get("docker-content-digest");
    if (stored !== null && stored !== digest) {
      throw new RegistryError(`registry stored ${stored}, expected ${digest}`, { method: "PUT", url: response.url, status: 201, code: "DIGEST_MISMATCH", retryable: false });
    }
  }

  private session(response: TransportResponse): UploadSession {
    const location = response.headers.get("location");
    void response.discard();
    if (location === null) {
      throw new RegistryError("upload answer has no Location", { method: response.method, url: response.url, status: response.status, code: "BLOB_UPLOAD_INVALID", retryable: false });
    }
    return { location: resolveLocation(location, response.url) };
  }

  private base(host: string): string {
    return this.options.endpoints?.get(host) ?? registryBaseUrl(host, this.options.insecureHosts);
  }

  private repoUrl(repo: RepositoryRef, rest: string): string {
    return `${this.base(repo.host)}/v2/${repo.path}/${rest}`;
  }

  /**
   * Sends a request with a small answer (manifest, tag list) and reads it whole. The transport retries only
   * until headers arrive; a body that breaks off or stalls after that is asked for again here.
   */
  private async sendForBody(host: string, request: SendRequest, maxBytes: number, what: string): Promise<{ response: TransportResponse; bytes: Uint8Array }> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(host, request);
      try {
        // An error answer is read only as far as an error body needs; a 200 as far as `what` may be.
        const limit = response.status === 200 ? maxBytes : ERROR_BODY_BYTES;
        return { response, bytes: await response.bytes(limit) };
      } catch (error) {
        if (error instanceof RegistryError && error.code === "TOO_LARGE" && response.status === 200) {
          throw new RegistryError(`${what} larger than ${maxBytes / (1024 * 1024)} MiB, the limit registries apply; not read`, {
            method: request.method, url: request.url, status: 200, code: "TOO_LARGE", retryable: false,
          });
        }
        if (!(error instanceof RegistryError) || !error.retryable || attempt >= BODY_READ_ATTEMPTS) throw error;
      }
    }
  }

  /** Sends with the host's credentials; on a 401 challenge, authenticates and resends once. */
  private async send(host: string, request: SendRequest): Promise<TransportResponse> {
    // Upload locations may point elsewhere; the registry's credentials go only to the registry.
    const ours = new URL(request.url).host === host;
    const authorization = ours ? await this.auth.authorization(host, request.scopes) : undefined;
    const response = await this.transport.request({ ...request, headers: withAuthorization(request.headers, authorization) });
    const challenge = response.headers.get("www-authenticate");
    if (response.status !== 401 || challenge === null || !ours) return response;
    await response.discard();
    const retried = await this.auth.challenged(host, challenge, request.scopes);
    if (retried === undefined || retried === authorization || request.body instanceof ReadableStream) {
      throw new RegistryError(`authentication required (${challenge.split(" ")[0]})`, { method: request.method, url: request.url, status: 401, code: "UNAUTHORIZED", retryable: false });
    }
    const again = await this.transport.request({ ...request, headers: withAuthorization(request.headers, retried) });
    if (again.status === 401) await fail(again, "credentials refused");
    return again;
  }
}

/** Slices a PATCH chunk is sent in: small enough that the transport's body-progress watchdog sees steady progress on a slow link. */
const UPLOAD_SLICE_BYTES = 256 * 1024;

/** Reads of a small body (each a full request) before its failure is final, as many as the transport's default attempts. */
const BODY_READ_ATTEMPTS = 5;

function withAuthorization(headers: Readonly<Record<string, string>> | undefined, authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? { ...headers } : { ...headers, authorization };
}

function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType === null ? undefined : contentType.split(";")[0]!.trim();
}

function embeddedMediaType(bytes: Uint8Array): string {
  try {
    const mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown }).mediaType;
    return typeof mediaType === "string" ? mediaType : "";
  } catch {
    return "";
  }
}

function errorFrom(response: TransportResponse, text: string, what: string): RegistryError {
  const spec = describeErrorBody(text);
  return new RegistryError(spec?.message ? `${what}: ${spec.message}` : what, {
    method: response.method, url: response.url, status: response.status, code: spec?.code, retryable: isRetryableStatus(response.status),
  });
}

async function fail(response: TransportResponse, what: string): Promise<never> {
  let text: string;
  try {
    text = await response.text(ERROR_BODY_BYTES);
  } catch (error) {
    // An error answer that broke off said nothing for sure: the broken read (retryable) is the failure.
    if (error instanceof RegistryError && error.retryable) throw error;
    text = "";
  }
  throw errorFrom(response, text, what);
}

/** Whether a manifest is Docker schema 1, by its media type or, when a registry sends a generic one, its body. */
function isSchema1(contentType: string | null, bytes: Uint8Array): boolean {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType !== undefined && SCHEMA1_MEDIA_TYPES.has(mediaType)) return true;
  if (mediaType !== undefined && mediaType !== "application/json" && mediaType !== "") return false;
  try {
    return (JSON.parse(new TextDecoder().decode(bytes)) as { schemaVersion?: unknown }).schemaVersion === 1;
  } catch {
    return false;
  }
}
