/**
 * An error in what the user gave us (a file, a flag, a chart): the CLI prints its message
 * as one line and exits 2. Engines throw it for bad input; anything else is a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}
