// `distcheck init NAME`: writes NAME.ts (a starter model) and NAME.test.ts (its vitest file) into a directory,
// from templates/template-model*.ts, renaming `template-model` to NAME and `templateModel` to its camelCase.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../shared/errors';

type Out = { log: (s: string) => void };

// Two levels up from this file: the repository root from src/cli/, the package root from dist/cli/.
const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const VALID_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const camelCase = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// Words the model's constant (NAME in camelCase) cannot be: JavaScript's reserved words.
const RESERVED = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum eval export extends false finally ' +
    'for function if implements import in instanceof interface let new null package private protected public return ' +
    'static super switch this throw true try typeof var void while with yield arguments undefined'
  ).split(' '),
);

/** The names the templates declare or import anywhere, which the model's constant must not clash with. */
function declaredNames(template: string): Set<string> {
  const names = [...template.matchAll(/\b(?:const|let|function|type|interface|class)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  for (const m of template.matchAll(/^import\s*{([^}]*)}/gm))
    names.push(...m[1].split(',').map((x) => x.replace(/^\s*type\s+/, '').trim()));
  return new Set(names.filter((n) => n !== 'templateModel'));
}

export function cmdInit(positionals: readonly string[], out: Out, dir: string): number {
  if (positionals.length !== 1) fail('init takes one model name, e.g. distcheck init my-protocol');
  const name = positionals[0];
  if (!VALID_NAME.test(name) || name.length > 60) {
    fail(`'${name}' is not a model name: use lower-case letters, digits and single hyphens, starting with a letter (e.g. my-protocol)`);
  }
  const camel = camelCase(name);
  const files = [
    { template: 'template-model.ts', target: `${name}.ts` },
    { template: 'template-model.test.ts', target: `${name}.test.ts` },
  ].map((f) => ({ ...f, text: readFileSync(join(TEMPLATES, f.template), 'utf8') }));
  if (RESERVED.has(camel) || declaredNames(files.map((f) => f.text).join('\n')).has(camel)) {
    fail(`'${name}' is not a model name: the model's constant ${camel} would clash with a reserved word or a name in the template`);
  }
  const existing = files.filter((f) => existsSync(join(dir, f.target))).map((f) => f.target);
  if (existing.length) fail(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; not overwriting`);
  for (const f of files) {
    const text = f.text.replaceAll('template-model', name).replaceAll('templateModel', camel);
    writeFileSync(join(dir, f.target), text, { flag: 'wx' });
  }
  out.log(
    `wrote ${files.map((f) => f.target).join(' and ')}: a lock with a correct and a check-then-set variant, and a v2 rolled out over v1`,
  );
  out.log('next:');
  out.log(`  npx distcheck check ./${name}.ts                     # the correct variant`);
  out.log(`  npx distcheck check ./${name}.ts --config two-clients-check-then-set   # the bug, with its counterexample`);
  out.log(`  npx distcheck check ./${name}.ts --config rolling-upgrade-new-key-only # v1 and v2 clients sharing the lock`);
  out.log(`  npx vitest run ${name}.test.ts                      # every configuration (npm install -D vitest)`);
  return 0;
}
