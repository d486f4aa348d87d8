/**
 * The checks the compiled options of the engine, the agent gateway and the agentless path
 * apply to a number they were given: a value that cannot work stops the start, naming the
 * part and the option.
 */
import { invalidConfig } from '../../shared/errors';

export function wholeNumberAtLeast(
  owner: string,
  name: string,
  value: number,
  min: number,
): number {
  if (!Number.isInteger(value) || value < min)
    throw invalidConfig(
      `${owner} option ${name} must be a whole number of at least ${min}, not ${value}`,
      {
        details: { field: name, value, expected: `integer >= ${min}` },
      },
    );
  return value;
}

export function msAtLeast(owner: string, name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw invalidConfig(`${owner} option ${name} must be at least ${min} ms, not ${value}`, {
      details: { field: name, value, expected: `>= ${min}` },
    });
  return value;
}
