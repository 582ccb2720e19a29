import { RegistryClient } from "../../lib/registry/client";
import { copyImage, tagImage } from "../../lib/registry/copy";
import type { Credential } from "../../lib/registry/credentials";
import { sha256Digest } from "../../lib/registry/digest";
import { MANIFEST_ACCEPT, OCI_MANIFEST } from "../../lib/registry/media-types";
import type { RepositoryRef } from "../../lib/registry/reference";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

let registry: ScriptedOrigin;
let auth: ScriptedOrigin;
let src: RepositoryRef;
let dst: RepositoryRef;
let bearerChallenge: Record<string, string>;

beforeEach(async () => {
  registry = await startScriptedOrigin();
  auth = await startScriptedOrigin();
  src = { host: registry.host, path: "staging/app" };
  dst = { host: registry.host, path: "prod/app" };
  bearerChallenge = { "www-authenticate": `Bearer realm="${auth.url}/token",service="reg"` };
});
afterEach(async () => {
  await Promise.all([registry.close(), auth.close()]);
  expect([...registry.unmatched, ...auth.unmatched]).toEqual([]);
});

function client(credential?: Credential, extra: object = {}): RegistryClient {
  return new RegistryClient({ credentials: async () => credential, sleep: async () => {}, ...extra });
}

test("401 challenge → token with the credential → retried request carries the token, later requests reuse it", async () => {
  const tokenRequests: string[] = [];
  const authorizations: Array<string | undefined> = [];
  registry.intercept({ path: "/v2/staging/app/tags/list", method: "GET" }).reply(401, "", { headers: bearerChallenge });
  registry.intercept({ path: "/v2/staging/app/tags/list", method: "GET" }).reply(200, (request) => {
    authorizations.push(request.headers.authorization);
    return JSON.stringify({ name: "staging/app", tags: ["v1"] });
  }).times(2);
  auth.intercept({ path: "/token?service=reg&scope=repository%3Astaging%2Fapp%3Apull", method: "GET" }).reply(200, (request) => {
    tokenRequests.push(`${request.path} ${request.headers.authorization}`);
    return JSON.stringify({ token: "T1", expires_in: 300 });
  });
  const c = client({ kind: "basic", username: "u", password: "p" });
  expect(await c.listTags(src)).toEqual({ tags: ["v1"], manifests: undefined });
  expect(await c.listTags(src)).toEqual({ tags: ["v1"], manifests: undefined });
  expect(tokenRequests).toEqual([`/token?service=reg&scope=repository%3Astaging%2Fapp%3Apull Basic ${Buffer.from("u:p").toString("base64")}`]);
  expect(authorizations).toEqual(["Bearer T1", "Bearer T1"]);
});

test("a mount asks for one token scoped push,pull on the destination and pull on the source", async () => {
  const mountPath = "/v2/prod/app/blobs/uploads/?mount=sha256%3Aaa&from=staging%2Fapp";
  registry.intercept({ path: mountPath, method: "POST" }).reply(401, "", { headers: bearerChallenge });
  registry.intercept({ path: mountPath, method: "POST" }).reply(201, "");
  let tokenPath = "";
  const scopes = "scope=repository%3Aprod%2Fapp%3Apull%2Cpush&scope=repository%3Astaging%2Fapp%3Apull";
  auth.intercept({ path: `/token?service=reg&${scopes}`, method: "GET" }).reply(200, (request) => ((tokenPath = request.path), '{"access_token":"T"}'));
  expect(await client().mountBlob(dst, "sha256:aa", src)).toBe("mounted");
  expect(new URL(tokenPath, auth.url).searchParams.getAll("scope")).toEqual(["repository:prod/app:pull,push", "repository:staging/app:pull"]);
});

