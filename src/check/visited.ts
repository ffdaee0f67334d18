// The explorer's visited set. By default it keeps only a 64-bit fingerprint per state in an open-addressing
// table of two Uint32Arrays, as TLC does: about 16 bytes per state at load factor 1/2, instead of a key
// string and a Set entry. `ExactSet` keeps the keys themselves, for tests that cross-check fingerprints.

/**
 * A canonical state key. A safe integer key (a state packed into at most 53 bits) is fingerprinted by a
 * bijection, so it can never collide and needs no string to be built; any other key is hashed as a string.
 */
export type StateKey = string | number;

export interface VisitedSet {
  /** Adds the state key; true if it was not there before. */
  add(key: StateKey): boolean;
  readonly size: number;
  readonly exact: boolean;
}

const EMPTY = 0;

// Output registers of hashInto, so the hot path allocates nothing.
let fpHi = 0;
let fpLo = 0;

/** Two independent 32-bit multiplicative hashes of the UTF-16 code units, each finished with murmur3's fmix32. */
function hashInto(key: string): void {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ c;
  }
  fpHi = fmix32(a ^ key.length);
  fpLo = fmix32(b ^ Math.imul(a, 0xc2b2ae35));
}

/** A bijection from safe integers to 64-bit fingerprints: each 32-bit half goes through an invertible mix. */
function hashIntInto(n: number): void {
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x100000000) >>> 0;
  fpLo = fmix32(lo);
  fpHi = fmix32(hi ^ fpLo);
}

export function fingerprint64(key: StateKey): [number, number] {
  if (typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) hashIntInto(key);
  else hashInto(String(key));
  return [fpHi, fpLo];
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class FingerprintSet implements VisitedSet {
  readonly exact = false;
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;
  private hashedStrings = false;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /** True when every key so far was a safe integer, so fingerprints are exact. */
  get collisionFree(): boolean {
    return !this.hashedStrings;
  }

  add(key: StateKey): boolean {
    if (typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) {
      hashIntInto(key);
    } else {
      this.hashedStrings = true;
      hashInto(String(key));
    }
    return this.addFingerprint(fpHi, fpLo);
  }

  addFingerprint(h: number, l: number): boolean {
    // (0, 0) marks an empty slot, so the one fingerprint that equals it is moved aside.
    if (h === EMPTY && l === EMPTY) l = 1;
    const hi = this.hi;
    const lo = this.lo;
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
    for (;;) {
      const sh = hi[i];
      const sl = lo[i];
      if (sh === EMPTY && sl === EMPTY) break;
      if (sh === h && sl === l) return false;
      i = (i + 1) & this.mask;
    }
    hi[i] = h;
    lo[i] = l;
    this.count++;
    if (this.count * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const cap = oldHi.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldHi.length; j++) {
      const h = oldHi[j];
      const l = oldLo[j];
      if (h === EMPTY && l === EMPTY) continue;
      let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
      while (this.hi[i] !== EMPTY || this.lo[i] !== EMPTY) i = (i + 1) & this.mask;
      this.hi[i] = h;
      this.lo[i] = l;
    }
  }
}

export class ExactSet implements VisitedSet {
  readonly exact = true;
  private readonly keys = new Set<StateKey>();
  get size(): number {
    return this.keys.size;
  }
  add(key: StateKey): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
}

/**
 * TLC's "optimistic" estimate of the probability that two distinct states shared a fingerprint:
 * n distinct states and g generated ones give about n·(g − n) / 2^64.
 */
export function collisionProbability(distinct: number, generated: number): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** 64;
}
