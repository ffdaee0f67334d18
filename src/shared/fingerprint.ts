// Structural fingerprints of plain state, so that a model never writes a key. A state is plain data: records
// (property order irrelevant), arrays, strings, finite numbers, bigints, booleans, null and undefined, and Sets
// and Maps compared as sets and maps (insertion order irrelevant), nested. The fingerprint is 64 bits in two
// 32-bit lanes, written to FP like visited.ts's string hash, with no string built on the way.
//
// Records, Sets and Maps combine their entries by addition of well-mixed entry hashes, which is commutative, so
// no sorting is needed; arrays combine in order. Each value is tagged with its kind, so [1], Set{1} and {0: 1}
// differ. A property whose value is undefined counts as absent, as in JSON.
//
// Incremental: `setParent(s)` hashes the state being expanded and remembers the hash of each of its composite
// parts by identity; a successor built as `{ ...s, x }` then hashes only what is new, since every part it shares
// with its parent by reference is looked up. The memo is cleared with each new parent, so it stays small.
//
// A Set or Map holding two structurally equal elements (e.g. `{type: 'Commit'}` built afresh in two steps) is
// rejected as bad input: JavaScript would count them as two elements where the paper has one, so `has` and `size`
// would already be wrong in the model. Build such values once (`intern`) or key them by a string.
import { isDeepStrictEqual } from 'node:util';
import { fail } from './errors';

/** Output registers of a fingerprint: [hi, lo]. Writing here keeps the hot path free of allocation. */
export const FP = new Uint32Array(2);

const TAG_NULL = 0x1b873593;
const TAG_UNDEF = 0x2c1b3c6d;
const TAG_TRUE = 0x297a2d39;
const TAG_FALSE = 0x6a09e667;
const TAG_INT = 0x3c6ef372;
const TAG_FLOAT = 0x510e527f;
const TAG_STR = 0x5be0cd19;
const TAG_ARRAY = 0x1f83d9ab;
const TAG_RECORD = 0x9b05688c;
const TAG_SET = 0x7137449e;
const TAG_MAP = 0x3956c25b;
const TAG_BIGINT = 0x59f111f1;

/** murmur3's 32-bit finaliser (also the visited set's). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The result of the last hash, in two lanes (module registers: no allocation on the hot path).
let ha = 0;
let hb = 0;

// The lanes of short strings met so far: one Map lookup gives an index into the two lane arrays.
const STRING_CACHE_LIMIT = 1 << 16;
const strings = new Map<string, number>();
const stringA = new Uint32Array(STRING_CACHE_LIMIT);
const stringB = new Uint32Array(STRING_CACHE_LIMIT);

/** While an orbit is computed: node ids renamed wherever they occur (see symmetry.ts); the memo is not used. */
let renaming: ReadonlyMap<string, string> | null = null;

