// Parameter resolution: defaults, parsing of `k=v` strings from the command line, and range checks.
import type { AnyModel, ParamSpec, ParamValue, Params } from './model';
import { fail } from '../shared/errors';

function parseValue(modelId: string, name: string, spec: ParamSpec, raw: ParamValue): ParamValue {
  const where = `parameter ${name} of ${modelId}`;
  switch (spec.type) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) fail(`${where} must be an integer, got '${raw}'`);
      if (n < spec.min || n > spec.max) fail(`${where} must be between ${spec.min} and ${spec.max}, got ${n}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail(`${where} must be true or false, got '${raw}'`);
    }
    case 'enum': {
      const s = String(raw);
      if (!spec.values.includes(s)) fail(`${where} must be one of ${spec.values.join(', ')}, got '${s}'`);
      return s;
    }
  }
}

/** Parameter values as given: from a configuration, the command line or a trace file; missing ones take defaults. */
export type GivenParams = Readonly<Record<string, ParamValue | undefined>>;

/** Defaults overlaid with the given values, each validated. Unknown names are an error. */
export function resolveParams(model: AnyModel, given: GivenParams = {}): Params {
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(given)) {
    if (!(name in model.params)) {
      const known = Object.keys(model.params);
      fail(`unknown parameter '${name}' for ${model.id} (known: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  for (const [name, spec] of Object.entries(model.params)) {
    const raw = given[name];
    out[name] = raw === undefined ? spec.default : parseValue(model.id, name, spec, raw);
  }
  return out;
}

/** Parses `k=v` pairs from the command line. */
export function parseParamArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--param takes k=v, got '${pair}'`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** The parameters that mean something with these values: those without `appliesWhen`, and those whose condition holds. */
export function appliedParams(model: AnyModel, params: Params): Params {
  return Object.fromEntries(
    Object.entries(params).filter(([name]) => {
      const when = model.params[name]?.appliesWhen;
      return !when || Object.entries(when).every(([other, values]) => values.includes(params[other]));
    }),
  );
}

export function formatParams(params: Params): string {
  const entries = Object.entries(params);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}
