import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import { formatPath, type Problem } from "../diagnostics/problem";

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A YAML file parsed to plain data, with what is needed to point back into its text. */
export interface ParsedYaml {
  /** The file as shown in messages. */
  readonly file: string;
  /**
   * The document as plain JavaScript data: `null` for an empty document or one with syntax errors. Duplicate
   * keys do not null it (the last one wins), so schema rules can still report everything else.
   */
  readonly value: unknown;
  /** Syntax errors, duplicate keys, unknown tags and runaway aliases, with positions. Empty when the text is well-formed. */
  readonly problems: readonly Problem[];
  /** Harmless findings: duplicate keys with identical values, when {@link ParseYamlOptions.identicalDuplicates} says so. */
  readonly warnings: readonly Problem[];
  /**
   * Where a path in the document is written. Falls back to the deepest part of the path that exists, so a
   * missing key points at the map that lacks it.
   *
   * @param path keys and indexes from the document root
   * @param at `"key"` for the key of the last map entry (unknown keys), `"value"` (default) for its value
   */
  locate(path: readonly PropertyKey[], at?: "key" | "value"): Position;
  /** A {@link Problem} for `path` with `message`, located by {@link ParsedYaml.locate}. */
  problemAt(path: readonly PropertyKey[], message: string, at?: "key" | "value"): Problem;
}

/** Options for {@link parseYaml}. */
export interface ParseYamlOptions {
  /**
   * `"core"` (default) reads numbers and booleans as such; `"failsafe"` reads every scalar as the exact string
   * written, so a tag `1.10` stays `"1.10"`.
   */
  readonly schema?: "core" | "failsafe";
  /**
   * `"error"` (default): every duplicate key is a problem. `"warning"`: a duplicate whose value is identical to the
   * first one's cannot change the data, so it is a warning; a duplicate with another value stays a problem.
   */
  readonly identicalDuplicates?: "error" | "warning";
}

/** Alias expansions allowed when building the data: enough for any hand-written file, far too few for an alias bomb. */
export const MAX_ALIAS_COUNT = 1000;

/**
 * Parses YAML text, keeping positions. Never throws for bad input: syntax errors, duplicate keys, tags other
 * than the schema's own, aliases that expand too far and nesting too deep to read are returned in `problems`
 * (duplicate keys are found here rather than by the parser so that each one names its path and the line of the
 * first occurrence). Time and memory grow with the text's length, so callers bound what they read.
 *
 * @param file the name to show in messages, e.g. `projects/foo.yaml`
 * @param text the file's contents
 * @param options the schema, and whether identical duplicate keys are only warnings
 * @returns the data, its problems and warnings, and a way to locate paths in the text
 * @example
 * const parsed = parseYaml("projects/foo.yaml", "apis: [compute]\n");
 * parsed.value;                   // { apis: ["compute"] }
 * parsed.locate(["apis", 0]);     // { line: 1, col: 8 }
 */