function hashString(s: string): void {
  if (renaming !== null) s = renaming.get(s) ?? s;
  const cached = strings.get(s);
  if (cached !== undefined) {
    ha = stringA[cached];
    hb = stringB[cached];
    return;
  }
  let a = 0x9e3779b9 ^ TAG_STR;
  let b = 0x85ebca6b;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ c;
  }
  ha = fmix32(a ^ s.length);
  hb = fmix32(b ^ Math.imul(a, 0xc2b2ae35) ^ TAG_STR);
  if (s.length <= 64) {
    if (strings.size >= STRING_CACHE_LIMIT) strings.clear();
    const i = strings.size;
    stringA[i] = ha;
    stringB[i] = hb;
    strings.set(s, i);
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashNumber(n: number): void {
  if ((n | 0) === n) {
    ha = fmix32(n ^ TAG_INT);
    hb = fmix32(Math.imul(n, 0x27d4eb2f) ^ TAG_FLOAT);
    return;
  }
  if (!Number.isFinite(n)) throw new BadValue(`the non-finite number ${n}`);
  f64[0] = n === 0 ? 0 : n; // -0 is 0
  ha = fmix32(u32[0] ^ fmix32(u32[1] ^ TAG_FLOAT));
  hb = fmix32(u32[1] ^ Math.imul(u32[0], 0x165667b1) ^ TAG_INT);
}

/** Thrown inside the hash and turned into one line naming the path (found by a second, slower walk). */
class BadValue extends Error {}

/**
 * Identity memo of the current parent's composite parts: object → [a, b] (its two lanes); for a Set also its sums
 * [a, b, sum a, sum b]; for a record [a, b, sum a, sum b, entries, arena offset, arena count], the sums before
 * finishing and its run of entries in the arena below, so that a record derived from it by changing a few
 * properties can be hashed from the difference. (An interned record's lanes, kept for good, have no arena run.)
 */
// The first MEMO_LINEAR parts in two arrays searched by identity (a few pointer compares beat a Map's hashing for
// the handful of parts a state has), the rest in a Map.
const MEMO_LINEAR = 16;
const memoObj: (object | null)[] = new Array(MEMO_LINEAR).fill(null);
const memoVal: (number[] | undefined)[] = new Array(MEMO_LINEAR).fill(undefined);
let memoLen = 0;
let memoMap: Map<object, number[]> | null = null;

function memoGet(o: object): number[] | undefined {
  // The parent itself is memoised last (parts before wholes) and asked for first, by every successor.
  if (memoLen > 0 && memoObj[memoLen - 1] === o) return memoVal[memoLen - 1];
  for (let i = 0; i < memoLen; i++) if (memoObj[i] === o) return memoVal[i];
  return memoMap === null ? undefined : memoMap.get(o);
}

function memoSet(o: object, v: number[]): void {
  if (memoLen < MEMO_LINEAR) {
    memoObj[memoLen] = o;
    memoVal[memoLen++] = v;
  } else (memoMap ??= new Map()).set(o, v);
}

function memoClear(): void {
  memoObj.fill(null);
  memoVal.fill(undefined);
  memoLen = 0;
  memoMap = null;
  arenaKeys.fill(undefined);
  arenaVals.fill(undefined);
  arenaTop = 0;
}

// The entries of the parent's records, kept while it is hashed (recording): per property, in for-in order, its
// key and value (references) and four lanes (the key's hash, the entry's hash). A memo entry of a record points
// at its run of them, so that a successor's record is compared with its twin's by position, and a changed entry
// is taken out without hashing the old value or the key again. Entries are built on a stack (records nest) and
// copied to the arena when their record is done.
let arenaLanes = new Uint32Array(1024);
let arenaKeys: (string | undefined)[] = [];
let arenaVals: unknown[] = [];
let arenaTop = 0;
let stackLanes = new Uint32Array(1024);
const stackKeys: (string | undefined)[] = [];
const stackVals: unknown[] = [];
let stackTop = 0;
/** The arena run of the record hashRecordRecording finished last. */
let recOff = 0;
let recCnt = 0;

function grown(a: Uint32Array<ArrayBuffer>, need: number): Uint32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}
/** The lanes of every interned value (see intern), for good: interned values are frozen and never change. */
const internedHash = new WeakMap<object, number[]>();
/** Records' sums and entry count, set by hashRecord for the memo. */
let recA = 0;
let recB = 0;
let recN = 0;
let recording = false;
let depth = 0;
const MAX_DEPTH = 200;

// Scratch for the element hashes of one Set or Map, to find structurally equal elements; a stack, since they nest.
let scratch = new Uint32Array(256);
let top = 0;

function hashValue(v: unknown): void {
  switch (typeof v) {
    case 'string':
      hashString(v);
      return;
    case 'number':
      hashNumber(v);
      return;
    case 'boolean':
      ha = v ? TAG_TRUE : TAG_FALSE;
      hb = v ? TAG_FALSE : TAG_TRUE;
      return;
    case 'undefined':
      ha = TAG_UNDEF;
      hb = TAG_NULL;
      return;
    case 'bigint':
      hashString(v.toString());
      ha = fmix32(ha ^ TAG_BIGINT);
      hb = fmix32(hb + TAG_BIGINT);
      return;
    case 'object':
      if (v === null) {
        ha = TAG_NULL;
        hb = TAG_UNDEF;
        return;
      }
      hashObject(v);
      return;
    default:
      throw new BadValue(`a ${typeof v}`);
  }
}

