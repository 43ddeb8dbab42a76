// random.ts — the one source of randomness of a chaos run: a seeded PRNG (sfc32), so that the
// seed printed with every result replays the same choices (victims, delays, fault timings).
// Children get seeds forked from the scenario's, through their environment.

export interface Random {
  /** The seed this generator started from (pass it on to replay). */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An independent generator for `label` (a scenario, a child): same seed and label, same stream. */
  fork(label: string): Random;
}

/** A 32-bit seed from the system's randomness, for a run without `--seed`. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

export function createRandom(seed: number): Random {
  const next = sfc32(seed);
  for (let i = 0; i < 12; i++) next(); // let the state mix before the first value is used
  const random: Random = {
    seed,
    next,
    between: (min, max) => min + next() * (max - min),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error("random.pick: nothing to pick from");
      return items[Math.floor(next() * items.length)] as T;
    },
    chance: (p) => next() < p,
    fork: (label) => createRandom(hash32(`${seed}/${label}`)),
  };
  return random;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded from one 32-bit number. */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
