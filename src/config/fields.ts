/**
 * Typed fields of the configuration file: each field reads one YAML value into a typed setting,
 * and a wrong type or value is a `ConfigError` naming the key's path (`channels[0].port`). The
 * same field tables give the defaults and the documentation of every key.
 */
import { parseDuration } from './duration.js';

export class ConfigError extends Error {}

/** Where a value sits, for error messages: the file and the key path. */
export interface Where {
  file: string;
  path: string;
}

export function at(where: Where, key: string | number): Where {
  const path = typeof key === 'number' ? `${where.path}[${key}]` : where.path === '' ? key : `${where.path}.${key}`;
  return { file: where.file, path };
}

export function configError(where: Where, message: string): ConfigError {
  return new ConfigError(`${where.file}: ${where.path}: ${message}`);
}

/** One key of a YAML mapping: its name, whether it is required, its default, and how to read it. */
export interface Field<T> {
  key: string;
  /** The property the value lands in (camelCase of the key). */
  prop: string;
  required: boolean;
  defaultValue?: T;
  /** The default as the docs show it ('none' when there is none). */
  defaultText: string;
  help: string;
  read(value: unknown, where: Where): T;
}

export type Reader<T> = (value: unknown, where: Where) => T;

export function field<T>(key: string, read: Reader<T>, options: { help: string; defaultValue?: T; defaultText?: string; required?: boolean; prop?: string }): Field<T> {
  return {
    key,
    prop: options.prop ?? key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()),
    required: options.required ?? options.defaultValue === undefined,
    ...(options.defaultValue !== undefined ? { defaultValue: options.defaultValue } : {}),
    defaultText: options.defaultText ?? (options.defaultValue === undefined ? 'required' : JSON.stringify(options.defaultValue)),
    help: options.help,
    read,
  };
}

function typeName(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

export const readString = (options: { maxLength?: number; allowEmpty?: boolean } = {}): Reader<string> => (value, where) => {
  if (typeof value !== 'string' && typeof value !== 'number') throw configError(where, `must be a string, not ${typeName(value)}`);
  const text = String(value);
  if (!options.allowEmpty && text.trim() === '') throw configError(where, 'must not be empty');
  if (options.maxLength !== undefined && Buffer.byteLength(text) > options.maxLength) {
    throw configError(where, `must be at most ${options.maxLength} bytes (SMPP's limit)`);
  }
  return text;
};

export const readInteger = (min: number, max: number): Reader<number> => (value, where) => {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw configError(where, `must be a whole number, not ${typeName(value)}`);
  if (n < min || n > max) throw configError(where, `must be between ${min} and ${max}, not ${n}`);
  return n;
};

export const readBoolean: Reader<boolean> = (value, where) => {
  if (typeof value !== 'boolean') throw configError(where, `must be true or false, not ${typeName(value)}`);
  return value;
};

/** A duration as `30s`, `5m`, `500ms`, or a bare number of seconds. */
export const readDuration: Reader<number> = (value, where) => {
  if (typeof value !== 'string' && typeof value !== 'number') throw configError(where, `must be a duration like 30s or 5m, not ${typeName(value)}`);
  try {
    return parseDuration(String(value));
  } catch (error) {
    throw configError(where, error instanceof Error ? error.message : String(error));
  }
};

export function readOneOf<const T extends string | number>(choices: readonly T[]): Reader<T> {
  return (value, where) => {
    const found = choices.find((c) => c === value || String(c) === String(value));
    if (found === undefined) throw configError(where, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, not ${typeName(value)}`);
    return found;
  };
}

export function readList<T>(item: Reader<T>, options: { nonEmpty?: boolean } = {}): Reader<readonly T[]> {
  return (value, where) => {
    if (!Array.isArray(value)) throw configError(where, `must be a list, not ${typeName(value)}`);
    if (options.nonEmpty && value.length === 0) throw configError(where, 'must list at least one entry');
    return Object.freeze(value.map((v, i) => item(v, at(where, i))));
  };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a mapping with a field table: every key must be known, every required key present, and
 * absent optional keys take their defaults. Returns the values by property name.
 */
export function readMapping(fields: ReadonlyArray<Field<unknown>>, value: unknown, where: Where): Record<string, unknown> {
  if (!isMapping(value)) throw configError(where, `must be a mapping of keys to values, not ${typeName(value)}`);
  const known = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw configError(at(where, key), `unknown key (known keys: ${fields.map((f) => f.key).join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = value[f.key];
    if (raw === undefined || raw === null) {
      if (f.required) throw configError(at(where, f.key), raw === null ? 'needs a value' : 'is required');
      out[f.prop] = f.defaultValue;
      continue;
    }
    out[f.prop] = f.read(raw, at(where, f.key));
  }
  return out;
}
