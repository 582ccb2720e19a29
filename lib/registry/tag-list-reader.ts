/**
 * Reads a `tags/list` answer as it streams in, keeping only the tags asked for. A repository can hold millions of
 * tags; parsing the page whole would hold its text, every tag as a string and the copies made to gather them.
 * Here memory is the tags kept plus one string at a time, whatever the page's size.
 */

/** The Google `tags/list` extension's entry for one digest, with only the kept tags. */
export interface ListedManifest {
  /** The kept tags pointing at the digest. */
  readonly tags: string[];
  /** The manifest's media type, when the page gives it. */
  mediaType: string | undefined;
}

/** What one page held. */
export interface TagListPage {
  /** The kept tags, in the page's order. */
  readonly tags: string[];
  /** Every tag the page listed, kept or not. */
  readonly listed: number;
  /** The page's last tag, kept or not (to tell a page that repeats the previous one). */
  readonly lastTag: string | undefined;
  /** digest → its kept tags and media type, only when the page had the GCR/Artifact Registry extension. */
  readonly manifests: Map<string, ListedManifest> | undefined;
  /** The repositories one level below (`child` of the GCR/Artifact Registry extension), when the page had it. */
  readonly children: string[] | undefined;
}

/** Thrown for an answer that is not a tag list (bad JSON, wrong shape, a string or nesting too large). */
export class TagListFormatError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "TagListFormatError";
  }
}

/** Longest string accepted (tags are at most 128 characters, digests 71; names and media types are short). */
const MAX_STRING_BYTES = 64 * 1024;
/** Deepest nesting accepted; a tag list is three levels deep, the extension four. */
const MAX_DEPTH = 16;

type Role = "root" | "tags" | "manifests" | "manifest" | "manifestTags" | "children" | "other";

interface Frame {
  readonly kind: "object" | "array";
  readonly role: Role;
  /** The key whose value comes next (objects), once read. */
  key: string | undefined;
  /** Objects: `key` (a key or `}`), `colon`, `value`, `comma` (`,` or `}`). Arrays: `value` (or `]`), `comma`. */
  expect: "key" | "colon" | "value" | "comma";
  /** Whether a member or element was read (`,` may follow, `}`/`]` may not follow a `,`). */
  filled: boolean;
  /** For a `manifest` frame: its digest's entry. */
  readonly entry?: ListedManifest;
}

/**
 * An incremental reader of one tag list page: feed it the body's chunks with {@link push}, then call {@link end}.
 *
 * @example
 * const reader = new TagListReader((tag) => wanted.has(tag));
 * for await (const chunk of body) reader.push(chunk);
 * const page = reader.end(); // { tags: [...kept], listed: 1_000_000, … }
 */
export class TagListReader {
  private readonly stack: Frame[] = [];
  private readonly tags: string[] = [];
  private manifests: Map<string, ListedManifest> | undefined;
  private children: string[] | undefined;
  private listed = 0;
  private lastTag: string | undefined;
  private done = false;
  // The string being read: its bytes so far, and whether it had an escape (then JSON.parse decodes it).
  private text: Buffer | undefined;
  private textLength = 0;
  private inString = false;
  private escaped = false;
  private hadEscape = false;
  // A number or literal being read.
  private bare = "";

  /** @param keep which tags to keep (all others are only counted) */
  constructor(private readonly keep: (tag: string) => boolean = () => true) {}

