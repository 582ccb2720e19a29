import { formatScopes, parseChallenge, parseScopes, scopesCover } from "../../lib/registry/challenge";
import { isDigest, sha256Digest, verifyingStream } from "../../lib/registry/digest";
import { parseErrorBody, redactUrl, RegistryError } from "../../lib/registry/errors";
import { createLimiter } from "../../lib/registry/limit";
import { manifestContents } from "../../lib/registry/manifest-contents";
import { isIndexMediaType, MANIFEST_ACCEPT } from "../../lib/registry/media-types";
import { childRepository, formatRepository, isGoogleHost, isLoopbackHost, parseRepository, registryBaseUrl } from "../../lib/registry/reference";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs } from "../../lib/registry/retry-policy";
import { chunksOf, nextPageUrl, receivedBytes, resolveLocation, withDigest } from "../../lib/registry/upload-helpers";

const encode = (text: string) => new TextEncoder().encode(text);

describe("references", () => {
  test.each([
    ["gcr.io/k8s-staging-foo/app", { host: "gcr.io", path: "k8s-staging-foo/app" }],
    ["127.0.0.1:5000/a", { host: "127.0.0.1:5000", path: "a" }],
    ["[::1]:5000/team/my_app", { host: "[::1]:5000", path: "team/my_app" }],
    ["us-docker.pkg.dev/p/r/x.y-z", { host: "us-docker.pkg.dev", path: "p/r/x.y-z" }],
  ])("parses %s", (text, expected) => {
    expect(parseRepository(text)).toEqual(expected);
    expect(formatRepository(parseRepository(text))).toBe(text);
  });

  test.each([
    ["app", 'invalid repository "app": expected HOST/PATH'],
    ["gcr.io/", 'invalid repository "gcr.io/": bad repository path ""'],
    ["gcr.io/Upper", 'invalid repository "gcr.io/Upper": bad repository path "Upper"'],
    ["gcr.io/a//b", 'invalid repository "gcr.io/a//b": bad repository path "a//b"'],
    ["bad_host/a", 'invalid repository "bad_host/a": bad registry host "bad_host"'],
  ])("rejects %s", (text, message) => {
    expect(() => parseRepository(text)).toThrow(message);
  });

  test("childRepository appends the image name to a destination prefix", () => {
    expect(childRepository({ host: "r.io", path: "prefix" }, "team/app")).toEqual({ host: "r.io", path: "prefix/team/app" });
  });

  test.each([
    ["localhost:5000", true], ["127.0.0.1", true], ["127.8.9.10:80", true], ["[::1]:5000", true],
    ["128.0.0.1", false], ["127.0.0.256", false], ["localhost.example.com", false], ["gcr.io", false],
  ])("isLoopbackHost(%s) = %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  test.each([
    ["127.0.0.1:5000", [], "http://127.0.0.1:5000"],
    ["gcr.io", [], "https://gcr.io"],
    ["registry.lan:5000", ["registry.lan:5000"], "http://registry.lan:5000"],
    ["registry.lan:5001", ["registry.lan:5000"], "https://registry.lan:5001"],
  ])("registryBaseUrl(%s, %j) = %s", (host, insecure, expected) => {
    expect(registryBaseUrl(host, insecure)).toBe(expected);
  });

  test.each([["gcr.io", true], ["eu.gcr.io", true], ["us-central1-docker.pkg.dev", true], ["docker.pkg.dev", false], ["notgcr.io", false]])(
    "isGoogleHost(%s) = %s", (host, expected) => expect(isGoogleHost(host)).toBe(expected));
});