test("an identity token is exchanged with the OAuth2 refresh-token grant", async () => {
  registry.intercept({ path: "/v2/", method: "GET" }).reply(401, "", { headers: bearerChallenge });
  registry.intercept({ path: "/v2/", method: "GET" }).reply(200, "{}");
  let form = "";
  auth.intercept({ path: "/token", method: "POST" }).reply(200, (request) => ((form = request.body.toString()), '{"token":"T"}'));
  await client({ kind: "identityToken", username: "<token>", token: "R" }).ping(registry.host);
  expect(Object.fromEntries(new URLSearchParams(form))).toEqual({ grant_type: "refresh_token", refresh_token: "R", client_id: "k8s-staging-promoter", service: "reg" });
});

test("a Basic challenge is answered with the host's credential; without one it is UNAUTHORIZED", async () => {
  const basic = { headers: { "www-authenticate": 'Basic realm="r"' } };
  registry.intercept({ path: "/v2/", method: "GET" }).reply(401, "", basic);
  let seen = "";
  registry.intercept({ path: "/v2/", method: "GET" }).reply(200, (request) => ((seen = request.headers.authorization ?? ""), "{}"));
  registry.intercept({ path: "/v2/", method: "GET" }).reply(401, "", basic);
  await client({ kind: "basic", username: "a", password: "b" }).ping(registry.host);
  expect(seen).toBe(`Basic ${Buffer.from("a:b").toString("base64")}`);
  await expect(client().ping(registry.host)).rejects.toThrow(`GET ${registry.url}/v2/: 401 UNAUTHORIZED: authentication required (Basic)`);
});

test("a refused token request is UNAUTHORIZED and not retried", async () => {
  registry.intercept({ path: "/v2/", method: "GET" }).reply(401, "", { headers: bearerChallenge });
  auth.intercept({ path: "/token?service=reg", method: "GET" }).reply(403, "denied");
  await expect(client().ping(registry.host)).rejects.toThrow(`GET ${auth.url}/token?service=reg: 403 UNAUTHORIZED: token request refused: denied`);
});

test("tags list follows Link pages and returns the Google digest → tags extension", async () => {
  registry.intercept({ path: "/v2/staging/app/tags/list", method: "GET" }).reply(200, JSON.stringify({
    tags: ["a", "b"], manifest: { "sha256:1": { tag: ["a", "b"], mediaType: OCI_MANIFEST, imageSizeBytes: "9" } },
  }), { headers: { link: '</v2/staging/app/tags/list?last=b&n=2>; rel="next"' } });
  registry.intercept({ path: "/v2/staging/app/tags/list?last=b&n=2", method: "GET" }).reply(200, JSON.stringify({
    tags: ["c"], manifest: { "sha256:2": { tag: ["c"] }, "sha256:3": {} },
  }));
  expect(await client().listTags(src)).toEqual({
    tags: ["a", "b", "c"],
    manifests: new Map([
      ["sha256:1", { tags: ["a", "b"], mediaType: OCI_MANIFEST }],
      ["sha256:2", { tags: ["c"], mediaType: undefined }],
      ["sha256:3", { tags: [], mediaType: undefined }],
    ]),
  });
});

