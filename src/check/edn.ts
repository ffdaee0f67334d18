// Jepsen and Knossos histories as they write them (`history.edn`): EDN maps, one operation event each, either
// one after another or inside one vector or list, e.g.
//   {:process 0, :type :invoke, :f :cas, :value [1 4], :time 1234}
// Parsed with the edn-data package. Keywords become strings, nil null, vectors, lists and sets arrays. Events
// of processes that are not integers (the nemesis) are left out, as Jepsen's client-ops does; extra keys
// (:time, :index, :error) are ignored. Line numbers for messages come from where each map starts: the lines
// that begin with `{` (after an opening `[` or `(`), when there is one such line per map, as Jepsen writes
// them; otherwise events are numbered 1, 2, … in order, and messages say "entry".
import ednData from 'edn-data';
import { fail } from '../shared/errors';

export interface RawEvent {
  readonly record: Record<string, unknown>;
  readonly line: number;
}

const OPTIONS = { mapAs: 'object', keywordAs: 'string', listAs: 'array', setAs: 'array', charAs: 'string', symbolAs: 'string' } as const;

/** The maps of an EDN history, with where each starts, or a one-line error naming the file. */
export function parseEdnEvents(text: string, file: string): { events: RawEvent[]; unit: 'line' | 'entry' } {
  let parsed: unknown;
  try {
    parsed = ednData.parseEDNString(`[${text}\n]`, OPTIONS);
  } catch (e) {
    return fail(`${file}: not valid EDN (${(e as Error).message.split('\n')[0]})`);
  }
  // edn-data returns null for an unterminated string or collection rather than throwing.
  if (!Array.isArray(parsed)) return fail(`${file}: not valid EDN (an unterminated string, vector, list or map)`);
  let forms: unknown[] = parsed;
  if (forms.length === 1 && Array.isArray(forms[0])) forms = forms[0] as unknown[];
  const starts: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (/^\s*[[(]?\s*\{/.test(l)) starts.push(i + 1);
  });
  const unit = starts.length === forms.length ? 'line' : 'entry';
  const events = forms.map((f, i) => {
    const line = unit === 'line' ? starts[i] : i + 1;
    if (f === null || typeof f !== 'object' || Array.isArray(f))
      fail(`${file}${unit === 'line' ? `:${line}` : `: entry ${line}`}: an event must be an EDN map`);
    return { record: f as Record<string, unknown>, line };
  });
  return { events, unit };
}
