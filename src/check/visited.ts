// The explorer's visited set. By default it keeps only a 64-bit fingerprint per state in an open-addressing
// table, as TLC does: 8 bytes per slot at load factor ≤ 3/4, instead of a key string and a Set entry. The two
// halves of a fingerprint sit side by side, so a probe touches one cache line.
// `ExactSet` keeps the keys themselves, for tests that cross-check fingerprints.
import { FP, fmix32 } from '../shared/fingerprint';
export { FP };

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


/** Two independent 32-bit multiplicative hashes of the UTF-16 code units, each finished with murmur3's fmix32. */
function hashInto(key: string): void {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ c;
  }
  FP[0] = fmix32(a ^ key.length);
  FP[1] = fmix32(b ^ Math.imul(a, 0xc2b2ae35));
}

/** A bijection from safe integers to 64-bit fingerprints: each 32-bit half goes through an invertible mix. */
function hashIntInto(n: number): void {
  const lo = fmix32(n >>> 0);
  FP[1] = lo;
  FP[0] = fmix32((Math.floor(n / 0x100000000) >>> 0) ^ lo);
}

const isIntKey = (key: StateKey): key is number => typeof key === 'number' && Number.isSafeInteger(key) && key >= 0;

/** Fingerprints a key into FP; returns true when the key was an integer (so the fingerprint is exact). */
export function fingerprintInto(key: StateKey): boolean {
  if (isIntKey(key)) {
    hashIntInto(key);
    return true;
  }
  hashInto(String(key));
  return false;
}

export function fingerprint64(key: StateKey): [number, number] {
  fingerprintInto(key);
  return [FP[0], FP[1]];
}


/** Home slot of a fingerprint; its low bits only, so parallel.ts partitions by the high bits of `hi`. */
const home = (h: number, l: number, mask: number): number => (h ^ Math.imul(l, 0x9e3779b1)) & mask;

/** Grow once more than 3/4 of the slots are taken: linear probing stays short, and rms = 9 fits in 2^24 slots. */
const full = (count: number, slots: number): boolean => count * 4 > slots * 3;

export class FingerprintSet implements VisitedSet {
  readonly exact = false;
  /** Slot i holds hi at 2i and lo at 2i + 1; (0, 0) is empty. */
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private hashedStrings = false;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < initialCapacity) cap <<= 1;
    this.table = new Uint32Array(2 * cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /** True when every key so far was a safe integer, so fingerprints are exact. */
  get collisionFree(): boolean {
    return !this.hashedStrings;
  }

  add(key: StateKey): boolean {
    if (!fingerprintInto(key)) this.hashedStrings = true;
    return this.addFingerprint(FP[0], FP[1]);
  }

  /** Notes that a string key was hashed before `addFingerprint` (see explore.ts). */
  markHashedStrings(): void {
    this.hashedStrings = true;
  }

  addFingerprint(h: number, l: number): boolean {
    // (0, 0) marks an empty slot, so the one fingerprint that equals it is moved aside.
    if (h === EMPTY && l === EMPTY) l = 1;
    const t = this.table;
    const mask = this.mask;
    let i = home(h, l, mask);
    for (;;) {
      const sh = t[2 * i];
      const sl = t[2 * i + 1];
      if (sh === EMPTY && sl === EMPTY) break;
      if (sh === h && sl === l) return false;
      i = (i + 1) & mask;
    }
    t[2 * i] = h;
    t[2 * i + 1] = l;
    this.count++;
    if (full(this.count, mask + 1)) this.grow();
    return true;
  }

  /** Calls `f` with every fingerprint in the set. */
  forEach(f: (h: number, l: number) => void): void {
    const t = this.table;
    for (let i = 0; i < t.length; i += 2) if (t[i] !== EMPTY || t[i + 1] !== EMPTY) f(t[i], t[i + 1]);
  }

  /** Forgets every fingerprint and keeps the table (for per-level scratch sets). */
  clear(): void {
    if (this.count > 0) this.table.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const old = this.table;
    const slots = old.length; // twice the old slot count
    const t = new Uint32Array(2 * slots);
    const mask = slots - 1;
    for (let j = 0; j < old.length; j += 2) {
      const h = old[j];
      const l = old[j + 1];
      if (h === EMPTY && l === EMPTY) continue;
      let i = home(h, l, mask);
      while (t[2 * i] !== EMPTY || t[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      t[2 * i] = h;
      t[2 * i + 1] = l;
    }
    this.table = t;
    this.mask = mask;
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
