// A mutable consistent-hash ring kept as a sorted array, with binary-search lookup and in-place insertion,
// the way a client library holds one. Tested against the model's naive linear scan (properties/routing).
import { fnv1a32, type RingPoint } from '../models/routing/consistent-hash';

export class HashRing {
  private readonly points: RingPoint[] = [];

  constructor(private readonly vnodes: number) {}

  private indexOf(point: number, node: string): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const p = this.points[mid];
      if (p.point < point || (p.point === point && p.node < node)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(node: string): void {
    for (let i = 0; i < this.vnodes; i++) {
      const point = fnv1a32(`${node}#${i}`);
      this.points.splice(this.indexOf(point, node), 0, { point, node });
    }
  }

  remove(node: string): void {
    for (let i = this.points.length - 1; i >= 0; i--) if (this.points[i].node === node) this.points.splice(i, 1);
  }

  lookup(keyHash: number): string | undefined {
    if (this.points.length === 0) return undefined;
    const i = this.indexOf(keyHash, '');
    return this.points[i === this.points.length ? 0 : i].node;
  }
}