// The last few composite values hashed outside the parent: a successor's new part is often hashed twice in a
// row (by a refinement mapping or a property, then by the explorer), and the second time is a pointer compare.
const RECENT = 4;
const recentObj: (object | null)[] = [null, null, null, null];
const recentA = new Uint32Array(RECENT);
const recentB = new Uint32Array(RECENT);
let recentAt = 0;

function fromRecent(o: object): boolean {
  for (let i = 0; i < RECENT; i++)
    if (recentObj[i] === o) {
      ha = recentA[i];
      hb = recentB[i];
      return true;
    }
  return false;
}

function toRecent(o: object): void {
  recentObj[recentAt] = o;
  recentA[recentAt] = ha;
  recentB[recentAt] = hb;
  recentAt = (recentAt + 1) & (RECENT - 1);
}

function clearRecent(): void {
  recentObj.fill(null);
}

function hashObject(o: object): void {
  if (!recording && renaming === null && fromRecent(o)) return;
  // While recording the parent, parts are new to the memo (a part the state holds twice is hashed twice).
  const m =
    renaming !== null ? undefined : Object.isFrozen(o) ? (internedHash.get(o) ?? memoGet(o)) : recording ? undefined : memoGet(o);
  if (m !== undefined) {
    ha = m[0];
    hb = m[1];
    return;
  }
  if (++depth > MAX_DEPTH) throw new BadValue('a cycle (or nesting deeper than 200)');
  let kind = 0; // 1: record, 2: set
  if (Array.isArray(o)) hashArray(o);
  else if (o instanceof Set) {
    if (recording || renaming !== null || !hashDerivedSet(o)) hashSet(o);
    kind = 2;
  } else if (o instanceof Map) hashMap(o);
  else {
    checkRecord(o);
    hashRecord(o as Record<string, unknown>, undefined);
    kind = 1;
  }
  depth--;
  if (recording) memoSet(o, kind === 1 ? [ha, hb, recA, recB, recN, recOff, recCnt] : kind === 2 ? [ha, hb, setA, setB] : [ha, hb]);
  else if (renaming === null) toRecent(o);
}

// Sets made by setAdd/setRemove (src/model/plain.ts) from a set of the parent: the last few derivations, so that
// such a set is hashed from its base's sums and the one element that differs, instead of element by element.
// Such a set is not searched for structurally equal elements here; it is when its state is expanded (setParent
// hashes every part in full), so a duplicate is still reported for every state the explorer expands.
const DERIVED = 8;
const derivedSet: (object | null)[] = new Array(DERIVED).fill(null);
const derivedBase: (object | null)[] = new Array(DERIVED).fill(null);
const derivedValue: unknown[] = new Array(DERIVED).fill(undefined);
const derivedSign = new Int8Array(DERIVED);
let derivedAt = 0;

/** Notes that `set` is `base` with `value` added (sign 1) or removed (sign -1). */
export function noteDerivedSet(set: object, base: object, value: unknown, sign: 1 | -1): void {
  derivedSet[derivedAt] = set;
  derivedBase[derivedAt] = base;
  derivedValue[derivedAt] = value;
  derivedSign[derivedAt] = sign;
  derivedAt = (derivedAt + 1) & (DERIVED - 1);
}

function hashDerivedSet(set: ReadonlySet<unknown>): boolean {
  for (let i = 0; i < DERIVED; i++) {
    if (derivedSet[i] !== set) continue;
    const t = memoGet(derivedBase[i]!);
    if (t === undefined || t.length !== 4) return false;
    hashValue(derivedValue[i]);
    const ea = fmix32(ha ^ 0x7feb352d);
    const eb = fmix32(hb + 0x846ca68b);
    const a = derivedSign[i] > 0 ? (t[2] + ea) | 0 : (t[2] - ea) | 0;
    const b = derivedSign[i] > 0 ? (t[3] + eb) | 0 : (t[3] - eb) | 0;
    finishSet(a, b, set.size);
    return true;
  }
  return false;
}

