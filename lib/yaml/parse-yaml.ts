import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
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
  /** Syntax errors and duplicate keys, with positions. Empty when the text is well-formed. */
  readonly problems: readonly Problem[];
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
}

/**
 * Parses YAML text, keeping positions. Never throws for bad input: syntax errors and duplicate keys are
 * returned in `problems` (duplicate keys are found here rather than by the parser so that each one names
 * its path and the line of the first occurrence).
 *
 * @param file the name to show in messages, e.g. `projects/foo.yaml`
 * @param text the file's contents
 * @example
 * const parsed = parseYaml("projects/foo.yaml", "apis: [compute]\n");
 * parsed.value;                   // { apis: ["compute"] }
 * parsed.locate(["apis", 0]);     // { line: 1, col: 8 }
 */
export function parseYaml(file: string, text: string, options: ParseYamlOptions = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    schema: options.schema ?? "core",
    strict: true,
  });
  const positionOf = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problems: Problem[] = doc.errors.map((error) => ({
    file,
    ...positionOf(error.pos[0]),
    path: "",
    message: `YAML syntax: ${firstLine(error.message)}`,
  }));
  if (problems.length === 0) collectDuplicateKeys(doc.contents, [], file, positionOf, problems);

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

  return {
    file,
    value: doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : null,
    problems,
    locate,
    problemAt: (path, message, at) => ({ file, ...locate(path, at), path: formatPath(path), message }),
  };
}

function collectDuplicateKeys(
  node: unknown,
  path: PropertyKey[],
  file: string,
  positionOf: (offset: number) => Position,
  problems: Problem[],
): void {
  if (isMap(node)) {
    const firstLineByKey = new Map<string, number>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const start = rangeStart(pair.key) ?? 0;
      const first = firstLineByKey.get(key);
      if (first !== undefined) {
        problems.push({
          file,
          ...positionOf(start),
          path: formatPath([...path, key]),
          message: `duplicate key (first on line ${first})`,
        });
      } else firstLineByKey.set(key, positionOf(start).line);
      collectDuplicateKeys(pair.value, [...path, key], file, positionOf, problems);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => collectDuplicateKeys(item, [...path, index], file, positionOf, problems));
  }
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
