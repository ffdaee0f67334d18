// The `distcheck` command line: parses the command, loads only what it needs, and turns errors into exit codes.
// It takes its catalog as an argument (bin/distcheck.mjs passes the shipped one, scripts/lab.mjs the lab);
// everything it calls takes the models it works on as arguments.
// Exit codes: 0 as expected, 1 unexpected result, 2 bad input, 3 limit reached, 4 model error, 5 internal error.
import { readFileSync } from 'node:fs';
import { SHIPPED } from '../../models/catalog';
import { ModelError, OptionError, UsageError, fail } from '../shared/errors';
import { parse, wantsHelp } from './args';
import { BENCH_LINEARIZABLE_HELP, HELP, overview, type CommandHelp } from './help';
import { LINEARIZABLE_HELP, LINEARIZABLE_USAGE } from './linearizable';
import { CLUSTER_USAGE } from './cluster-usage';
import type { App } from './models';
import type { Out } from './output';

export type { App } from './models';

const defaultOut: Out = { log: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * The shipped catalog, and the module worker threads (parallel exploration, the explorer's checks) load it
 * from: models/index.ts in the repository, its bundle dist/catalog.js in the installed package.
 */
export const SHIPPED_APP: App = {
  catalog: SHIPPED,
  catalogModule: { module: new URL(FROM_SOURCES ? '../../models/index.ts' : '../catalog.js', import.meta.url).href, exportName: 'CATALOG' },
};

interface Command {
  readonly help: CommandHelp;
  readonly run: (args: string[], out: Out, app: App) => Promise<number>;
  /** Internal commands (the bench's child) are left out of the overview. */
  readonly hidden?: boolean;
}

/** Every command: its help and a loader for its code. A new command adds one entry (and exports its usage). */
const COMMANDS: readonly Command[] = [
  { help: HELP.list, run: async (a, o, app) => (await import('./commands')).cmdList(a, o, app) },
  { help: HELP.check, run: async (a, o, app) => (await import('./check')).cmdCheck(a, o, app) },
  { help: HELP.replay, run: async (a, o, app) => (await import('./commands')).cmdReplay(a, o, app) },
  { help: HELP.report, run: async (a, o, app) => (await import('./commands')).cmdReport(a, o, app) },
  { help: HELP.diff, run: async (a, o) => (await import('./commands')).cmdDiff(a, o) },
  { help: HELP.merge, run: async (a, o, app) => (await import('./merge')).cmdMerge(a, o, app) },
  {
    help: { name: 'linearizable', summary: 'is a recorded (Jepsen-style) history linearizable?', usage: LINEARIZABLE_USAGE, text: LINEARIZABLE_HELP },
    run: async (a, o) => (await import('./linearizable')).cmdLinearizable(a, o),
  },
  {
    help: { name: 'cluster', summary: 'run a real etcd or Redis Sentinel cluster under faults and check its history', usage: CLUSTER_USAGE },
    run: async (a, o) => (await import('./cluster')).cmdCluster(a, o),
  },
  { help: HELP.bench, run: async (a, o, app) => (await import('./commands')).cmdBench(a, o, app) },
  { help: HELP.init, run: async (a, o) => (await import('./init')).cmdInit(parse(a, {}).positionals, o, process.cwd()) },
  { help: HELP.serve, run: async (a, o, app) => (await import('./serve')).cmdServe(a, o, app) },
  { help: HELP.html, run: async (a, o, app) => (await import('./serve')).cmdHtml(a, o, app) },
  {
    help: {
      name: 'bench-linearizable',
      summary: 'time the linearizability checker on generated histories',
      usage: 'distcheck bench-linearizable [--repeat N]',
      text: BENCH_LINEARIZABLE_HELP,
    },
    run: async (a, o) => (await import('./bench-linearizable')).benchLinearizable(a, o),
    hidden: true,
  },
  {
    help: {
      name: 'bench-one',
      summary: 'one run of the bench (its child process)',
      usage: 'distcheck bench-one <model> <variant> <workers> k=v...',
    },
    run: async (a, o, app) => (await import('./commands')).cmdBenchOne(a, o, app),
    hidden: true,
  },
  {
    help: {
      name: 'bench-floor',
      summary: "the model's own cost, actions and next on every transition, with no engine (for bench-tlc)",
      usage: 'distcheck bench-floor <model> <variant> k=v...',
    },
    run: async (a, o, app) => (await import('./commands')).cmdBenchFloor(a, o, app),
    hidden: true,
  },
  { help: HELP.help, run: async () => 0 },
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const visible = (): CommandHelp[] => COMMANDS.filter((c) => !c.hidden).map((c) => c.help);

function findCommand(name: string): Command {
  const c = COMMANDS.find((x) => x.help.name === name);
  if (!c)
    fail(
      `unknown command '${name}' (commands: ${visible()
        .map((h) => h.name)
        .join(', ')}; see distcheck help)`,
    );
  return c;
}

function help(args: readonly string[], out: Out): number {
  if (args.length === 0) {
    out.log(overview(visible(), version()));
    return 0;
  }
  if (args.length > 1) fail('help takes one command name');
  const h = findCommand(args[0]).help;
  out.log(h.text ?? `usage: ${h.usage}`);
  return 0;
}

/** The frames of a model error's stack that are the model's, not distcheck's (nor node's). */
function modelFrames(cause: unknown): string[] {
  const stack = cause instanceof Error && cause.stack ? cause.stack.split('\n').slice(1) : [];
  const ours = /[\\/](src[\\/](check|model|trace|report|cli|ui|shared)|dist[\\/](chunks|cli))[\\/]|node:internal|node_modules[\\/]/;
  const frames = stack.filter((l) => /^\s+at /.test(l) && !ours.test(l));
  return (frames.length ? frames : stack.slice(0, 5)).map((l) => `  ${l.trim()}`);
}

/** Exit 4: one line, then the model's frames, the action, the state, and the path that led there. */
function presentModelError(e: ModelError, out: Out): void {
  const where = e.phase === 'property' ? `property ${e.property ?? '?'}` : e.phase;
  const cause = e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : String(e.cause);
  out.err(`distcheck: model error in ${where}${e.action ? ` (action ${e.action})` : ''}: ${cause.split('\n')[0]}`);
  const lines = modelFrames(e.cause);
  if (e.action) lines.push(`action: ${e.action}`);
  if (e.state !== undefined) lines.push(`state: ${JSON.stringify(e.state)}`);
  if (e.path) lines.push(`path from an initial state: ${e.path.join(' ')}`);
  if (e.trace) lines.push(e.trace);
  for (const l of lines) out.err(l);
}

export async function main(argv: string[], out: Out = defaultOut, app: App = SHIPPED_APP): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) {
      out.log(overview(visible(), version()));
      out.err('distcheck: no command given (the commands are listed above)');
      return 2;
    }
    if (command === '--version' || command === '-v') {
      out.log(version());
      return 0;
    }
    if (command === 'help' || command === '--help' || command === '-h') return help(wantsHelp(rest) ? ['help'] : rest, out);
    const c = findCommand(command);
    if (wantsHelp(rest)) {
      out.log(c.help.text ?? `usage: ${c.help.usage}`);
      return 0;
    }
    try {
      return await c.run(rest, out, app);
    } catch (e) {
      // Commands that parse their own options (node's parseArgs) get the same line as the others.
      const unknown = e instanceof UsageError && /^Unknown option '([^']+)'/.exec(e.message);
      if (e instanceof OptionError || unknown)
        throw new OptionError(`${unknown ? `unknown option '${unknown[1]}'` : e.message} (see distcheck ${command} --help)`);
      throw e;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      out.err(`distcheck: ${e.message}`);
      return 2;
    }
    if (e instanceof ModelError) {
      presentModelError(e, out);
      return 4;
    }
    const message = e instanceof Error ? e.message : String(e);
    out.err(`distcheck: internal error (a bug in distcheck, please report it): ${message.split('\n')[0]}`);
    if (process.env.DISTCHECK_DEBUG && e instanceof Error && e.stack) out.err(e.stack);
    return 5;
  }
}
