import { fallbackTag, mergeFallbackIndex } from "../../lib/registry/referrers";

const D = (c: string) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${c.repeat(64)}`, size: 10, artifactType: "x" });

describe("the referrers fallback index", () => {
  it("is tagged sha256-<hex>", () => {
    expect(fallbackTag(`sha256:${"a".repeat(64)}`)).toBe(`sha256-${"a".repeat(64)}`);
  });

  it("keeps what is there, byte for byte, and appends only what is missing", () => {
    const existing = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ ...D("a"), annotations: { keep: "me" } }], annotations: { too: "yes" } }));
    const merged = JSON.parse(Buffer.from(mergeFallbackIndex(existing, [D("a"), D("b")])!).toString("utf8"));
    expect(merged).toEqual({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ ...D("a"), annotations: { keep: "me" } }, D("b")], annotations: { too: "yes" } });
  });

  it("writes nothing when everything is listed, and starts an index when there is none", () => {
    const index = mergeFallbackIndex(undefined, [D("c")])!;
    expect(JSON.parse(Buffer.from(index).toString("utf8")).manifests).toEqual([D("c")]);
    expect(mergeFallbackIndex(index, [D("c")])).toBeUndefined();
  });

  it("refuses what is not an index", () => {
    expect(() => mergeFallbackIndex(Buffer.from('{"schemaVersion":2}'), [D("c")])).toThrow("the fallback index has no manifests list");
  });
});