  /**
   * Reads the next chunk of the body.
   *
   * @param chunk bytes, split anywhere (inside a string or a multi-byte character too)
   * @throws TagListFormatError at the first byte that cannot belong to a tag list
   */
  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.inString) {
        this.stringByte(byte);
        continue;
      }
      if (this.bare !== "" && !isBareByte(byte)) this.endBare();
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
      if (isBareByte(byte)) {
        if (this.bare === "") this.startValue("scalar");
        this.bare += String.fromCharCode(byte);
        if (this.bare.length > 64) throw new TagListFormatError("number or literal too long");
        continue;
      }
      this.structural(byte);
    }
  }

  /**
   * Ends the page.
   *
   * @returns what the page held
   * @throws TagListFormatError when the body ended inside the JSON
   */
  end(): TagListPage {
    if (this.bare !== "") this.endBare();
    if (!this.done || this.inString) throw new TagListFormatError("the answer ended before the tag list did");
    return { tags: this.tags, listed: this.listed, lastTag: this.lastTag, manifests: this.manifests, children: this.children };
  }

  private structural(byte: number): void {
    const top = this.stack[this.stack.length - 1];
    switch (byte) {
      case 0x7b: // {
      case 0x5b: // [
        this.open(byte === 0x7b ? "object" : "array");
        return;
      case 0x7d: // }
      case 0x5d: // ]
        if (!top || top.kind !== (byte === 0x7d ? "object" : "array")) throw unexpected(byte);
        // After a member or element, or in an empty container; never after a `,`, a key or a `:`.
        if (top.expect !== "comma" && (top.filled || top.expect !== (top.kind === "object" ? "key" : "value"))) throw unexpected(byte);
        this.stack.pop();
        this.valueDone();
        return;
      case 0x3a: // :
        if (!top || top.expect !== "colon") throw unexpected(byte);
        top.expect = "value";
        return;
      case 0x2c: // ,
        if (!top || top.expect !== "comma") throw unexpected(byte);
        top.expect = top.kind === "object" ? "key" : "value";
        return;
      case 0x22: // "
        if (top?.kind === "object" && top.expect === "key") this.beginString();
        else {
          this.startValue("scalar");
          this.beginString();
        }
        return;
      default:
        throw unexpected(byte);
    }
  }

  /** Checks that a value may start here; returns the role a container opened here takes. */
  private startValue(kind: "scalar" | "object" | "array"): Role {
    if (this.done) throw new TagListFormatError("more JSON after the tag list");
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (kind !== "object") throw new TagListFormatError("a tag list must be a JSON object");
      return "root";
    }
    if (top.expect !== "value") throw new TagListFormatError(`unexpected value in ${top.kind}`);
    const role = childRole(top, kind);
    if (role === undefined) throw new TagListFormatError(`unexpected ${kind} under ${top.key ?? top.role}`);
    return role;
  }

  private open(kind: "object" | "array"): void {
    const role = this.startValue(kind);
    if (this.stack.length >= MAX_DEPTH) throw new TagListFormatError("nested too deeply");
    const parent = this.stack[this.stack.length - 1];
    let entry: ListedManifest | undefined;
    if (role === "manifests") this.manifests ??= new Map();
    if (role === "children") this.children ??= [];
    if (role === "manifest") {
      entry = { tags: [], mediaType: undefined };
      this.manifests!.set(parent!.key!, entry);
    }
    this.stack.push({ kind, role, key: undefined, expect: kind === "object" ? "key" : "value", filled: false, ...(entry ? { entry } : {}) });
  }

  /** A value (scalar or container) was completed in the current top frame. */
  private valueDone(): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.done = true;
      return;
    }
    top.expect = "comma";
    top.filled = true;
  }

  private beginString(): void {
    this.inString = true;
    this.escaped = false;
    this.hadEscape = false;
    this.textLength = 0;
  }

  private stringByte(byte: number): void {
    if (!this.escaped && byte === 0x22) {
      this.inString = false;
      this.endString();
      return;
    }
    if (byte < 0x20) throw new TagListFormatError("control character in a string");
    this.escaped = !this.escaped && byte === 0x5c;
    if (this.escaped) this.hadEscape = true;
    this.text ??= Buffer.alloc(MAX_STRING_BYTES);
    if (this.textLength >= MAX_STRING_BYTES) throw new TagListFormatError(`a string longer than ${MAX_STRING_BYTES} bytes`);
    this.text[this.textLength++] = byte;
  }

  private endString(): void {
    const raw = this.text?.toString("utf8", 0, this.textLength) ?? "";
    let value = raw;
    if (this.hadEscape) {
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw new TagListFormatError("bad escape in a string");
      }
    }
    const top = this.stack[this.stack.length - 1]!;
    if (top.kind === "object" && top.expect === "key") {
      top.key = value;
      top.expect = "colon";
      return;
    }
    if (top.role === "tags") {
      this.listed++;
      this.lastTag = value;
      if (this.keep(value)) this.tags.push(value);
    } else if (top.role === "manifestTags") {
      if (this.keep(value)) this.stack[this.stack.length - 2]!.entry!.tags.push(value);
    } else if (top.role === "manifest" && top.key === "mediaType") {
      top.entry!.mediaType = value;
    } else if (top.role === "children") {
      this.children!.push(value);
    }
    this.valueDone();
  }

  private endBare(): void {
    const text = this.bare;
    this.bare = "";
    if (!/^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$/.test(text)) throw new TagListFormatError(`not JSON: ${text.slice(0, 20)}`);
    const top = this.stack[this.stack.length - 1];
    // `"tags": null` is how some registries say "none".
    if (top && text !== "null" && (top.role === "tags" || top.role === "manifestTags")) throw new TagListFormatError("a tag must be a string");
    if (top && text !== "null" && top.role === "children") throw new TagListFormatError("a child repository must be a string");
    this.valueDone();
  }
}

/** The role of a value opening in `parent`, or undefined when the tag list's shape does not allow it there. */
function childRole(parent: Frame, kind: "scalar" | "object" | "array"): Role | undefined {
  const key = parent.key;
  switch (parent.role) {
    case "root":
      if (key === "tags") return kind === "array" ? "tags" : kind === "scalar" ? "other" : undefined;
      if (key === "manifest") return kind === "object" ? "manifests" : kind === "scalar" ? "other" : undefined;
      if (key === "child") return kind === "array" ? "children" : kind === "scalar" ? "other" : undefined;
      return "other";
    case "tags":
    case "manifestTags":
    case "children":
      return kind === "scalar" ? "other" : undefined;
    case "manifests":
      return kind === "object" ? "manifest" : undefined;
    case "manifest":
      if (key === "tag") return kind === "array" ? "manifestTags" : undefined;
      return "other";
    default:
      return "other";
  }
}

function isBareByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45;
}

function unexpected(byte: number): TagListFormatError {
  return new TagListFormatError(`unexpected ${JSON.stringify(String.fromCharCode(byte))}`);
}
