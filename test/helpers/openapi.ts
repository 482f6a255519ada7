/**
 * Twilio's OpenAPI description (../shared/twilio-oai) turned into JSON Schema validators, shared
 * by the conformance tests: every 2010-04-01 body is checked against its schema with all
 * properties required, none extra, and Twilio's formats (RFC 2822 dates, API paths) enforced.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { RFC_2822 } from './formats.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// ---- the spec -------------------------------------------------------------------------------

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('package.json not found above the test');
  }
}
const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const spec: Json = JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'twilio-oai', 'twilio_api_v2010.json'), 'utf8'));

export function obj(node: Json | undefined, what: string): JsonObject {
  if (node === null || node === undefined || typeof node !== 'object' || Array.isArray(node)) throw new Error(`${what}: not an object`);
  return node;
}
export function at(node: Json, ...keys: string[]): JsonObject {
  return keys.reduce<JsonObject>((o, k) => obj(o[k], k), obj(node, 'root'));
}

const SPEC_ID = 'https://parley.invalid/twilio_api_v2010.json';

/**
 * OpenAPI 3.0 to JSON Schema: `nullable` becomes a `null` type (and enum member), refs point into
 * `$defs`, `x-twilio` annotations and examples go, and `uri-map` objects must map to API paths.
 */
export function sanitize(node: Json): Json {
  if (Array.isArray(node)) return node.map(sanitize);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || ['example', 'examples', 'nullable', 'title'].includes(key)) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(obj(value, key)).map(([name, s]) => [name, sanitize(s)]));
    } else if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/components/schemas/', `${SPEC_ID}#/$defs/`);
    } else {
      out[key] = sanitize(value);
    }
  }
  if (node['nullable'] === true) {
    if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
    if (Array.isArray(out['enum'])) out['enum'] = [...out['enum'], null];
  }
  if (out['format'] === 'uri-map') {
    delete out['format'];
    out['additionalProperties'] = { type: 'string', format: 'api-path' };
  }
  if (out['format'] === 'phone-number-capabilities') delete out['format'];
  return out;
}

/** Every schema property must be present and nothing else may be (beyond named extras). */
export function closed(schema: JsonObject, extras: JsonObject = {}): JsonObject {
  const properties = { ...obj(schema['properties'], 'properties'), ...extras };
  return { ...schema, properties, required: Object.keys(properties), additionalProperties: false };
}

const URI_MAP: JsonObject = { type: 'object', additionalProperties: { type: 'string', format: 'api-path' } };
const defs = obj(sanitize(at(spec, 'components', 'schemas')), 'schemas');
for (const name of ['api.v2010.account', 'api.v2010.account.message', 'api.v2010.account.message.media']) {
  defs[name] = closed(obj(defs[name], name));
}
// Not in the schema, but in Twilio's documented IncomingPhoneNumber responses.
defs['api.v2010.account.incoming_phone_number'] = closed(obj(defs['api.v2010.account.incoming_phone_number'], 'pn'), { subresource_uris: URI_MAP });

export const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv, ['date-time']);
const isApiPath = (s: string): boolean => /^\/[^\s]*$/.test(s) && URL.canParse(s, 'https://api.twilio.com');
ajv.addFormat('date-time-rfc-2822', { type: 'string', validate: (s) => RFC_2822.test(s) && !Number.isNaN(Date.parse(s)) });
// E.164, a channel address (whatsapp:+1…), a short code, or an alphanumeric sender ID.
ajv.addFormat('phone-number', /^(\+[1-9]\d{1,14}|[a-z-]+:.+|\d{3,6}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/);
ajv.addFormat('currency', /^[A-Za-z]{3}$/);
ajv.addFormat('http-method', /^(GET|POST)$/);
ajv.addFormat('api-path', { type: 'string', validate: isApiPath });
// Twilio's `uri` holds absolute URLs (sms_url), API paths (first_page_uri) and, unset, "".
ajv.addFormat('uri', {
  type: 'string',
  validate: (s) => s === '' || isApiPath(s) || (/^https?:\/\//.test(s) && URL.canParse(s)),
});
ajv.addSchema({ $id: SPEC_ID, $defs: defs });

export const validatorFor = (name: string): ValidateFunction => ajv.compile({ $ref: `${SPEC_ID}#/$defs/${name}` });
export function listValidator(listPath: string): ValidateFunction {
  const schema = at(spec, 'paths', listPath, 'get', 'responses', '200', 'content', 'application/json', 'schema');
  return ajv.compile(closed(obj(sanitize(schema), listPath)));
}
export function listExample(listPath: string, example: string): JsonObject {
  return at(spec, 'paths', listPath, 'get', 'responses', '200', 'content', 'application/json', 'examples', example, 'value');
}

/** Validates the JSON as it goes over the wire, with every error in the failure message. */
export function assertValid(validate: ValidateFunction, value: unknown): void {
  const wire: unknown = JSON.parse(JSON.stringify(value));
  assert.ok(validate(wire), ajv.errorsText(validate.errors, { separator: '\n' }));
}