export function parseYaml(file: string, text: string, options: ParseYamlOptions = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const positionOf = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, schema: options.schema ?? "core", strict: true });
  } catch (error) {
    // The parser recurses per nesting level; a file nested thousands deep exhausts the stack before it reports.
    return unreadable(file, { line: 1, col: 1 }, tooDeep(error));
  }
  const problems: Problem[] = [];
  let nestingOffset: number | undefined;
  for (const error of doc.errors) {
    // Every level the parser was unwinding reports the overflow again: keep the outermost one only.
    if (/Maximum call stack/.test(error.message)) nestingOffset = Math.min(nestingOffset ?? Infinity, error.pos[0]);
    else problems.push({ file, ...positionOf(error.pos[0]), path: "", message: `YAML syntax: ${firstLine(error.message)}` });
  }
  if (nestingOffset !== undefined) problems.push({ file, ...positionOf(nestingOffset), path: "", message: `YAML syntax: ${NESTING}` });
  // An unknown tag (`!!python/object/…`, `!foo`) is a warning to the parser, which then uses the plain value.
  for (const warning of doc.warnings) {
    if (warning.code !== "TAG_RESOLVE_FAILED") continue;
    problems.push({ file, ...positionOf(warning.pos[0]), path: "", message: `YAML tag not allowed: ${firstLine(warning.message).replace(/^Unresolved tag: /, "")}` });
  }
  const warnings: Problem[] = [];
  if (problems.length === 0) {
    const duplicates = { doc, file, positionOf, problems, warnings, identical: options.identicalDuplicates ?? "error" };
    collectDuplicateKeys(doc.contents, [], duplicates);
  }

  const locate = (path: readonly PropertyKey[], at: "key" | "value" = "value"): Position => {
    let node: unknown = doc.contents;
    let found: Position = positionOf(rangeStart(doc.contents) ?? 0);
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        // The last of duplicate keys is the one whose value the data holds.
        const pair = node.items.findLast((item) => keyText(item.key) === String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (keyStart !== undefined) found = positionOf(keyStart);
        if (i === path.length - 1 && at === "key") return found;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (node === undefined) break;
      } else break;
      const start = rangeStart(node);
      if (start !== undefined) found = positionOf(start);
    }
    return found;
  };

  let value: unknown = null;
  if (doc.errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // Thrown without a position ("Excessive alias count…"): point at the first alias, so the file can be fixed.
      const alias = /alias/i.test((error as Error).message) ? firstAliasOffset(doc) : undefined;
      const message = alias === undefined ? tooDeep(error) : `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes; the file was not read`;
      problems.push({ file, ...positionOf(alias ?? 0), path: "", message });
    }
  }
  return {
    file,
    value,
    problems,
    warnings,
    locate,
    problemAt: (path, message, at) => ({ file, ...locate(path, at), path: formatPath(path), message }),
  };
}

const NESTING = "nested too deeply to read";

function tooDeep(error: unknown): string {
  if (error instanceof RangeError) return `YAML ${NESTING}`;
  throw error;
}

/** The result for a file that could not be parsed at all. */
function unreadable(file: string, at: Position, message: string): ParsedYaml {
  const problem = { file, ...at, path: "", message };
  return { file, value: null, problems: [problem], warnings: [], locate: () => at, problemAt: () => problem };
}

function firstAliasOffset(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

interface DuplicateContext {
  readonly doc: Document.Parsed;
  readonly file: string;
  readonly positionOf: (offset: number) => Position;
  readonly problems: Problem[];
  readonly warnings: Problem[];
  readonly identical: "error" | "warning";
}

function collectDuplicateKeys(node: unknown, path: PropertyKey[], context: DuplicateContext): void {
  if (isMap(node)) {
    const firstByKey = new Map<string, { line: number; value: unknown }>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const start = rangeStart(pair.key) ?? 0;
      const first = firstByKey.get(key);
      if (first !== undefined) {
        const same = context.identical === "warning" && sameValue(context.doc, first.value, pair.value);
        (same ? context.warnings : context.problems).push({
          file: context.file,
          ...context.positionOf(start),
          path: formatPath([...path, key]),
          message: same
            ? `duplicate key with the same value as on line ${first.line}; the duplicate changes nothing`
            : `duplicate key (first on line ${first.line})`,
        });
      } else firstByKey.set(key, { line: context.positionOf(start).line, value: pair.value });
      collectDuplicateKeys(pair.value, [...path, key], context);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => collectDuplicateKeys(item, [...path, index], context));
  }
}

function sameValue(doc: Document.Parsed, a: unknown, b: unknown): boolean {
  // Aliases are not followed: a duplicate written as an alias is not called identical.
  if (isAlias(a) || isAlias(b)) return false;
  const data = (node: unknown) => JSON.stringify(isNode(node) ? node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) : node);
  return data(a) === data(b);
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.source ?? key.value);
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
