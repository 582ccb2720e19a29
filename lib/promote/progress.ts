/** Where progress goes: a writable text stream such as `process.stderr`. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Shows the progress of long work. On a terminal a single status line is redrawn in place (at most ten times
 * a second) and only failures stay on screen; elsewhere (CI logs) each finished step is one plain line.
 */
export interface Progress {
  /** Starts a phase of `total` steps (e.g. "reading registries", 120). */
  phase(name: string, total: number): void;
  /** Adds steps to the current phase: work found while it runs (e.g. reads that earlier answers called for). */
  more(steps: number): void;
  /** One step of the current phase is finished; `error` marks it failed. */
  step(label: string, error?: string): void;
  /** Counts bytes moved, for the status line. */
  addBytes(count: number): void;
  /** A line that must stay visible (warnings, notes). */
  note(text: string): void;
  /** Clears the live line; call once at the end. */
  finish(): void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Redraw a live line (default: `stream.isTTY` and not under CI). */
  readonly live?: boolean;
  /** Print nothing at all. */
  readonly quiet?: boolean;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/**
 * Creates a {@link Progress} writing to `stream`.
 *
 * @example
 * const progress = createProgress(process.stderr);
 * progress.phase("copying", plan.copies.length);
 * progress.step("us-central1-docker.pkg.dev/p/images/foo@sha256:…");
 * progress.finish();
 */
export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  if (options.quiet) return silentProgress;
  const live = options.live ?? (Boolean(stream.isTTY) && !process.env.CI);
  const now = options.now ?? Date.now;
  let phaseName = "";
  let total = 0;
  let done = 0;
  let failed = 0;
  let bytes = 0;
  let lastLabel = "";
  let lastDraw = 0;
  let lineShown = false;

  const statusLine = (): string => {
    const parts = [`${phaseName}: ${done}/${total}`];
    if (bytes > 0) parts.push(formatBytes(bytes));
    if (failed > 0) parts.push(`${failed} failed`);
    if (lastLabel) parts.push(lastLabel);
    return parts.join(" · ");
  };
  const clearLine = (): void => {
    if (lineShown) stream.write("\r\x1b[K");
    lineShown = false;
  };
  const draw = (force: boolean): void => {
    if (!live) return;
    const time = now();
    if (!force && time - lastDraw < 100) return;
    lastDraw = time;
    const columns = (stream as { columns?: number }).columns ?? 120;
    stream.write(`\r\x1b[K${statusLine().slice(0, Math.max(20, columns - 1))}`);
    lineShown = true;
  };
  const permanent = (text: string): void => {
    clearLine();
    stream.write(`${text}\n`);
    draw(true);
  };

  return {
    phase(name, steps) {
      phaseName = name;
      total = steps;
      done = 0;
      failed = 0;
      lastLabel = "";
      if (live) draw(true);
      else stream.write(`${name}: ${steps} to do\n`);
    },
    more(steps) {
      total += steps;
      if (live) draw(false);
      else stream.write(`${phaseName}: ${steps} more to do\n`);
    },
    step(label, error) {
      done++;
      if (error !== undefined) {
        failed++;
        permanent(`FAILED ${label}: ${error}`);
        return;
      }
      lastLabel = label;
      if (live) draw(done === total);
      else stream.write(`[${done}/${total}] ${label}\n`);
    },
    addBytes(count) {
      bytes += count;
      draw(false);
    },
    note(text) {
      if (live) permanent(text);
      else stream.write(`${text}\n`);
    },
    finish() {
      clearLine();
    },
  };
}

const silentProgress: Progress = {
  phase: () => undefined,
  more: () => undefined,
  step: () => undefined,
  addBytes: () => undefined,
  note: () => undefined,
  finish: () => undefined,
};

/**
 * Formats a byte count for people: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.0 GiB`.
 *
 * @param count bytes, ≥ 0
 */
export function formatBytes(count: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
