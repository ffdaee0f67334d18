import { createConnection } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import clusterKeySlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { requireRedis, startRedis } from '../../test/support/redis-server';
import { SLOTS, crc16, emptyBitmap, evenSplit, keySlot, ownsSlot, setSlot, slotsWithoutOneOwner } from '../../models/routing/redis-cluster';

/** Keys that stress the rules: non-ASCII text, braces anywhere, empty tags. */
const keyArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc
    .tuple(
      fc.string({ maxLength: 4 }),
      fc.constantFrom('{', '}', '{}', '}{', '{{', 'é', '字', '😀'),
      fc.string({ maxLength: 4 }),
      fc.constantFrom('', '}', '{', '}x'),
    )
    .map((parts) => parts.join('')),
);

describe('redis-cluster: key slots', () => {
  it('has the CRC16-XMODEM check value 0x31C3 for "123456789"', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });

  it.each([
    ['somekey', 11058],
    ['foo{hash_tag}', 2515],
    ['bar{hash_tag}', 2515],
    ['foo', 12182],
    ['hello', 866],
  ])('puts %s in slot %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('follows the hash-tag rule: first { and the first } after it, non-empty, else the whole key', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'.slice(0)));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
  });

  test.prop([keyArb])('hashes the UTF-8 bytes: a string and its encoding share a slot in range', (key) => {
    const slot = keySlot(key);
    expect(slot).toBe(keySlot(new TextEncoder().encode(key)));
    expect(slot >= 0 && slot < SLOTS).toBe(true);
  });

  /** The first '{' is immediately closed: Redis then hashes the whole key. */
  const emptyFirstTag = (key: string): boolean => key.includes('{') && key[key.indexOf('{') + 1] === '}';

  test.prop([keyArb], { numRuns: 2000 })(
    'agrees with the npm package cluster-key-slot, except on keys whose first hash tag is empty',
    (key) => {
      if (emptyFirstTag(key)) expect(keySlot(key)).toBe(crc16(new TextEncoder().encode(key)) & (SLOTS - 1));
      else expect(keySlot(key)).toBe(clusterKeySlot(key));
    },
  );

  it.each([
    ['{}}x', 1961],
    ['a{}}', 5792],
    ['{}{a}', 13650],
  ])('follows Redis, not cluster-key-slot, on %s (CLUSTER KEYSLOT says %i)', (key, redisSlot) => {
    // Values read from redis-server 7.0.15; cluster-key-slot 1.1.2 answers 0, 0 and 10276.
    expect(keySlot(key)).toBe(redisSlot);
    expect(clusterKeySlot(key)).not.toBe(redisSlot);
  });

  it('keeps slot ownership in 2048-byte bitmaps with exactly one owner per slot', () => {
    const maps = evenSplit(3);
    expect(maps.every((m) => m.byteLength === 2048)).toBe(true);
    expect(slotsWithoutOneOwner(maps)).toEqual([]);
    setSlot(maps[0], 7000, true);
    expect(slotsWithoutOneOwner(maps)).toEqual([7000]);
    const m = emptyBitmap();
    setSlot(m, 16383, true);
    expect([ownsSlot(m, 16383), ownsSlot(m, 16382)]).toEqual([true, false]);
  });
});

const hasRedis = requireRedis('compare keySlot with the real CLUSTER KEYSLOT');

/** Sends CLUSTER KEYSLOT for every key in one pipeline and reads the integer replies. */
function clusterKeyslots(port: number, keys: Uint8Array[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    for (const key of keys) {
      socket.write(`*3\r\n$7\r\nCLUSTER\r\n$7\r\nKEYSLOT\r\n$${key.length}\r\n`);
      socket.write(key);
      socket.write('\r\n');
    }
    socket.on('data', (d) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const replies = text.split('\r\n').filter((l) => l.length > 0);
      if (replies.length >= keys.length) {
        socket.end();
        const bad = replies.find((r) => !r.startsWith(':'));
        if (bad) reject(new Error(`redis replied ${bad}`));
        else resolve(replies.slice(0, keys.length).map((r) => Number(r.slice(1))));
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error('redis did not answer within 10 s')), 10_000).unref();
  });
}

describe.skipIf(!hasRedis)('redis-cluster: against a real redis-server', () => {
  it('gives the same slot as CLUSTER KEYSLOT for 1,000 random keys, non-ASCII and braces included', async () => {
    const server = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
    try {
      const keys = fc.sample(keyArb, { numRuns: 1000, seed: 2026 }).map((k) => new TextEncoder().encode(k));
      const real = await clusterKeyslots(server.port, keys);
      expect(keys.map((k) => keySlot(k))).toEqual(real);
    } finally {
      await server.stop();
    }
  }, 30_000);
});
