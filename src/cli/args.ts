// Option parsing shared by the commands: node:util's parseArgs, strict, with any error as one UsageError line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionError, fail } from '../shared/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--runs -5`: a negative number is the option's value (to be judged by the option), not an unknown option. */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    if (name && options[name]?.type === 'string' && i + 1 < args.length && /^-\d/.test(args[i + 1])) {
      out.push(`--${name}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
}

export function parse(args: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new OptionError(`unknown option '${unknown[1]}'`);
    const ambiguous = /^Option '(--?[\w-]+)/.exec(message);
    if (ambiguous && /ambiguous/.test(message))
      return fail(`${ambiguous[1]} needs a value (write ${ambiguous[1]}=VALUE for one that starts with '-')`);
    return fail(message.split('\n')[0]);
  }
}

/** Whether the arguments ask for help (before a `--`). */
export const wantsHelp = (args: readonly string[]): boolean => {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
};
