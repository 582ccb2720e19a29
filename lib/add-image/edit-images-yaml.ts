import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import { digestLine, NO_IMAGES_YET, renderImagesYaml } from "../inventory/images-yaml";
import { compareText } from "../promote/plan/edges";
import type { ImageAddition } from "./plan-additions";

/** Text to insert at an offset of the original file (replacing `remove` characters there). */
export interface Splice {
  /** Where, in UTF-16 code units of the original text. */
  readonly offset: number;
  /** How many characters of the original it replaces; 0 (an insertion) unless a blank file is rewritten. */
  readonly remove: number;
  /** What to put there. */
  readonly text: string;
}

/** An `images.yaml` whose layout the editor does not handle; the message says what to do instead. */
export class UnsupportedLayoutError extends Error {
  /** @param message what is unusual, and that the file must be edited by hand */
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedLayoutError";
  }
}

/**
 * Plans the insertions that add tags and digests to an `images.yaml` without touching anything else: the yaml
 * Document API locates the nodes, and new text goes in beside them in the file's own layout (indentation, the
 * separator inside tag lists). Re-serialising the document would instead reformat lines nobody changed (it
 * does, on 4 of the 10 real files), which reviewers would have to read and `check --base` might flag.
 *
 * - a new tag on a listed digest: appended to its tag list;
 * - a new digest of a listed image: a line after the image's last digest;
 * - a new image: an entry at its sorted place when the file is sorted by name, else at the end;
 * - a blank file (`# No images yet`): the entries, that comment dropped, other comments kept.
 *
 * @param text the file's text (already validated)
 * @param additions what to add (tags not yet listed for their image)
 * @returns the insertions, at most one per offset, in file order
 * @throws UnsupportedLayoutError for layouts it does not edit (a flow-style top level, a key on an odd line)
 * @example applySplices(text, additionSplices(text, [{ image: "app", digest: "sha256:…", tags: ["v1"] }]))
 */
