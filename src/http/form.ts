/**
 * Request parameters at the edge: a form or JSON body (or a query string) parsed once into a
 * typed reader. Twilio's parameters are PascalCase, repeated keys are lists (`MediaUrl`).
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { TwilioError } from '../errors/twilio-error.js';

export class Params {
  private constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  static from(input: unknown): Params {
    const map = new Map<string, string[]>();
    if (input && typeof input === 'object' && !Array.isArray(input)) {
      for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
        const list = Array.isArray(raw) ? raw : [raw];
        const strings = list.filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)));
        map.set(key, strings);
      }
    } else if (input !== undefined && input !== null && input !== '') {
      throw new TwilioError(20001, 'The request body must be form-encoded parameters or a JSON object.');
    }
    return new Params(map);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The single value of a parameter (the first, if it was repeated). */
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  all(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  /** A boolean parameter (`true` or `false`, in any case, as the helper libraries write them), or undefined when absent. */
  boolean(name: string): boolean | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    throw new TwilioError(20001, `${name} must be true or false, not '${value}'.`);
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}

export function requireMethod(value: string | undefined, fallback: 'GET' | 'POST', code: 21403 = 21403, name = 'Method'): 'GET' | 'POST' {
  if (value === undefined || value === '') return fallback;
  const upper = value.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  throw new TwilioError(code, `${name} must be GET or POST, not "${value}".`);
}

/** A webhook URL: empty, or absolute http(s). */
export function requireUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return value;
  let ok = false;
  try {
    const u = new URL(value);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok || value.length > 4000) throw new TwilioError(21402, `${name} is not a valid URL: ${value}`);
  return value;
}

/** A country parameter: an ISO 3166-1 alpha-2 code Parley knows (`US`, `GB`), or 20001 naming the parameter. */
export function requireCountry(value: string, name: string): string {
  if (!isSupportedCountry(value)) throw new TwilioError(20001, `${name} must be a country code such as US or GB, not "${value}".`);
  return value;
}

/** `Sid.json` at the end of a resource path. */
export function sidFromPath(segment: string | undefined, path: string): string {
  if (!segment || !segment.endsWith('.json')) throw new TwilioError(20404, `The requested resource ${path} was not found`);
  return segment.slice(0, -'.json'.length);
}
