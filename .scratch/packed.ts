// Prototype: published configuration only, fully packed scalar state, to measure the engine-included floor.
import { explore } from '../src/check/explore';
import { refinementProperty } from '../src/model/refinement';
import { transactionCommitMachine } from '../models/commit/transaction-commit';
interface P { rm: number; a: number; m0: number; m1: number }
// bits: word0: p1a(ins,1) bits 0-1; p1b(ins,acc) groups of 3 at 2 + (ins*3+acc)*3 (18 bits) -> 2..19; p2a(ins,bal) 2 bits at 20 + (ins*2+bal)*2 -> 20..27
// word1: p2b(acc,ins,bal) 2 bits at (acc*4+ins*2+bal)*2 -> 0..23; commit 24, abort 25
const P1A = (ins: number) => ins;
const P1B = (ins: number, acc: number) => 2 + (ins * 3 + acc) * 3;
const P2A = (ins: number, bal: number) => 20 + (ins * 2 + bal) * 2;
const P2B = (acc: number, ins: number, bal: number) => (acc * 4 + ins * 2 + bal) * 2;
const COMMIT = 24, ABORT = 25;
// a: slot (ins*3+acc) 4 bits: mbal (bit 3) | content (0..4)
const slot = (a: number, ins: number, acc: number) => (a >>> ((ins * 3 + acc) * 4)) & 15;
const Q = [3, 5, 6];
type A = { name: string; k: number; x: number; y: number; z: number };
const mk = (name: string, k = 0, x = 0, y = 0, z = 0): A => ({ name, k, x, y, z });
const prep = [mk('RMPrepare', 0, 0), mk('RMPrepare', 0, 1)], cta = [mk('RMChooseToAbort', 0, 0), mk('RMChooseToAbort', 0, 1)];
const rc = [mk('RMRcvCommitMsg', 0, 0), mk('RMRcvCommitMsg', 0, 1)], ra = [mk('RMRcvAbortMsg', 0, 0), mk('RMRcvAbortMsg', 0, 1)];
const p1a = [mk('Phase1a', 0, 0), mk('Phase1a', 0, 1)];
const p2a = [0, 1].map((rm) => Q.map((q) => mk('Phase2a', 0, rm, q)));
const decC = mk('Decide', 0), decA = mk('Decide', 1);
const p1b = [0, 1, 2].map((acc) => [0, 1].map((ins) => mk('Phase1b', 0, acc, ins)));
const p2b = [0, 1, 2].map((acc) => [0, 1].map((ins) => [0, 1].map((bal) => [0, 1].map((v) => mk('Phase2b', 0, acc, ins, bal * 2 + v)))));
const voters = (m1: number, ins: number, bal: number, v: number) => {
  let mask = 0;
  for (let acc = 0; acc < 3; acc++) if ((m1 >>> (P2B(acc, ins, bal) + v)) & 1) mask |= 1 << acc;
  return mask;
};
const actions = (s: P): A[] => {
  const out: A[] = [];
  const { m0, m1 } = s;
  const cs = (m1 >>> COMMIT) & 1, as = (m1 >>> ABORT) & 1;
  for (let rm = 0; rm < 2; rm++) {
    if (((s.rm >>> (rm * 2)) & 3) === 0) out.push(prep[rm], cta[rm]);
    if (cs) out.push(rc[rm]);
    if (as) out.push(ra[rm]);
  }
  for (let rm = 0; rm < 2; rm++) {
    out.push(p1a[rm]);
    if ((m0 >>> P2A(rm, 1)) & 3) continue;
    let joined = 0;
    for (let acc = 0; acc < 3; acc++) if ((m0 >>> P1B(rm, acc)) & 7) joined |= 1 << acc;
    for (let q = 0; q < 3; q++) if ((joined & Q[q]) === Q[q]) out.push(p2a[rm][q]);
  }
  let cc = 1;
  for (let rm = 0; rm < 2; rm++) {
    let n = 0;
    for (let bal = 0; bal < 2; bal++) { const v = voters(m1, rm, bal, 0); for (let q = 0; q < 3; q++) if ((v & Q[q]) === Q[q]) n++; }
    cc *= n;
  }
  for (let i = 0; i < cc; i++) out.push(decC);
  for (let rm = 0; rm < 2; rm++)
    for (let bal = 0; bal < 2; bal++) { const v = voters(m1, rm, bal, 1); for (let q = 0; q < 3; q++) if ((v & Q[q]) === Q[q]) out.push(decA); }
  for (let acc = 0; acc < 3; acc++) {
    for (let ins = 0; ins < 2; ins++) if ((slot(s.a, ins, acc) >>> 3) === 0 && (m0 >>> P1A(ins)) & 1) out.push(p1b[acc][ins]);
    for (let ins = 0; ins < 2; ins++) {
      const mbal = slot(s.a, ins, acc) >>> 3;
      for (let bal = mbal; bal < 2; bal++) {
        if ((m0 >>> P2A(ins, bal)) & 1) out.push(p2b[acc][ins][bal][0]);
        if ((m0 >>> (P2A(ins, bal) + 1)) & 1) out.push(p2b[acc][ins][bal][1]);
      }
    }
  }
  return out;
};
const make = (rm: number, a: number, m0: number, m1: number): P => ({ rm, a, m0, m1 });
const next = (s: P, x: A): P => {
  switch (x.name) {
    case 'RMPrepare': return make((s.rm & ~(3 << (x.x * 2))) | (1 << (x.x * 2)), s.a, s.m0 | (1 << P2A(x.x, 0)), s.m1);
    case 'RMChooseToAbort': return make((s.rm & ~(3 << (x.x * 2))) | (3 << (x.x * 2)), s.a, s.m0 | (1 << (P2A(x.x, 0) + 1)), s.m1);
    case 'RMRcvCommitMsg': { const r = (s.rm & ~(3 << (x.x * 2))) | (2 << (x.x * 2)); return r === s.rm ? s : make(r, s.a, s.m0, s.m1); }
    case 'RMRcvAbortMsg': { const r = (s.rm & ~(3 << (x.x * 2))) | (3 << (x.x * 2)); return r === s.rm ? s : make(r, s.a, s.m0, s.m1); }
    case 'Phase1a': { const m0 = s.m0 | (1 << P1A(x.x)); return m0 === s.m0 ? s : make(s.rm, s.a, m0, s.m1); }
    case 'Phase2a': {
      let best = 0;
      for (let acc = 0; acc < 3; acc++) if ((Q[x.y] >> acc) & 1) { const c = (s.m0 >>> P1B(x.x, acc)) & 7; const content = c === 1 ? 0 : c === 2 ? 1 : 2; if (content > best) best = content; }
      return make(s.rm, s.a, s.m0 | (1 << (P2A(x.x, 1) + (best === 1 ? 0 : 1))), s.m1);
    }
    case 'Decide': { const m1 = s.m1 | (1 << (x.k ? ABORT : COMMIT)); return m1 === s.m1 ? s : make(s.rm, s.a, s.m0, m1); }
    case 'Phase1b': {
      const sl = slot(s.a, x.y, x.x); const content = sl & 7;
      const a = (s.a & ~(15 << ((x.y * 3 + x.x) * 4))) | ((8 | content) << ((x.y * 3 + x.x) * 4));
      return make(s.rm, a, s.m0 | (1 << (P1B(x.y, x.x) + content)), s.m1);
    }
    case 'Phase2b': {
      const bal = x.z >> 1, v = x.z & 1;
      const a = (s.a & ~(15 << ((x.y * 3 + x.x) * 4))) | (((bal << 3) | (1 + 2 * bal + v)) << ((x.y * 3 + x.x) * 4));
      const m1 = s.m1 | (1 << (P2B(x.x, x.y, bal) + v));
      return a === s.a && m1 === s.m1 ? s : make(s.rm, a, s.m0, m1);
    }
  }
  return s;
};
const RMS = ['working', 'prepared', 'committed', 'aborted'] as const;
const cache = new Map<number, readonly (typeof RMS)[number][]>();
const rmState = (rm: number) => { let r = cache.get(rm); if (!r) { r = [RMS[rm & 3], RMS[(rm >> 2) & 3]]; cache.set(rm, r); } return r; };
const machine = {
  init: [make(0, 0, 0, 0)], actions, next,
  key: (s: P) => String.fromCharCode(s.rm | ((s.a & 0xfff) << 4), s.a >>> 12, s.m0 & 0xffff, s.m0 >>> 16, s.m1 & 0xffff, s.m1 >>> 16),
  properties: [
    { kind: 'always', name: 'consistent', description: '', holds: (s: P) => { const r = rmState(s.rm); return !(r.includes('committed') && r.includes('aborted')); } },
    refinementProperty({ name: 'ref', description: '', abstract: transactionCommitMachine(2), mapping: (s: P) => ({ rmState: rmState(s.rm) }) }),
  ],
  actionNames: ['RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg', 'Phase1a', 'Phase2a', 'Decide', 'Phase1b', 'Phase2b'],
  formatAction: (a: A) => a.name,
};
const t = performance.now();
const r = explore(machine as any);
console.log(r.distinctStates, r.statesGenerated, r.depth, ((performance.now() - t) / 1000).toFixed(2));
