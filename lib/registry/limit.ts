/**
 * A bounded-concurrency runner: at most `n` tasks run at once, the rest wait in order.
 */

/** Runs a task when a slot is free and resolves with its result. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Creates a limiter.
 *
 * @param concurrency the most tasks allowed to run at once, ≥ 1
 * @returns the limiter
 * @throws RangeError when concurrency is not a positive integer
 * @example const limit = createLimiter(4); await Promise.all(blobs.map((b) => limit(() => copy(b))));
 */
export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `running` never drops and rises again in between.
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}
