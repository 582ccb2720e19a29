/**
 * Splits one byte stream into several that each see every chunk, reading the source once. Unlike
 * `ReadableStream.tee()`, which buffers without bound for the slowest branch, a branch may fall behind the
 * fastest one only by a bounded number of bytes; a branch that stays at that bound while the others wait for it
 * is cut out (its stream errors), so one destination that stops reading never holds up the others for long and
 * memory stays bounded whatever the speed difference between branches.
 */

/** One consumer's view of a {@link fanOut}. */
export interface FanOutBranch {
  /** Every chunk of the source, in order; errors with the source's error, or with the cut error. */
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Stops waiting for this branch: the others go on without it (the source is cancelled once no branch is
   * left). Works whether or not the stream is locked, e.g. by a request that failed; idempotent, and a no-op
   * after the stream ended.
   */
  detach(): void;
}

/** Tunables of {@link fanOut}. */
export interface FanOutOptions {
  /** Bytes a branch may hold unread behind the fastest one; default {@link DEFAULT_LAG_BYTES}. */
  readonly lagBytes?: number;
  /** How long the other branches wait for a branch at that bound before it is cut out; default {@link DEFAULT_GRACE_MS}. */
  readonly graceMs?: number;
  /** The error a cut branch's stream ends with, given the branch's index; default a plain Error. */
  readonly cutError?: (branch: number) => unknown;
}

/** A branch may fall this far behind: a few seconds of a slow link, small against the memory of a run. */
export const DEFAULT_LAG_BYTES = 4 * 1024 * 1024;

/**
 * The others wait this long for a branch that is that far behind before it is cut out: longer than a healthy
 * connection's hiccup, short against a transfer; a branch cut by mistake only costs its own second read.
 */
export const DEFAULT_GRACE_MS = 1000;

interface BranchState {
  controller?: ReadableStreamDefaultController<Uint8Array>;
  /** Chunks read from the source that this branch has not taken yet. */
  readonly queue: Uint8Array[];
  queuedBytes: number;
  /** Resolves the branch's pending `pull`, when it has asked for a chunk and its queue was empty. */
  wants?: () => void;
  live: boolean;
  /** How the branch ends once its queue is taken, when the source ended while it still had chunks queued. */
  pendingEnd?: (state: BranchState) => void;
}

/**
 * Fans a stream out to `count` branches. The next chunk is read from the source once some branch is waiting for
 * it and every live branch has room (fewer than `lagBytes` unread); a branch that has had no room for `graceMs`
 * while another waits is cut out with `cutError`. Chunks are shared, not copied: consumers must not modify them.
 *
 * @param source the stream to read once; it is locked by the fan-out
 * @param count the number of branches, ≥ 1
 * @param options the lag bound, the grace period and the cut error
 * @returns `count` branches
 * @throws RangeError when `count` is not a positive integer
 * @example const [a, b] = fanOut(response.body, 2);
 * await Promise.allSettled([upload(a.stream).finally(a.detach), upload(b.stream).finally(b.detach)]);
 */
export function fanOut(source: ReadableStream<Uint8Array>, count: number, options: FanOutOptions = {}): FanOutBranch[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`branch count must be a positive integer, got ${count}`);
  const lagBytes = options.lagBytes ?? DEFAULT_LAG_BYTES;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const cutError = options.cutError ?? (() => new Error("fell behind the other branches"));
  const reader = source.getReader();
  const states: BranchState[] = Array.from({ length: count }, () => ({ queue: [], queuedBytes: 0, live: true }));
  let reading = false;
  let finished = false;
  /** The branches the others are waiting for, and the timer that cuts them out. */
  let blockers: ReadonlySet<BranchState> = new Set();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;

  const liveStates = (): BranchState[] => states.filter((state) => state.live);

  const give = (state: BranchState, chunk: Uint8Array): void => {
    const resolve = state.wants;
    if (resolve === undefined) {
      state.queue.push(chunk);
      state.queuedBytes += chunk.byteLength;
      return;
    }
    state.wants = undefined;
    state.controller!.enqueue(chunk);
    resolve();
  };

  const finish = (end: (state: BranchState) => void): void => {
    finished = true;
    clearTimeout(graceTimer);
    for (const state of liveStates()) {
      // Chunks already read are still delivered; the end comes after them.
      if (state.queue.length === 0) {
        state.live = false;
        end(state);
        state.wants?.();
        state.wants = undefined;
      } else state.pendingEnd = end;
    }
  };

  /** Reads the next chunk when some branch waits and all have room; else watches the branches without room. */
  const advance = async (): Promise<void> => {
    const live = liveStates();
    if (reading || finished || live.length === 0 || !live.some((state) => state.wants !== undefined)) return watch([]);
    const full = live.filter((state) => state.queuedBytes >= lagBytes);
    if (full.length > 0) return watch(full);
    watch([]);
    reading = true;
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch (error) {
      reading = false;
      return finish((state) => state.controller?.error(error));
    }
    reading = false;
    if (next.done) return finish((state) => state.controller?.close());
    for (const state of liveStates()) give(state, next.value);
    void advance();
  };

  /** Starts (or keeps) the grace period of the branches the others wait for; stops it when none is full. */
  const watch = (full: readonly BranchState[]): void => {
    const same = full.length === blockers.size && full.every((state) => blockers.has(state));
    if (same) return;
    clearTimeout(graceTimer);
    blockers = new Set(full);
    if (full.length === 0) return;
    graceTimer = setTimeout(() => {
      for (const state of blockers) cut(state);
      blockers = new Set();
      void advance();
    }, graceMs);
    graceTimer.unref();
  };

  const cut = (state: BranchState): void => {
    if (!state.live) return;
    state.live = false;
    state.queue.length = 0;
    state.queuedBytes = 0;
    state.controller?.error(cutError(states.indexOf(state)));
    state.wants?.();
    state.wants = undefined;
    if (!finished && liveStates().length === 0) {
      finished = true;
      void reader.cancel().catch(() => {});
    }
  };

  const detach = (state: BranchState): void => {
    if (!state.live) return;
    state.live = false;
    state.queue.length = 0;
    state.queuedBytes = 0;
    // Errors a locked stream too, so whoever holds it sees the end; the reason is never shown to a user.
    state.controller?.error(new Error("fan-out branch detached"));
    state.wants?.();
    state.wants = undefined;
    if (!finished && liveStates().length === 0) {
      finished = true;
      clearTimeout(graceTimer);
      void reader.cancel().catch(() => {});
      return;
    }
    void advance();
  };

  return states.map((state) => ({
    stream: new ReadableStream<Uint8Array>(
      {
        start(controller) {
          state.controller = controller;
        },
        pull(controller) {
          if (!state.live && state.pendingEnd === undefined) return;
          const chunk = state.queue.shift();
          if (chunk !== undefined) {
            state.queuedBytes -= chunk.byteLength;
            controller.enqueue(chunk);
            if (state.queue.length === 0 && state.pendingEnd !== undefined) {
              state.live = false;
              state.pendingEnd(state);
            }
            void advance();
            return;
          }
          const asked = new Promise<void>((resolve) => (state.wants = resolve));
          void advance();
          return asked;
        },
        cancel() {
          detach(state);
        },
      },
      // Zero: `pull` runs only when the consumer actually reads; the fan-out keeps the lag itself.
      { highWaterMark: 0 },
    ),
    detach: () => detach(state),
  }));
}