export function additionSplices(text: string, additions: readonly ImageAddition[]): Splice[] {
  const doc = parseDocument(text, { schema: "failsafe" });
  if (doc.errors.length > 0) throw new UnsupportedLayoutError(`not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  const top = doc.contents;
  if (top === null || (isScalar(top) && top.value === "")) return [{ offset: 0, remove: text.length, text: blankFileText(text, additions) }];
  if (!isSeq(top) || top.flow) throw new UnsupportedLayoutError("the top level is not a block list of images; edit it by hand");
  const layout = new Layout(text, top as YAMLSeq<YAMLMap>);
  const splices = new Map<number, string[]>();
  const insert = (offset: number, piece: string) => (splices.get(offset) ?? splices.set(offset, []).get(offset)!).push(piece);
  const newImages = new Map<string, ImageAddition[]>();

  for (const addition of additions) {
    const entry = layout.entry(addition.image);
    if (entry === undefined) {
      newImages.set(addition.image, [...(newImages.get(addition.image) ?? []), addition]);
      continue;
    }
    const dmap = entry.get("dmap", true) as unknown as YAMLMap;
    const pair = dmap.items.find((item) => isScalar(item.key) && item.key.value === addition.digest);
    if (pair) layout.addTags(pair, addition.tags, insert);
    else layout.addDigest(dmap, addition, insert);
  }
  for (const [image, entries] of [...newImages].sort(([a], [b]) => compareText(a, b))) {
    const { offset, piece } = layout.newEntry(image, entries);
    insert(offset, piece);
  }
  return [...splices].sort(([a], [b]) => a - b).map(([offset, pieces]) => ({ offset, remove: 0, text: pieces.join("") }));
}

/**
 * Applies splices to the text they were planned on.
 *
 * @param text the original text
 * @param splices from {@link additionSplices}: sorted by offset, not overlapping
 * @returns the new text
 */
export function applySplices(text: string, splices: readonly Splice[]): string {
  let result = "";
  let at = 0;
  for (const splice of splices) {
    result += text.slice(at, splice.offset) + splice.text;
    at = splice.offset + splice.remove;
  }
  return result + text.slice(at);
}

/** Reads the layout of an images.yaml around the nodes to change. */
class Layout {
  /** The tag separator of the file's flow lists (`", "` or `","`). */
  private readonly separator: string;

  constructor(private readonly text: string, private readonly top: YAMLSeq<YAMLMap>) {
    this.separator = this.tagSeparator();
  }

  /** The first entry of an image, if listed. */
  entry(image: string): YAMLMap | undefined {
    return this.top.items.find((item) => isMap(item) && String(item.get("name")) === image);
  }

  addTags(pair: Pair, tags: readonly string[], insert: (offset: number, text: string) => void): void {
    const list = pair.value as YAMLSeq;
    const quoted = tags.map((tag) => JSON.stringify(tag));
    if (list.flow) {
      const close = list.range![1] - 1;
      if (this.text[close] !== "]") throw new UnsupportedLayoutError(`the tag list at offset ${list.range![0]} does not end in "]"; edit it by hand`);
      insert(close, `${list.items.length > 0 ? this.separator : ""}${quoted.join(this.separator)}`);
      return;
    }
    const last = list.items.at(-1) as YamlNode;
    const prefix = this.text.slice(this.lineStart(last.range![0]), last.range![0]);
    if (!/^\s*-\s+$/.test(prefix)) throw new UnsupportedLayoutError(`the tag list item at offset ${last.range![0]} is not on its own line; edit it by hand`);
    insert(this.lineEndAfter(last.range![1]), this.lines(quoted.map((tag) => `${prefix}${tag}`), last.range![1]));
  }

  addDigest(dmap: YAMLMap, addition: ImageAddition, insert: (offset: number, text: string) => void): void {
    if (dmap.flow) {
      const close = dmap.range![1] - 1;
      if (this.text[close] !== "}") throw new UnsupportedLayoutError(`the dmap at offset ${dmap.range![0]} does not end in "}"; edit it by hand`);
      insert(close, `${dmap.items.length > 0 ? ", " : ""}${digestLine("", addition.digest, addition.tags, this.separator)}`);
      return;
    }
    const first = dmap.items[0]!.key as YamlNode;
    const indent = this.text.slice(this.lineStart(first.range![0]), first.range![0]);
    if (!/^ *$/.test(indent)) throw new UnsupportedLayoutError(`the dmap key at offset ${first.range![0]} is not at the start of its line; edit it by hand`);
    const last = dmap.items.at(-1)!;
    const end = ((last.value ?? last.key) as YamlNode).range![1];
    insert(this.lineEndAfter(end), this.lines([digestLine(indent, addition.digest, addition.tags, this.separator)], end));
  }

  newEntry(image: string, additions: readonly ImageAddition[]): { offset: number; piece: string } {
    const items = this.top.items;
    const first = items[0]!;
    const prefix = this.text.slice(this.lineStart(first.range![0]), first.range![0]);
    if (!/^ *- +$/.test(prefix)) throw new UnsupportedLayoutError(`the first image entry is not written "- name: …"; add ${image} by hand`);
    const continuation = " ".repeat(prefix.length);
    const keyIndent = " ".repeat(this.digestIndentWithinEntry());
    const lines = [
      `${prefix}name: ${image}`,
      `${continuation}dmap:`,
      ...additions.map((addition) => digestLine(`${continuation}${keyIndent}`, addition.digest, addition.tags, this.separator)),
    ];
    const names = items.map((item) => String(item.get("name")));
    const sorted = names.every((name, index) => index === 0 || compareText(names[index - 1]!, name) <= 0);
    const before = sorted ? names.filter((name) => compareText(name, image) < 0).length : items.length;
    if (before === 0) return { offset: this.lineStart(first.range![0]), piece: `${lines.join("\n")}\n` };
    const end = items[before - 1]!.range![1];
    return { offset: this.lineEndAfter(end), piece: this.lines(lines, end) };
  }

  /** Lines to insert after the line holding `end`, with a newline first when that line is the file's last and has none. */
  private lines(lines: readonly string[], end: number): string {
    const atEnd = this.lineEndAfter(end) === this.text.length && !this.text.endsWith("\n");
    return `${atEnd ? "\n" : ""}${lines.join("\n")}${atEnd ? "" : "\n"}`;
  }

  /** How far a dmap key sits to the right of its entry's `name` (2 in the real files). */
  private digestIndentWithinEntry(): number {
    for (const item of this.top.items) {
      const dmap = item.get("dmap", true);
      if (!isMap(dmap) || dmap.flow || dmap.items.length === 0) continue;
      const key = (dmap.items[0]!.key as YamlNode).range![0];
      return Math.max(1, this.column(key) - this.column(item.range![0]));
    }
    return 2;
  }

  private tagSeparator(): string {
    for (const item of this.top.items) {
      const dmap = item.get("dmap", true);
      if (!isMap(dmap)) continue;
      for (const pair of dmap.items) {
        const list = pair.value;
        if (isSeq(list) && list.flow && list.items.length > 1) {
          const [a, b] = list.items as YamlNode[];
          return this.text.slice(a!.range![1], b!.range![0]);
        }
      }
    }
    return ", ";
  }

  private column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  private lineStart(offset: number): number {
    return this.text.lastIndexOf("\n", offset - 1) + 1;
  }

  /** The start of the line after the one holding `offset` (or `offset` itself when it starts a line). */
  private lineEndAfter(offset: number): number {
    if (offset === 0 || this.text[offset - 1] === "\n") return offset;
    const newline = this.text.indexOf("\n", offset);
    return newline < 0 ? this.text.length : newline + 1;
  }
}

/** A blank images.yaml (comments only) becomes its comments, less `# No images yet`, then the new entries. */
function blankFileText(text: string, additions: readonly ImageAddition[]): string {
  const images = new Map<string, Map<string, readonly string[]>>();
  for (const { image, digest, tags } of additions) {
    if (!images.has(image)) images.set(image, new Map());
    images.get(image)!.set(digest, tags);
  }
  const kept = text.split("\n").filter((line) => `${line.trim()}\n` !== NO_IMAGES_YET);
  while (kept.length > 0 && kept.at(-1)!.trim() === "") kept.pop();
  return `${kept.map((line) => `${line}\n`).join("")}${renderImagesYaml(images)}`;
}