function checkRecord(o: object): void {
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) throw new BadValue(`an instance of ${proto?.constructor?.name ?? 'a class'}`);
}

/**
 * Hashes v, which stood where `twin` stands in the parent (or in another value already hashed): a record whose
 * twin is a memoised record is hashed from the twin's sums, looking only at the properties that differ.
 */
function hashNear(v: unknown, twin: unknown): void {
  if (v === twin || typeof v !== 'object' || v === null || typeof twin !== 'object' || twin === null || renaming !== null) {
    hashValue(v);
    return;
  }
  if (Array.isArray(v) || v instanceof Set || v instanceof Map || Array.isArray(twin) || twin instanceof Set || twin instanceof Map) {
    hashValue(v);
    return;
  }
  if (fromRecent(v)) return;
  // A part of the parent standing elsewhere is hashed from its twin like a new one (same result); an interned
  // value has its hash for good.
  if (Object.isFrozen(v) && internedHash.has(v)) {
    hashValue(v);
    return;
  }
  if (++depth > MAX_DEPTH) throw new BadValue('a cycle (or nesting deeper than 200)');
  checkRecord(v);
  hashRecord(v as Record<string, unknown>, twin as Record<string, unknown>);
  depth--;
  toRecent(v);
}

function hashArray(xs: readonly unknown[]): void {
  let a = TAG_ARRAY ^ xs.length;
  let b = Math.imul(TAG_ARRAY, 0x27d4eb2f) + xs.length;
  for (let i = 0; i < xs.length; i++) {
    hashValue(xs[i]);
    a = fmix32(Math.imul(a, 0x9e3779b1) ^ ha);
    b = fmix32(Math.imul(b ^ hb, 0x85ebca77) + a);
  }
  ha = a;
  hb = b;
}

/** An entry (key, value) of a record or map, mixed well enough that sums of entries do not cancel. */
function entry(ka: number, kb: number, va: number, vb: number): void {
  ha = fmix32(Math.imul(ka, 0xcc9e2d51) ^ fmix32(va + 0x6b43a9b5));
  hb = fmix32(Math.imul(kb ^ 0x1b873593, 0x27d4eb2f) + fmix32(vb ^ ka));
}

function hashRecord(o: Record<string, unknown>, twin: Record<string, unknown> | undefined): void {
  if (recording) {
    hashRecordRecording(o);
    return;
  }
  const t = twin === undefined ? undefined : memoGet(twin);
  if (t !== undefined && t.length >= 5 && hashRecordFrom(o, twin!, t)) return;
  let a = 0;
  let b = 0;
  let n = 0;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    if (twin === undefined) hashValue(v);
    else hashNear(v, twin[k]);
    const va = ha;
    const vb = hb;
    hashString(k);
    entry(ha, hb, va, vb);
    a = (a + ha) | 0;
    b = (b + hb) | 0;
    n++;
  }
  finishRecord(a, b, n);
}

function finishRecord(a: number, b: number, n: number): void {
  recA = a;
  recB = b;
  recN = n;
  ha = fmix32(a ^ TAG_RECORD ^ n);
  hb = fmix32(b + Math.imul(n, TAG_RECORD));
}

