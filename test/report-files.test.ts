import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../src/report/files';

describe('writeReports', () => {
  it('removes its own stale files (top level, traces/) and leaves other folders, such as shards, alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-reports-'));
    const put = (rel: string, text = 'old') => {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    put('gone.md');
    put('traces/gone-model/a.json');
    put('shard-1-of-4/manifest.json', 'a shard');
    put('kept.md');
    writeReports(dir, new Map([['kept.md', 'new'], ['traces/m/b.json', '{}']]));
    expect(existsSync(join(dir, 'gone.md'))).toBe(false);
    expect(existsSync(join(dir, 'traces/gone-model/a.json'))).toBe(false);
    expect(readFileSync(join(dir, 'shard-1-of-4/manifest.json'), 'utf8')).toBe('a shard');
    expect(readFileSync(join(dir, 'kept.md'), 'utf8')).toBe('new');
    expect(readFileSync(join(dir, 'traces/m/b.json'), 'utf8')).toBe('{}');
  });
});
