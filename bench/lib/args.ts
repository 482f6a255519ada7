/** The bench tools' `--name=value` options. */

/** The value of `--name=value` on the command line, or undefined. */
export function flagValue(name: string): string | undefined {
  return flagValues(name)[0];
}

/** `--name=N`, a positive integer (anything else is an error naming the option), or `fallback`. */
export function positiveIntFlag(name: string, fallback: number): number {
  const found = flagValue(name);
  const value = found === undefined ? fallback : Number(found);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Every value of a repeatable `--name=value`, in order. */
export function flagValues(name: string): string[] {
  return process.argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
}