describe("errors", () => {
  test("redactUrl drops user info and secret query values", () => {
    expect(redactUrl("https://u:p@r.io/v2/a/blobs/uploads/x?_state=abc&digest=sha256:1&X-Amz-Signature=s"))
      .toBe("https://r.io/v2/a/blobs/uploads/x?_state=REDACTED&digest=sha256:1&X-Amz-Signature=REDACTED");
    expect(redactUrl("not a url")).toBe("not a url");
  });

  test("RegistryError formats the request line without secrets", () => {
    const error = new RegistryError("boom", { method: "GET", url: "https://r.io/x?token=t", status: 503, code: "UNAVAILABLE", retryable: true });
    expect(error.message).toBe("GET https://r.io/x?token=REDACTED: 503 UNAVAILABLE: boom");
    expect([error.name, error.code, error.status, error.retryable, error.url]).toEqual(["RegistryError", "UNAVAILABLE", 503, true, "https://r.io/x?token=REDACTED"]);
  });

  test.each([
    ['{"errors":[{"code":"DENIED","message":"no"}]}', { code: "DENIED", message: "no" }],
    ['{"errors":[]}', undefined],
    ["<html>", undefined],
  ])("parseErrorBody(%s)", (body, expected) => expect(parseErrorBody(body)).toEqual(expected));
});

describe("challenges and scopes", () => {
  test("parses a bearer challenge with quoted commas", () => {
    expect(parseChallenge('Bearer realm="https://auth.io/token",service="reg",scope="repository:a:pull,push"')).toEqual({
      scheme: "bearer", params: { realm: "https://auth.io/token", service: "reg", scope: "repository:a:pull,push" },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: "basic", params: { realm: "Registry Realm" } });
  });

  test("rejects an empty challenge", () => {
    expect(() => parseChallenge("  ")).toThrow('malformed WWW-Authenticate header "  "');
  });

  test("merges, formats and compares scopes", () => {
    const granted = parseScopes(["repository:b:push,pull", "repository:a:pull"]);
    expect(formatScopes(granted)).toEqual(["repository:a:pull", "repository:b:pull,push"]);
    expect(scopesCover(granted, parseScopes(["repository:b:pull"]))).toBe(true);
    expect(scopesCover(granted, parseScopes(["repository:a:push"]))).toBe(false);
    expect(scopesCover(granted, parseScopes(["repository:c:pull"]))).toBe(false);
  });
});

describe("retry policy", () => {
  test.each([[429, true], [500, true], [503, true], [408, true], [501, false], [404, false], [401, false]])(
    "isRetryableStatus(%d) = %s", (status, expected) => expect(isRetryableStatus(status)).toBe(expected));

  test.each([
    ["3", 3000], ["Thu, 01 Jan 1970 00:00:10 GMT", 5000], ["Thu, 01 Jan 1970 00:00:01 GMT", 0], ["soon", undefined], [null, undefined],
  ])("parseRetryAfter(%s) at t=5s", (value, expected) => expect(parseRetryAfter(value, 5000)).toBe(expected));

  test("full jitter stays under the doubled, capped ceiling; Retry-After wins but is capped", () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 3, undefined, () => 0.5)).toBe(500);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 20, undefined, () => 0.999)).toBe(29_970);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 7000, () => 0)).toBe(7000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 10_000_000, () => 0)).toBe(120_000);
  });
});

describe("upload helpers", () => {
  test("resolves relative and absolute locations, keeping _state", () => {
    const relative = resolveLocation("/v2/a/blobs/uploads/u1?_state=xyz", "http://r:5000/v2/a/blobs/uploads/");
    expect(relative).toBe("http://r:5000/v2/a/blobs/uploads/u1?_state=xyz");
    expect(resolveLocation("https://other/u2?_state=q", relative)).toBe("https://other/u2?_state=q");
    expect(withDigest(relative, "sha256:ab")).toBe("http://r:5000/v2/a/blobs/uploads/u1?_state=xyz&digest=sha256%3Aab");
  });

  test.each([["0-99", 100], ["bytes=0-0", 1], ["5-9", undefined], [null, undefined]])("receivedBytes(%s) = %s", (range, expected) =>
    expect(receivedBytes(range)).toBe(expected));

  test("re-cuts a stream into exact chunks", async () => {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of [encode("abcde"), encode("fg"), encode("hijklmn")]) controller.enqueue(piece);
        controller.close();
      },
    });
    const chunks: string[] = [];
    for await (const chunk of chunksOf(source, 4)) chunks.push(new TextDecoder().decode(chunk));
    expect(chunks).toEqual(["abcd", "efgh", "ijkl", "mn"]);
  });

  test.each([
    ['</v2/a/tags/list?n=2&last=b>; rel="next"', "http://r/v2/a/tags/list?n=2&last=b"],
    ['<http://o/x>; rel="prev", <http://o/y>; rel=next', "http://o/y"],
    ['<http://o/x>; rel="prev"', undefined],
    [null, undefined],
  ])("nextPageUrl(%s)", (link, expected) => expect(nextPageUrl(link, "http://r/v2/a/tags/list")).toBe(expected));
});