/** A record of the parent, its entries kept in the arena (see above). */
function hashRecordRecording(o: Record<string, unknown>): void {
  let a = 0;
  let b = 0;
  let n = 0;
  const start = stackTop;
  for (const k in o) {
    const v = o[k];
    let ea = 0;
    let eb = 0;
    let va = 0;
    let vb = 0;
    if (v !== undefined) {
      hashValue(v);
      va = ha;
      vb = hb;
    }
    hashString(k);
    const ka = ha;
    const kb = hb;
    if (v !== undefined) {
      entry(ka, kb, va, vb);
      ea = ha;
      eb = hb;
      a = (a + ea) | 0;
      b = (b + eb) | 0;
      n++;
    }
    const at = stackTop++;
    if (4 * stackTop > stackLanes.length) stackLanes = grown(stackLanes, 4 * stackTop);
    stackLanes[4 * at] = ka;
    stackLanes[4 * at + 1] = kb;
    stackLanes[4 * at + 2] = ea;
    stackLanes[4 * at + 3] = eb;
    stackKeys[at] = k;
    stackVals[at] = v;
  }
  const count = stackTop - start;
  const off = arenaTop;
  arenaTop += count;
  if (4 * arenaTop > arenaLanes.length) arenaLanes = grown(arenaLanes, 4 * arenaTop);
  for (let i = 0; i < count; i++) {
    const from = 4 * (start + i);
    const to = 4 * (off + i);
    arenaLanes[to] = stackLanes[from];
    arenaLanes[to + 1] = stackLanes[from + 1];
    arenaLanes[to + 2] = stackLanes[from + 2];
    arenaLanes[to + 3] = stackLanes[from + 3];
    arenaKeys[off + i] = stackKeys[start + i];
    arenaVals[off + i] = stackVals[start + i];
  }
  stackTop = start;
  recOff = off;
  recCnt = count;
  finishRecord(a, b, n);
}

/**
 * A record from its memoised twin's sums: the entries that differ are taken out and put in. Property by property,
 * in order, while the keys line up with the twin's run in the arena (as they do for `{ ...twin, x }`), the twin's
 * value, key hash and entry hash come from there; otherwise (or for an interned twin, which has no run) they are
 * read and hashed again. False (nothing done) when the twin has a property the record lacks, which the loop
 * cannot see.
 */
function hashRecordFrom(o: Record<string, unknown>, twin: Record<string, unknown>, t: readonly number[]): boolean {
  const off = t.length === 7 ? t[5] : 0;
  const count = t.length === 7 ? t[6] : 0;
  let a = t[2];
  let b = t[3];
  let n = 0;
  let shared = 0;
  let i = 0;
  for (const k in o) {
    const v = o[k];
    const at = off + i;
    const aligned = i < count && arenaKeys[at] === k;
    i++;
    const tv = aligned ? arenaVals[at] : twin[k];
    if (v === tv) {
      if (v !== undefined) {
        n++;
        shared++;
      }
      continue;
    }
    let ka: number;
    let kb: number;
    if (aligned) {
      ka = arenaLanes[4 * at];
      kb = arenaLanes[4 * at + 1];
    } else {
      hashString(k);
      ka = ha;
      kb = hb;
    }
    if (tv !== undefined) {
      shared++;
      if (aligned) {
        a = (a - arenaLanes[4 * at + 2]) | 0;
        b = (b - arenaLanes[4 * at + 3]) | 0;
      } else {
        hashValue(tv);
        entry(ka, kb, ha, hb);
        a = (a - ha) | 0;
        b = (b - hb) | 0;
      }
    }
    if (v !== undefined) {
      n++;
      hashNear(v, tv);
      entry(ka, kb, ha, hb);
      a = (a + ha) | 0;
      b = (b + hb) | 0;
    }
  }
  if (shared !== t[4]) return false;
  finishRecord(a, b, n);
  return true;
}

function push(a: number, b: number): void {
  if (top + 2 > scratch.length) {
    const bigger = new Uint32Array(2 * scratch.length);
    bigger.set(scratch);
    scratch = bigger;
  }
  scratch[top++] = a;
  scratch[top++] = b;
}

