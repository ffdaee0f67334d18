// Errors the command line turns into exit codes: UsageError is bad input from the user (one line, exit 2);
// ModelError is an exception thrown by a model or a spec (exit 4, with the model's stack, the action, the state
// and the path that led there). Anything else that escapes is a bug of distcheck (exit 5).

export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** An option the command does not take: main adds the command's --help to the line. */
export class OptionError extends UsageError {
  override readonly name = 'OptionError';
}

export function fail(message: string): never {
  throw new UsageError(message);
}

/** Where in a model an exception was thrown. */
export type ModelPhase = 'init' | 'actions' | 'next' | 'property' | 'key';

export interface ModelErrorDetails {
  readonly phase: ModelPhase;
  /** The action being taken (`next`) or judged (a step property), as the model formats it. */
  readonly action?: string;
  /** The property being evaluated (phase `property`). */
  readonly property?: string;
  /** The state it happened at, in display form. */
  readonly state?: unknown;
  /** Choice indices from an initial state to that state (the first is the initial state's index), when known. */
  readonly path?: readonly number[];
  /** The exception the model threw. */
  readonly cause: unknown;
  /** The path as a rendered trace, added by a caller that has the machine to replay it. */
  readonly trace?: string;
}

/** An exception thrown by a model's own code: not distcheck's fault, and reported with where it happened. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  readonly phase: ModelPhase;
  readonly action?: string;
  readonly property?: string;
  readonly state?: unknown;
  readonly path?: readonly number[];
  readonly trace?: string;
  override readonly cause: unknown;

  constructor(details: ModelErrorDetails) {
    const what = details.cause instanceof Error ? details.cause.message : String(details.cause);
    super(what);
    this.phase = details.phase;
    this.cause = details.cause;
    if (details.action !== undefined) this.action = details.action;
    if (details.property !== undefined) this.property = details.property;
    if (details.state !== undefined) this.state = details.state;
    if (details.path !== undefined) this.path = details.path;
    if (details.trace !== undefined) this.trace = details.trace;
  }

  /** The same error with the path filled in (by whoever knows it). */
  withPath(path: readonly number[]): ModelError {
    return new ModelError({ ...this.details(), path });
  }

  /** The same error with its path rendered as a trace. */
  withTrace(trace: string): ModelError {
    return new ModelError({ ...this.details(), trace });
  }

  details(): ModelErrorDetails {
    return {
      phase: this.phase,
      cause: this.cause,
      ...(this.action !== undefined ? { action: this.action } : {}),
      ...(this.property !== undefined ? { property: this.property } : {}),
      ...(this.state !== undefined ? { state: this.state } : {}),
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.trace !== undefined ? { trace: this.trace } : {}),
    };
  }
}