test("manifests: Accept carries all four types; GET checks the digest; PUT sends the exact media type", async () => {
  const bytes = new TextEncoder().encode('{"schemaVersion":2}');
  const digest = sha256Digest(bytes);
  const accepts: string[] = [];
  registry.intercept({ path: `/v2/staging/app/manifests/${digest}`, method: "HEAD" }).reply(200, (request) => ((accepts.push(request.headers.accept ?? ""), "")), {
    headers: { "docker-content-digest": digest, "content-type": OCI_MANIFEST, "content-length": String(bytes.length) },
  });
  registry.intercept({ path: `/v2/staging/app/manifests/${digest}`, method: "GET" }).reply(200, (request) => (accepts.push(request.headers.accept ?? ""), Buffer.from(bytes)), {
    headers: { "content-type": `${OCI_MANIFEST}; charset=utf-8` },
  });
  registry.intercept({ path: "/v2/staging/app/manifests/v1", method: "GET" }).reply(200, "tampered", { headers: { "docker-content-digest": digest } });
  let putType = "";
  registry.intercept({ path: "/v2/prod/app/manifests/v1", method: "PUT" }).reply(201, (request) => ((putType = request.headers["content-type"] ?? ""), ""), {
    headers: { "docker-content-digest": digest },
  });
  const c = client();
  expect(await c.headManifest(src, digest)).toEqual({ digest, mediaType: OCI_MANIFEST, size: bytes.length });
  expect(await c.getManifest(src, digest)).toEqual({ digest, mediaType: OCI_MANIFEST, bytes: new Uint8Array(bytes) });
  await expect(c.getManifest(src, "v1")).rejects.toThrow(`GET ${registry.url}/v2/staging/app/manifests/v1: 200 DIGEST_MISMATCH: manifest bytes hash to ${sha256Digest(new TextEncoder().encode("tampered"))}, expected ${digest}`);
  expect(await c.putManifest(dst, "v1", bytes, OCI_MANIFEST)).toBe(digest);
  expect(putType).toBe(OCI_MANIFEST);
  expect(accepts).toEqual([MANIFEST_ACCEPT, MANIFEST_ACCEPT]);
});

