// Command-line parsing shared by the subcommands: turning node:util parseArgs's errors into one
// plain line, and reading whole numbers the way a person writes them.

/**
 * parseArgs refuses `--items -1` as ambiguous; we want to say "-1 is not allowed" instead, so a
 * value flag followed by anything that is not itself a `--flag` is joined as `--items=-1`.
 */
export function joinValues(argv: readonly string[], valueFlags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    const flag = arg.startsWith('--') ? arg.slice(2) : '';
    if (valueFlags.includes(flag) && next !== undefined && !next.startsWith('--')) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** One line for a parseArgs error: `unknown option --bogus`, `--items needs a value`, … */
export function parseArgsMessage(error: unknown, command: string): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag ?? message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag !== undefined && /argument missing|ambiguous/.test(message)
        ? `${flag} needs a value`
        : message.split('\n')[0];
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message} (${command} takes only options)`;
    default:
      return message.split('\n')[0];
  }
}

/**
 * A whole number from the command line: anything Number() reads as an integer (`12`, `+3`,
 * `1e3`, `0x10`); undefined for anything else (`1.5`, `abc`, an empty string).
 */
export function wholeNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
