// The environment of a distcheck child process in a test. The child loads the sources through tsx, a different
// transform than vitest's, so it must stay out of c8's coverage or the two versions of each file are merged into
// nonsense; Node hands NODE_V8_COVERAGE on to children unless it is the empty string.
export const childEnv = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_V8_COVERAGE: '',
  ...extra,
});
