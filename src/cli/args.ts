// Option parsing shared by the commands: node:util's parseArgs, strict, with any error as one UsageError line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fail } from '../shared/errors';

export function parse(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
}