describe("digests", () => {
  test("isDigest accepts only sha256 with 64 lower-case hex", () => {
    expect(isDigest(sha256Digest(encode("x")))).toBe(true);
    expect(isDigest(`sha256:${"a".repeat(63)}`)).toBe(false);
    expect(isDigest(`sha256:${"A".repeat(64)}`)).toBe(false);
  });

  test("a verifying stream passes good bytes and errors on bad ones", async () => {
    const bytes = encode("hello");
    const ok = verifyingStream(new Blob([bytes]).stream(), sha256Digest(bytes), 5, () => new Error("unexpected"));
    expect(new TextDecoder().decode(await new Response(ok).arrayBuffer())).toBe("hello");
    const bad = verifyingStream(new Blob([bytes]).stream(), sha256Digest(encode("other")), 5, (digest, size) => new Error(`got ${digest} ${size}`));
    await expect(new Response(bad).arrayBuffer()).rejects.toThrow(`got ${sha256Digest(bytes)} 5`);
    const long = verifyingStream(new Blob([bytes]).stream(), sha256Digest(bytes), 3, (digest, size) => new Error(`got ${digest} ${size}`));
    await expect(new Response(long).arrayBuffer()).rejects.toThrow("got (incomplete) 5");
  });
});

describe("manifest contents", () => {
  test("reads children of an index and blobs of an image, keeping foreign urls", () => {
    const index = encode(JSON.stringify({ mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ digest: "sha256:1", size: 3, mediaType: "m" }] }));
    expect(manifestContents(index, "")).toEqual({ kind: "index", children: [{ digest: "sha256:1", size: 3, mediaType: "m" }] });
    const image = encode(JSON.stringify({ config: { digest: "sha256:c", size: 1 }, layers: [{ digest: "sha256:l", size: 2, urls: ["https://x"] }] }));
    expect(manifestContents(image, "application/vnd.docker.distribution.manifest.v2+json")).toEqual({
      kind: "image", config: { digest: "sha256:c", size: 1, mediaType: "" }, layers: [{ digest: "sha256:l", size: 2, mediaType: "", urls: ["https://x"] }],
    });
  });

  test.each([
    ["{", "manifest is not JSON"],
    ['{"schemaVersion":1,"fsLayers":[]}', 'unsupported manifest (media type "", schemaVersion 1): no config and layers'],
    ['{"config":{"digest":"sha256:c"},"layers":[]}', "config: expected a descriptor with digest and size"],
  ])("rejects %s", (text, message) => expect(() => manifestContents(encode(text), "")).toThrow(message));

  test("media type constants", () => {
    expect(MANIFEST_ACCEPT.split(", ")).toHaveLength(4);
    expect(isIndexMediaType("application/vnd.docker.distribution.manifest.list.v2+json")).toBe(true);
    expect(isIndexMediaType("application/vnd.oci.image.manifest.v1+json")).toBe(false);
  });
});

describe("limiter", () => {
  test("never runs more than the limit at once and keeps results", async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limit(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    })));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  test("rejects a non-positive concurrency", () => {
    expect(() => createLimiter(0)).toThrow("concurrency must be a positive integer, got 0");
  });
});