describe("copyImage on one host", () => {
  const layer = new TextEncoder().encode("layer");
  const config = new TextEncoder().encode("{}");
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: "c", digest: sha256Digest(config), size: config.length },
    layers: [
      { mediaType: "l", digest: sha256Digest(layer), size: layer.length },
      { mediaType: "f", digest: sha256Digest(new Uint8Array([7])), size: 1, urls: ["https://foreign.example/layer"] },
    ],
  }));
  const digest = sha256Digest(manifest);

  test("mounts when the registry answers 201 and uploads into the session when it answers 202", async () => {
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "HEAD" }).reply(404, "");
    registry.intercept({ path: `/v2/staging/app/manifests/${digest}`, method: "GET" }).reply(200, Buffer.from(manifest), { headers: { "content-type": OCI_MANIFEST } });
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(config)}`, method: "HEAD" }).reply(404, "");
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(layer)}`, method: "HEAD" }).reply(404, "");
    registry.intercept({ path: `/v2/prod/app/blobs/uploads/?mount=${encodeURIComponent(sha256Digest(config))}&from=staging%2Fapp`, method: "POST" }).reply(201, "");
    registry.intercept({ path: `/v2/prod/app/blobs/uploads/?mount=${encodeURIComponent(sha256Digest(layer))}&from=staging%2Fapp`, method: "POST" })
      .reply(202, "", { headers: { location: "/v2/prod/app/blobs/uploads/u1?_state=S" } });
    registry.intercept({ path: `/v2/staging/app/blobs/${sha256Digest(layer)}`, method: "GET" }).reply(200, Buffer.from(layer));
    let uploaded = "";
    registry.intercept({ path: `/v2/prod/app/blobs/uploads/u1?_state=S&digest=${encodeURIComponent(sha256Digest(layer))}`, method: "PUT" })
      .reply(201, (request) => ((uploaded = `${request.headers["content-type"]} ${request.headers["content-length"]}`), ""), { headers: { "docker-content-digest": sha256Digest(layer) } });
    let putBody = "";
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "PUT" }).reply(201, (request) => ((putBody = request.body.toString()), ""), { headers: { "docker-content-digest": digest } });
    const result = await copyImage(client(), src, dst, digest);
    const { manifest: copied, ...counts } = result;
    expect(counts).toEqual({ manifestsWritten: 1, manifestsPresent: 0, blobsUploaded: 1, blobsMounted: 1, blobsPresent: 0, bytesUploaded: layer.length });
    expect(copied?.digest).toBe(digest);
    expect(Buffer.from(copied!.bytes).equals(Buffer.from(manifest))).toBe(true);
    expect(uploaded).toBe(`application/octet-stream ${layer.length}`);
    expect(putBody).toBe(new TextDecoder().decode(manifest));
  });

  test("a destination that stores another digest fails the copy", async () => {
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "HEAD" }).reply(404, "");
    registry.intercept({ path: `/v2/staging/app/manifests/${digest}`, method: "GET" }).reply(200, Buffer.from(manifest), { headers: { "content-type": OCI_MANIFEST } });
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(config)}`, method: "HEAD" }).reply(200, "");
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(layer)}`, method: "HEAD" }).reply(200, "");
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "PUT" }).reply(201, "", { headers: { "docker-content-digest": "sha256:other" } });
    await expect(copyImage(client(), src, dst, digest)).rejects.toThrow(`PUT ${registry.host}/prod/app:${digest}: DIGEST_MISMATCH: registry stored sha256:other, expected ${digest}`);
  });

  // distribution's answer when it read a blob's link file while another writer had truncated it to rewrite it.
  const halfWrittenLink = JSON.stringify({ errors: [
    { code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" },
    { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: sha256Digest(layer) },
  ] });

  test("a manifest PUT refused on a half-written link, and not in place, is written again and counts as written", async () => {
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "HEAD" }).reply(404, "").times(2);
    registry.intercept({ path: `/v2/staging/app/manifests/${digest}`, method: "GET" }).reply(200, Buffer.from(manifest), { headers: { "content-type": OCI_MANIFEST } });
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(config)}`, method: "HEAD" }).reply(200, "");
    registry.intercept({ path: `/v2/prod/app/blobs/${sha256Digest(layer)}`, method: "HEAD" }).reply(200, "");
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "PUT" }).reply(400, halfWrittenLink);
    registry.intercept({ path: `/v2/prod/app/manifests/${digest}`, method: "PUT" }).reply(201, "", { headers: { "docker-content-digest": digest } });
    const { manifest: _, ...counts } = await copyImage(client(), src, dst, digest);
    expect(counts).toEqual({ manifestsWritten: 1, manifestsPresent: 0, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 2, bytesUploaded: 0 });
    expect(registry.requests.filter((request) => request.path.includes("/prod/app/manifests/")).map((request) => request.method)).toEqual(["HEAD", "PUT", "HEAD", "PUT"]);
  });

  test("a tag PUT refused on a half-written link is tried four times in all, then fails with the registry's error", async () => {
    registry.intercept({ path: "/v2/prod/app/manifests/v1", method: "PUT" }).reply(400, halfWrittenLink).times(4);
    registry.intercept({ path: "/v2/prod/app/manifests/v1", method: "HEAD" }).reply(404, "").times(4);
    const raw = { digest, mediaType: OCI_MANIFEST, bytes: manifest };
    await expect(tagImage(client(), dst, digest, "v1", raw)).rejects.toThrow(
      `PUT ${registry.url}/v2/prod/app/manifests/v1: 400 DIGEST_INVALID: manifest PUT failed: provided digest did not match uploaded content; MANIFEST_BLOB_UNKNOWN: blob unknown to registry (${sha256Digest(layer)})`,
    );
    expect(registry.requests.map((request) => request.method)).toEqual(["PUT", "HEAD", "PUT", "HEAD", "PUT", "HEAD", "PUT", "HEAD"]);
  });

  test("a tag PUT refused for another reason is not tried again", async () => {
    registry.intercept({ path: "/v2/prod/app/manifests/v1", method: "PUT" }).reply(400, JSON.stringify({ errors: [{ code: "MANIFEST_INVALID", message: "manifest invalid" }] }));
    registry.intercept({ path: "/v2/prod/app/manifests/v1", method: "HEAD" }).reply(404, "");
    const raw = { digest, mediaType: OCI_MANIFEST, bytes: manifest };
    await expect(tagImage(client(), dst, digest, "v1", raw)).rejects.toThrow(`PUT ${registry.url}/v2/prod/app/manifests/v1: 400 MANIFEST_INVALID: manifest PUT failed: manifest invalid`);
    expect(registry.requests.map((request) => `${request.method} ${request.path}`)).toEqual(["PUT /v2/prod/app/manifests/v1", "HEAD /v2/prod/app/manifests/v1"]);
  });
});
