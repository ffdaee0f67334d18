// Redis Cluster key slots: slot = CRC16-XMODEM(key) mod 16384 over the key's bytes, with hash tags.
// Source: the seed's Redis slots section; the Redis Cluster specification (key distribution model, hash tags,
// slot bitmaps of 16384 bits per node). Scope: the slot function, slot ownership bitmaps, and a figure of the
// slot and key distribution per master. Live resharding is the model in redis-resharding.ts.
import type { Figure } from '../../src/model/model';
import { xyChart } from '../../src/report/xychart';

export const SLOTS = 16384;

/** CRC16-XMODEM (CCITT polynomial 0x1021, initial value 0, no reflection, no final xor). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const OPEN = 0x7b; // '{'
const CLOSE = 0x7d; // '}'

/** The bytes that are hashed: the text between the first '{' and the first '}' after it, if non-empty; else all. */
export function hashedPart(bytes: Uint8Array): Uint8Array {
  const open = bytes.indexOf(OPEN);
  if (open < 0) return bytes;
  const close = bytes.indexOf(CLOSE, open + 1);
  if (close < 0 || close === open + 1) return bytes;
  return bytes.subarray(open + 1, close);
}

export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  return crc16(hashedPart(bytes)) & (SLOTS - 1);
}

/** A master's slot ownership: 16384 bits, 2048 bytes, as the cluster bus carries it. */
export function emptyBitmap(): Uint8Array {
  return new Uint8Array(SLOTS / 8);
}

export function setSlot(bitmap: Uint8Array, slot: number, owned: boolean): void {
  if (owned) bitmap[slot >> 3] |= 1 << (slot & 7);
  else bitmap[slot >> 3] &= ~(1 << (slot & 7));
}

export function ownsSlot(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3] & (1 << (slot & 7))) !== 0;
}

/** Even split of the slots over n masters, as `redis-cli --cluster create` assigns them. */
export function evenSplit(masters: number): Uint8Array[] {
  const maps = Array.from({ length: masters }, emptyBitmap);
  for (let m = 0; m < masters; m++) {
    const from = Math.floor((m * SLOTS) / masters);
    const to = Math.floor(((m + 1) * SLOTS) / masters);
    for (let s = from; s < to; s++) setSlot(maps[m], s, true);
  }
  return maps;
}

/** Slots that do not have exactly one owner (the invariant: every slot has exactly one owner). */
export function slotsWithoutOneOwner(maps: readonly Uint8Array[]): number[] {
  const bad: number[] = [];
  for (let s = 0; s < SLOTS; s++) if (maps.filter((m) => ownsSlot(m, s)).length !== 1) bad.push(s);
  return bad;
}

export const FIGURE_MASTERS = 3;
export const FIGURE_KEY_COUNT = 30_000;

/** Keys per master when the slots are split evenly and keys are user:0, user:1, ... */
export function keysPerMaster(masters: number, keys: number): number[] {
  const maps = evenSplit(masters);
  const counts = maps.map(() => 0);
  for (let k = 0; k < keys; k++) {
    const slot = keySlot(`user:${k}`);
    counts[maps.findIndex((m) => ownsSlot(m, slot))]++;
  }
  return counts;
}

export const redisSlotsFigure: Figure = {
  id: 'redis-cluster-slots',
  title: 'Redis Cluster: slots and keys per master',
  render: () => {
    const maps = evenSplit(FIGURE_MASTERS);
    const slots = maps.map((m) => Array.from({ length: SLOTS }, (_, s) => s).filter((s) => ownsSlot(m, s)).length);
    const keys = keysPerMaster(FIGURE_MASTERS, FIGURE_KEY_COUNT);
    return [
      '# Redis Cluster: slots and keys per master (`redis-cluster`)',
      '',
      `${FIGURE_MASTERS} masters with the slots split evenly, as \`redis-cli --cluster create\` does; ${FIGURE_KEY_COUNT.toLocaleString('en-US')} keys user:0, user:1, … placed by keySlot.`,
      `Every slot has exactly one owner: ${slotsWithoutOneOwner(maps).length === 0 ? 'yes' : 'NO'}. Each bitmap is ${maps[0].byteLength} bytes.`,
      '',
      '| master | slots | keys |',
      '|---|---:|---:|',
      ...slots.map((n, m) => `| master ${m + 1} | ${n.toLocaleString('en-US')} | ${keys[m].toLocaleString('en-US')} |`),
      '',
      ...xyChart({
        title: 'Keys per master',
        kind: 'bar',
        x: { labels: slots.map((_, m) => `master ${m + 1}`) },
        y: { title: 'keys', min: 0, max: Math.ceil(Math.max(...keys) / 1000) * 1000 },
        series: [{ name: 'keys', values: keys }],
        decimals: 0,
      }),
      '',
    ].join('\n');
  },
};
