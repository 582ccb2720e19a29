/**
 * Splits one byte stream into several that each see every chunk, reading the source once. Unlike
 * `ReadableStream.tee()`, which buffers for the slowest branch, a chunk is read from the source only when every
 * live branch has asked for it, so memory stays at one chunk whatever the speed difference between branches.
 */

/** One consumer's view of a {@link fanOut}. */
export interface FanOutBranch {
  /** Every chunk of the source, in order; errors with the source's error. */
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Stops waiting for this branch: the others go on without it (the source is cancelled once no branch is
   * left). Works whether or not the stream is locked, e.g. by a request that failed; idempotent, and a no-op
   * after the stream ended.
   */
  detach(): void;
}

interface BranchState {
  controller?: ReadableStreamDefaultController<Uint8Array>;
  /** Resolves the branch's pending `pull`, when it has asked for the next chunk. */
  wants?: () => void;
  live: boolean;
}

/**
 * Fans a stream out to `count` branches with backpressure: the next chunk is read only when every branch not
 * detached has consumed the current one. Chunks are shared, not copied: consumers must not modify them.
 *
 * @param source the stream to read once; it is locked by the fan-out
 * @param count the number of branches, ≥ 1
 * @returns `count` branches
 * @throws RangeError when `count` is not a positive integer
 * @example const [a, b] = fanOut(response.body, 2);
 * await Promise.allSettled([upload(a.stream).finally(a.detach), upload(b.stream).finally(b.detach)]);
 */
export function fanOut(source: ReadableStream<Uint8Array>, count: number): FanOutBranch[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`branch count must be a positive integer, got ${count}`);
  const reader = source.getReader();
  const states: BranchState[] = Array.from({ length: count }, () => ({ live: true }));
  let reading = false;
  let finished = false;

  const liveStates = (): BranchState[] => states.filter((state) => state.live);

  const finish = (end: (state: BranchState) => void): void => {
    finished = true;
    for (const state of liveStates()) {
      state.live = false;
      end(state);
      state.wants?.();
      state.wants = undefined;
    }
  };

  /** Reads the next chunk once every live branch waits for it, and hands it to all of them. */
  const advance = async (): Promise<void> => {
    const live = liveStates();
    if (reading || finished || live.length === 0 || live.some((state) => state.wants === undefined)) return;
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
    for (const state of liveStates()) {
      state.controller!.enqueue(next.value);
      const resolve = state.wants!;
      state.wants = undefined;
      resolve();
    }
  };

  const detach = (state: BranchState): void => {
    if (!state.live) return;
    state.live = false;
    // Errors a locked stream too, so whoever holds it sees the end; the reason is never shown to a user.
    state.controller?.error(new Error("fan-out branch detached"));
    state.wants?.();
    state.wants = undefined;
    if (!finished && liveStates().length === 0) {
      finished = true;
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
        pull() {
          if (!state.live) return;
          const asked = new Promise<void>((resolve) => (state.wants = resolve));
          void advance();
          return asked;
        },
        cancel() {
          detach(state);
        },
      },
      // Zero: `pull` runs only when the consumer actually reads, which is what lets the slowest branch set the pace.
      { highWaterMark: 0 },
    ),
    detach: () => detach(state),
  }));
}
