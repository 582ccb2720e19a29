import { applySplices, type Splice } from "./edit-images-yaml";

/**
 * Shows splices of a file as a unified diff without context lines (`git apply --unidiff-zero` takes it): each
 * changed line as `-old` / `+new`, each inserted line as `+new`, under `@@ -L,N +L,N @@` headers.
 *
 * @param file the path to show (`a/` and `b/` are prefixed)
 * @param text the original text
 * @param splices the change, sorted by offset, not overlapping
 * @returns the diff, ending with a newline; empty when there are no splices
 * @example unifiedDiff("images/p/images.yaml", text, splices)
 * // --- a/images/p/images.yaml
 * // +++ b/images/p/images.yaml
 * // @@ -3 +3 @@
 * // -    "sha256:…": ["v1"]
 * // +    "sha256:…": ["v1", "v1.0"]
 */
export function unifiedDiff(file: string, text: string, splices: readonly Splice[]): string {
  if (splices.length === 0) return "";
  const out = [`--- a/${file}`, `+++ b/${file}`];
  let delta = 0;
  for (const hunk of hunksOf(text, splices)) {
    const before = linesOf(text.slice(hunk.start, hunk.end));
    const after = linesOf(applySplices(text.slice(hunk.start, hunk.end), hunk.splices.map((s) => ({ ...s, offset: s.offset - hunk.start }))));
    const line = lineNumber(text, hunk.start);
    // A range of zero lines is numbered by the line before it.
    const oldStart = before.length === 0 ? line - 1 : line;
    const newStart = after.length === 0 ? line - 1 + delta : line + delta;
    out.push(`@@ -${range(oldStart, before.length)} +${range(newStart, after.length)} @@`, ...before.map((l) => `-${l}`), ...after.map((l) => `+${l}`));
    delta += after.length - before.length;
  }
  return `${out.join("\n")}\n`;
}

interface Hunk {
  /** Start of the first whole line touched (or the insertion point, for whole lines inserted). */
  readonly start: number;
  /** End of the last whole line touched. */
  end: number;
  readonly splices: Splice[];
}

function hunksOf(text: string, splices: readonly Splice[]): Hunk[] {
  const hunks: Hunk[] = [];
  for (const splice of splices) {
    const wholeLines = splice.remove === 0 && atLineStart(text, splice.offset) && splice.text.endsWith("\n");
    const start = wholeLines ? splice.offset : lineStartOf(text, splice.offset);
    const end = wholeLines ? splice.offset : lineEndOf(text, splice.offset + splice.remove, splice.remove > 0);
    const last = hunks.at(-1);
    if (last !== undefined && start < last.end) {
      last.end = Math.max(last.end, end);
      last.splices.push(splice);
    } else hunks.push({ start, end, splices: [splice] });
  }
  return hunks;
}

function atLineStart(text: string, offset: number): boolean {
  return offset === 0 || text[offset - 1] === "\n";
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The end (after the newline) of the line holding `offset`; with `exclusive`, an offset at a line start ends there. */
function lineEndOf(text: string, offset: number, exclusive: boolean): number {
  if (exclusive && atLineStart(text, offset)) return offset;
  const newline = text.indexOf("\n", offset);
  return newline < 0 ? text.length : newline + 1;
}

function lineNumber(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) line++;
  return line;
}

function linesOf(segment: string): string[] {
  if (segment === "") return [];
  const lines = segment.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
