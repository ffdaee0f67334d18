// Errors the CLI turns into one line and exit code 2: bad input from the user, never a bug of ours.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function fail(message: string): never {
  throw new UsageError(message);
}