/** True when two of the element hashes from `start` on are equal. */
function hasDuplicate(start: number): boolean {
  const n = (top - start) / 2;
  if (n < 2) return false;
  if (n <= 24) {
    for (let i = start; i < top; i += 2)
      for (let j = i + 2; j < top; j += 2) if (scratch[i] === scratch[j] && scratch[i + 1] === scratch[j + 1]) return true;
    return false;
  }
  // An open-addressing table of element indexes (+1) in a reused array, twice the elements' count or more.
  let size = 64;
  while (size < 2 * n) size *= 2;
  if (dupTable.length < size) dupTable = new Int32Array(size);
  dupTable.fill(0, 0, size);
  const mask = size - 1;
  for (let i = start; i < top; i += 2) {
    let slot = scratch[i] & mask;
    for (;;) {
      const j = dupTable[slot];
      if (j === 0) {
        dupTable[slot] = i + 1;
        break;
      }
      if (scratch[j - 1] === scratch[i] && scratch[j] === scratch[i + 1]) return true;
      slot = (slot + 1) & mask;
    }
  }
  return false;
}

let dupTable = new Int32Array(64);

function hashSet(set: ReadonlySet<unknown>): void {
  let a = 0;
  let b = 0;
  const start = top;
  let objects = false;
  for (const x of set) {
    hashValue(x);
    if (typeof x === 'object' && x !== null) {
      objects = true;
      push(ha, hb);
    }
    a = (a + fmix32(ha ^ 0x7feb352d)) | 0;
    b = (b + fmix32(hb + 0x846ca68b)) | 0;
  }
  const dup = objects && renaming === null && hasDuplicate(start);
  top = start;
  if (dup) throw new BadValue(DUPLICATE);
  finishSet(a, b, set.size);
}

/** Sets' sums, as recA/recB for records. */
let setA = 0;
let setB = 0;

function finishSet(a: number, b: number, size: number): void {
  setA = a;
  setB = b;
  ha = fmix32(a ^ TAG_SET ^ size);
  hb = fmix32(b + Math.imul(size, TAG_SET));
}

function hashMap(map: ReadonlyMap<unknown, unknown>): void {
  let a = 0;
  let b = 0;
  const start = top;
  let objects = false;
  for (const [k, v] of map) {
    hashValue(v);
    const va = ha;
    const vb = hb;
    hashValue(k);
    if (typeof k === 'object' && k !== null) {
      objects = true;
      push(ha, hb);
    }
    entry(ha, hb, va, vb);
    a = (a + ha) | 0;
    b = (b + hb) | 0;
  }
  const dup = objects && renaming === null && hasDuplicate(start);
  top = start;
  if (dup) throw new BadValue(DUPLICATE);
  ha = fmix32(a ^ TAG_MAP ^ map.size);
  hb = fmix32(b + Math.imul(map.size, TAG_MAP));
}

const DUPLICATE = 'two structurally equal elements';

function guarded(v: unknown): void {
  depth = 0;
  top = 0;
  try {
    hashValue(v);
  } catch (e) {
    recording = false;
    if (e instanceof BadValue) fail(describeBadValue(v, e.message));
    throw e;
  }
}

/**
 * The state about to be expanded: hashes it, remembering its composite parts, so that its successors hash only
 * what they do not share with it. Writes its fingerprint to FP.
 */
export function setParent(state: unknown): void {
  memoLen = 0;
  memoMap = null;
  arenaTop = 0;
  stackTop = 0;
  clearRecent();
  recording = true;
  guarded(state);
  recording = false;
  FP[0] = ha;
  FP[1] = hb;
}

/** Forgets the parent (e.g. between runs), so that no state is kept alive by the memo. */
export function clearParent(): void {
  memoClear();
  clearRecent();
}

/**
 * The 64-bit structural fingerprint of a plain value, into FP (hi, lo). `near`, when given, is a value already
 * hashed that `v` was derived from (its parent state): records are then hashed from their differences.
 */
export function fingerprintValueInto(v: unknown, near?: unknown): void {
  guardedNear(v, near);
  FP[0] = ha;
  FP[1] = hb;
}

function guardedNear(v: unknown, near: unknown): void {
  if (near === undefined) {
    guarded(v);
    return;
  }
  depth = 0;
  top = 0;
  try {
    hashNear(v, near);
  } catch (e) {
    if (e instanceof BadValue) fail(describeBadValue(v, e.message));
    throw e;
  }
}

