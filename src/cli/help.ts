// The commands' usage texts, for `distcheck help`, `distcheck help <command>`, `distcheck <command> --help`
// and `-h`. A command owned elsewhere exports its own usage from its file; main.ts lists every command once.

/** A command as help shows it: its name, one line for the overview, and its full usage with every option. */
export interface CommandHelp {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** The whole help text, when the command has more to say than its usage line (every option, explained). */
  readonly text?: string;
}

/** The whole help of bench-linearizable (here, so that help does not load the benchmark). */
export const BENCH_LINEARIZABLE_HELP = `usage: distcheck bench-linearizable [--repeat N]

Times the linearizability checker on generated histories (etcd-shaped cas-register histories, a batch of
100 register histories, Porcupine-shaped kv histories of 50 clients over 10 keys, linearizable and not, and
a history that stays hard under --max-seconds 2) and writes reports/bench-linearizability.md.

  --repeat N    runs per history, 1 to 50 (default 7); figures are medians
  -h, --help    this help`;

const MODEL_ARG = '<model | ./file.ts [--export NAME]>';

export const HELP = {
  list: {
    name: 'list',
    summary: 'the models (of the catalog, or of model files) with their parameters, variants and configurations',
    usage: `distcheck list [./file.ts...]
  Lists the built-in models, or the models a file exports (every export that is a model).`,
  },
  check: {
    name: 'check',
    summary: 'check one model: breadth-first over every state, or random walks',
    usage: `distcheck check ${MODEL_ARG} [options]
  --config NAME        run one of the model's configurations, with its expectation (other options override it)
  --variant V          the variant (default: correct, or the configuration's)
  --param k=v          a parameter (repeatable)
  --property NAME      check only this property (repeatable), as a TLC cfg's INVARIANT lines; default: all
  --strategy bfs|random
  --seed S             random walks: the seed (default 42)
  --path P             random walks: replay one shrunk case (printed with a counterexample)
  --runs N             random walks: how many (default 200)
  --walk-length N      random walks: steps per walk (default 50)
  --max-states N       breadth-first: stop after N distinct states (default 20,000,000)
  --max-depth N        breadth-first: stop at depth N
  --max-seconds N      stop after N seconds
  --deadlock           a state with no enabled action (and not terminal) is a violation
  --symmetry           one state per orbit, for models that declare a symmetry
  --workers N          breadth-first on N threads (same figures and traces as one)
  --json               one JSON line instead of text
  --save DIR           where counterexample JSON goes (default reports/last-run)
  --junit FILE         also write JUnit XML
Long runs:
  --minutes N          random walks: a campaign of rounds of --runs walks (default 1,000 per round) until N
                       minutes are up; each round's seed comes from --seed, round 0's is --seed itself
  --rounds N           random walks: a campaign of N rounds (with --minutes: whichever comes first)
  --keep-going         a campaign goes on past violations, collecting the distinct ones (property and shrunk walk)
  --shard i/n          a campaign runs rounds i-1, i-1+n, ...; it leaves campaign-shard-i-of-n.ckpt in --save DIR
                       for 'distcheck merge'
  --checkpoint FILE    breadth-first (one thread) or a campaign: write FILE on SIGINT/SIGTERM, at --max-seconds,
                       and at the end of a campaign
  --checkpoint-minutes N   also every N minutes
  --resume FILE        go on from a checkpoint (same model, variant, parameters and settings, or exit 2); the final
                       figures and traces are those of a run that was never stopped
Exit: 0 as expected, 1 unexpected, 2 bad input, 3 limit reached or interrupted, 4 the model threw, 5 internal error.`,
  },
  replay: {
    name: 'replay',
    summary: 'replay a saved counterexample against the current model',
    usage: `distcheck replay <trace.json> [--model ./file.ts [--export NAME]]
  The trace names its model; a trace of a model file records the file, --model overrides it.`,
  },
  init: {
    name: 'init',
    summary: 'write a starter model and its test into the current folder',
    usage: `distcheck init <name>
  Writes <name>.ts (a lock with a correct and a check-then-set variant) and <name>.test.ts.`,
  },
  report: {
    name: 'report',
    summary: 'every configuration of every model (or of model files), with the reports written to a folder',
    usage: `distcheck report [./file.ts...] [--model ID]... [--out DIR] [--junit FILE] [--shard i/n]
  Without files: every configuration of the catalog, written to DIR (default reports/).
  With files: every configuration of every model they export, written to DIR (default reports/last-run/), for CI.
  --model ID           only this model of the catalog (repeatable; default reports/last-run/)
  --out DIR            where the Markdown reports go
  --junit FILE         also write JUnit XML, one test case per configuration
  --shard i/n          only the configurations k (from 0, in catalog order) with k mod n = i-1; writes DIR
                       (default reports/last-run/shard-i-of-n/) with shard.json, for 'distcheck merge'
Exit: 0 when every configuration is as expected, 1 otherwise.`,
  },
  merge: {
    name: 'merge',
    summary: 'combine the folders of report or campaign shards into what one run would have written',
    usage: `distcheck merge DIR... [--out DIR] [--junit FILE]
  Report shards (report --shard i/n --out DIR): the reports of the whole run, byte-identical to one report,
  and with --junit its JUnit XML (the seconds are the shards'). Campaign shards (check --strategy random
  --shard i/n --save DIR): the walks added up, the states and action instances seen and the violations found
  united, the counterexamples saved. Every shard 1..n must be there once.
  --out DIR            where the merged reports go (default reports/last-run/merged/)
  --junit FILE         also write JUnit XML (report shards)
Exit: as report or check would; 2 for a missing, repeated or foreign shard.`,
  },
  diff: {
    name: 'diff',
    summary: 'compare two reports/manifest.json files; exit 1 on a regression',
    usage: `distcheck diff BASE-manifest.json HEAD-manifest.json`,
  },
  bench: {
    name: 'bench',
    summary: 'time the breadth-first explorer over a range of one parameter',
    usage: `distcheck bench ${MODEL_ARG} --param k=FROM..TO [--param k=v]... [--variant V] [--repeat N] [--workers N[,N]...]
  Each size and worker count runs in its own process; medians go to reports/bench-<model>.md.`,
  },
  serve: {
    name: 'serve',
    summary: 'the explorer in the browser',
    usage: `distcheck serve [./file.ts...] [--catalog] [--port P]
  Serves the built-in models, or the models of the given files (add --catalog to serve the built-in ones too).
  --port P             default 3000; 0 picks a free port`,
  },
  html: {
    name: 'html',
    summary: 'every counterexample as static pages',
    usage: `distcheck html DIR [./file.ts...] [--model ID]...
  Runs every configuration (of the catalog, of the models named with --model, or of the given files) and writes
  one page per counterexample into DIR.`,
  },
  help: {
    name: 'help',
    summary: 'this overview, or one command’s usage',
    usage: `distcheck help [command]     (also: distcheck <command> --help, -h; distcheck --version)`,
  },
} satisfies Record<string, CommandHelp>;

/** The overview: every command with its summary. */
export function overview(commands: readonly CommandHelp[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `distcheck ${version}: model checking of distributed-systems protocols`,
    '',
    'usage: distcheck <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "'distcheck help <command>' or 'distcheck <command> --help' shows a command's options.",
    'Exit codes: 0 as expected, 1 unexpected result, 2 bad input, 3 limit reached, 4 model error, 5 internal error.',
  ].join('\n');
}
