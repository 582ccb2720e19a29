import { TagListFormatError, TagListReader } from "../../lib/registry/tag-list-reader";

const D = `sha256:${"a".repeat(64)}`;
const PAGE = JSON.stringify({
  child: [],
  manifest: { [D]: { imageSizeBytes: "12", layerId: "", mediaType: "application/vnd.oci.image.index.v1+json", tag: ["v1", "latest"], timeCreatedMs: "1" } },
  name: "prod/app",
  tags: ["latest", "v1", "v\u00e9-\\\"quoted\\\"", "sha256-abc.sig"],
});

function read(text: string, splitEvery: number, keep?: (tag: string) => boolean) {
  const bytes = new TextEncoder().encode(text);
  const reader = new TagListReader(keep);
  for (let i = 0; i < bytes.length; i += splitEvery) reader.push(bytes.subarray(i, i + splitEvery));
  return reader.end();
}

describe("TagListReader", () => {
  test.each([1, 2, 3, 7, 4096])("reads a page split every %i bytes (inside strings, escapes and UTF-8 too) like JSON.parse", (every) => {
    const page = read(PAGE, every);
    const parsed = JSON.parse(PAGE) as { tags: string[] };
    expect(page.tags).toEqual(parsed.tags);
    expect(page.listed).toBe(4);
    expect(page.lastTag).toBe("sha256-abc.sig");
    expect(page.manifests).toEqual(new Map([[D, { tags: ["v1", "latest"], mediaType: "application/vnd.oci.image.index.v1+json" }]]));
  });

  test("keeps only what it is asked to, in tags and in the extension alike, and counts the rest", () => {
    const page = read(PAGE, 5, (tag) => tag === "v1");
    expect(page.tags).toEqual(["v1"]);
    expect(page.listed).toBe(4);
    expect(page.manifests!.get(D)!.tags).toEqual(["v1"]);
  });

  test("reads `tags: null` and a missing tags key as no tags", () => {
    expect(read('{"name":"a","tags":null}', 3).tags).toEqual([]);
    expect(read('{"name":"a"}', 3)).toEqual({ tags: [], listed: 0, lastTag: undefined, manifests: undefined, children: undefined });
  });

  test("reads Google's child extension: the repositories one level below", () => {
    expect(read(PAGE, 2).children).toEqual([]);
    expect(read('{"child":["app","tools"],"name":"prod","tags":[]}', 3).children).toEqual(["app", "tools"]);
    expect(() => read('{"child":[1]}', 3)).toThrow(new TagListFormatError("a child repository must be a string"));
    expect(() => read('{"child":{"a":1}}', 3)).toThrow(new TagListFormatError("unexpected object under child"));
  });

  test.each([
    ['{"tags":["a",]}', 'unexpected "]"'],
    ['{"tags":["a"]', "the answer ended before the tag list did"],
    ['{"tags":[1]}', "a tag must be a string"],
    ['{"tags":{"a":1}}', "unexpected object under tags"],
    ['["a"]', "a tag list must be a JSON object"],
    ['{"tags":[]}{}', "more JSON after the tag list"],
    [`{"tags":["${"x".repeat(70_000)}"]}`, "a string longer than 65536 bytes"],
    [`{"x":${"[".repeat(20)}${"]".repeat(20)}}`, "nested too deeply"],
    ['{"tags":["a\u0001"]}', "control character in a string"],
  ])("refuses %s with a reason", (text, reason) => {
    expect(() => read(text, 4)).toThrow(new TagListFormatError(reason));
  });
});