/** The fingerprint of a value with some strings renamed wherever they occur (values, keys, elements): FP and the result. */
export function fingerprintRenamedInto(v: unknown, rename: ReadonlyMap<string, string>): void {
  renaming = rename;
  try {
    guarded(v);
  } finally {
    renaming = null;
  }
  FP[0] = ha;
  FP[1] = hb;
}

/** The structural fingerprint as one number: 53 of its 64 bits (for maps and sets of states outside the explorer). */
export function structuralKey(v: unknown, near?: unknown): number {
  guardedNear(v, near);
  return ha * 0x200000 + (hb >>> 11);
}

/** True when two plain values are equal as values (the fingerprint's notion of equality, exactly). */
export function structurallyEqual(x: unknown, y: unknown): boolean {
  return canonicalString(x) === canonicalString(y);
}

// ---- The slow paths: exact canonical strings (for exact runs and tests) and the path to a bad value. ----

/** An exact canonical text of a plain value: records with sorted keys, Sets and Maps with sorted entries. */
export function canonicalString(v: unknown): string {
  try {
    return canon(v, 0);
  } catch (e) {
    if (e instanceof BadValue) fail(describeBadValue(v, e.message));
    throw e;
  }
}

function canon(v: unknown, d: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new BadValue(`the non-finite number ${v}`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'boolean':
      return String(v);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${v}n`;
    case 'object': {
      if (v === null) return 'null';
      if (d > MAX_DEPTH) throw new BadValue('a cycle (or nesting deeper than 200)');
      if (Array.isArray(v)) return `[${v.map((x) => canon(x, d + 1)).join(',')}]`;
      if (v instanceof Set) {
        const xs = [...v].map((x) => canon(x, d + 1)).sort();
        if (xs.some((x, i) => i > 0 && x === xs[i - 1])) throw new BadValue(DUPLICATE);
        return `Set{${xs.join(',')}}`;
      }
      if (v instanceof Map) {
        const ks = [...v.keys()].map((k) => canon(k, d + 1));
        if (new Set(ks).size !== ks.length) throw new BadValue(DUPLICATE);
        const es = [...v].map(([k, x]) => `${canon(k, d + 1)}=>${canon(x, d + 1)}`).sort();
        return `Map{${es.join(',')}}`;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new BadValue(`an instance of ${proto?.constructor?.name ?? 'a class'}`);
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec)
        .filter((k) => rec[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(rec[k], d + 1)}`).join(',')}}`;
    }
    default:
      throw new BadValue(`a ${typeof v}`);
  }
}

/** Walks the value again, slowly, to name the path of the first value that is not plain data. */
function describeBadValue(root: unknown, what: string): string {
  const path = findBadPath(root, 'state', new Set());
  const where = path ?? 'state';
  const problem = path ? lastProblem : what;
  return `the state is not plain data: ${where} holds ${problem ?? what} (a state may hold only records, arrays, strings, finite numbers, bigints, booleans, null, undefined, Sets and Maps; see "Plain state" in the README)`;
}

let lastProblem: string | undefined;

function findBadPath(v: unknown, path: string, stack: Set<object>): string | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return undefined;
    case 'number':
      if (Number.isFinite(v)) return undefined;
      lastProblem = `the non-finite number ${v}`;
      return path;
    case 'object': {
      if (v === null) return undefined;
      if (stack.has(v)) {
        lastProblem = 'a cycle (a reference back to an enclosing value)';
        return path;
      }
      stack.add(v);
      try {
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            const p = findBadPath(v[i], `${path}[${i}]`, stack);
            if (p) return p;
          }
          return undefined;
        }
        if (v instanceof Set || v instanceof Map) {
          const entries = v instanceof Set ? [...v].map((x) => [x, x] as const) : [...v];
          for (const [k, x] of entries) {
            const label = typeof k === 'object' && k !== null ? '<element>' : JSON.stringify(k);
            const p = (v instanceof Map ? findBadPath(k, `${path}.keys()`, stack) : undefined) ?? findBadPath(x, `${path}.get(${label})`, stack);
            if (p) return p;
          }
          const canons = entries.map(([k]) => {
            try {
              return canon(k, 0);
            } catch {
              return undefined;
            }
          });
          for (let i = 0; i < canons.length; i++)
            for (let j = i + 1; j < canons.length; j++)
              if (canons[i] !== undefined && canons[i] === canons[j]) {
                lastProblem = `two structurally equal ${v instanceof Set ? 'elements' : 'keys'} ${truncate(canons[i]!)}, distinct objects (build such a value once and reuse it, e.g. with intern(), or use a string)`;
                return path;
              }
          return undefined;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          lastProblem = `an instance of ${proto?.constructor?.name ?? 'a class'} (use a record)`;
          return path;
        }
        for (const [k, x] of Object.entries(v)) {
          const p = findBadPath(x, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, stack);
          if (p) return p;
        }
        return undefined;
      } finally {
        stack.delete(v);
      }
    }
    default:
      lastProblem = typeof v === 'function' ? 'a function' : `a ${typeof v}`;
      return path;
  }
}

const truncate = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

// ---- Interning: one object per structural value, so that Sets of records work by identity as by value. ----

const interned = new Map<number, object[]>();

const isPlainRecord = (v: object): boolean => !Array.isArray(v) && !(v instanceof Set) && !(v instanceof Map);

/**
 * The one shared object for a plain value: `intern({ type: 'Commit' }) === intern({ type: 'Commit' })`. Use it for
 * records kept in Sets (messages, votes), so that `has`, `delete` and `size` agree with the paper's set of values.
 * Found by fingerprint and confirmed by deep equality, so it is exact; cheap enough to call in `actions`.
 */
export function intern<T extends object>(value: T): T {
  const saveA = ha;
  const saveB = hb;
  guarded(value);
  const k = ha * 0x200000 + (hb >>> 11);
  const lanes = isPlainRecord(value) ? [ha, hb, recA, recB, recN] : [ha, hb];
  ha = saveA;
  hb = saveB;
  const bucket = interned.get(k);
  if (bucket) for (const found of bucket) if (isDeepStrictEqual(found, value) || structurallyEqual(found, value)) return found as T;
  Object.freeze(value);
  // An interned value never changes: its hash is kept for good, so no parent state hashes it again.
  internedHash.set(value, lanes);
  if (bucket) bucket.push(value);
  else interned.set(k, [value]);
  return value;
}

// ---- Plain state as JSON: Sets and Maps tagged, so that trace files round-trip them. ----

/** A plain value as JSON: a Set as `{ "$set": [...] }` and a Map as `{ "$map": [[k, v], ...] }`, entries sorted. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Set) return { $set: sortByCanon([...v].map(toJsonValue)) };
  if (v instanceof Map) return { $map: sortByCanon([...v].map(([k, x]) => [toJsonValue(k), toJsonValue(x)])) };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
}

/** The inverse of toJsonValue. */
export function fromJsonValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(fromJsonValue);
  const keys = Object.keys(v);
  const rec = v as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === '$set' && Array.isArray(rec.$set)) return new Set(rec.$set.map(fromJsonValue));
  if (keys.length === 1 && keys[0] === '$map' && Array.isArray(rec.$map))
    return new Map((rec.$map as unknown[]).map((e) => (Array.isArray(e) ? [fromJsonValue(e[0]), fromJsonValue(e[1])] : [e, undefined])));
  if (keys.length === 1 && keys[0] === '$bigint' && typeof rec.$bigint === 'string') return BigInt(rec.$bigint);
  return Object.fromEntries(Object.entries(rec).map(([k, x]) => [k, fromJsonValue(x)]));
}

function sortByCanon<T>(xs: T[]): T[] {
  return xs
    .map((x) => [canonicalString(x), x] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, x]) => x);
}
