/**
 * A small seeded pseudo-random generator (mulberry32), so a benchmark universe is the same on every machine
 * and every run for a given seed. Not for anything security-related.
 */
export interface SeededRandom {
  /** @returns a float in [0, 1) */
  next(): number;
  /**
   * @param min lowest value (inclusive)
   * @param max highest value (inclusive)
   * @returns an integer in [min, max]
   */
  int(min: number, max: number): number;
  /**
   * @param probability chance of `true`, in [0, 1]
   * @returns true with that probability
   */
  chance(probability: number): boolean;
  /**
   * @param items a non-empty list
   * @returns one of its items
   * @throws Error when the list is empty
   */
  pick<T>(items: readonly T[]): T;
  /** @returns 64 lowercase hex characters, e.g. the hex part of a digest */
  hex64(): string;
}

/**
 * Creates a seeded generator.
 *
 * @param seed any 32-bit integer; the same seed gives the same sequence
 * @returns the generator
 * @throws Error when the seed is not an integer
 * @example
 * const random = seededRandom(42);
 * random.int(20, 40); // the same number every run
 */
export function seededRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error("cannot pick from an empty list");
      return items[int(0, items.length - 1)]!;
    },
    hex64: () => {
      let hex = "";
      for (let i = 0; i < 8; i++) hex += ((next() * 4294967296) >>> 0).toString(16).padStart(8, "0");
      return hex;
    },
  };
}
