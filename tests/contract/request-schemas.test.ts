import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  enrollBody,
  friendlyNameBody,
  initiationBody,
  profileVerificationBody,
  scanBody,
  signInBody,
  devicesQuery,
} from '../../services/actions/schemas.ts';
import { MAX_WAIT_SECONDS } from '../../services/status/routes.ts';
import { endpointBody } from '../../services/config/webhook-routes.ts';
import { settingsPatchSchema } from '../../shared/tenants/method-settings.ts';
import { loadSpec, schemaValidator, type HttpMethod } from '../helpers/openapi-contract.ts';

// The spec's request schemas must accept exactly what the zod schemas the routes parse with
// accept. Rather than compare two schema languages, both judge the same probes: every bound
// (length, range, pattern, enum, required, unknown members) either side of its edge.

type Json = Record<string, unknown>;

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function at(pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node as Json)[key.replace(/~1/g, '/').replace(/~0/g, '~')], loadSpec());
}

/** Follows `$ref`s from `pointer` to the object and its own pointer. */
function follow(pointer: string): { node: Json; pointer: string } {
  let node = at(pointer) as Json;
  let where = pointer;
  while (typeof node.$ref === 'string') {
    where = node.$ref.slice(1);
    node = at(where) as Json;
  }
  return { node, pointer: where };
}

/** The JSON body schema of an operation, and one of its documented examples as a valid base. */
function requestBodyOf(method: HttpMethod, path: string): { pointer: string; schema: Json; example: Json } {
  const body = follow(`/paths/${escape(path)}/${method}/requestBody`);
  const media = `${body.pointer}/content/application~1json`;
  const { pointer, node: schema } = follow(`${media}/schema`);
  const examples = (at(media) as { examples?: Record<string, { value: Json }> }).examples ?? {};
  const example = Object.values(examples).map((e) => e.value).find((value) => Object.keys(value).length > 0) ?? {};
  return { pointer, schema, example };
}

const CONTROL_PROBES = ['a\u0000b', 'a\u0001b', 'a\nb', 'a\rb', 'a\tb', 'a\u007fb'];
const FIXED_PROBES: unknown[] = [
  '',
  ' ',
  '   ',
  'x',
  ' x ',
  'a:b',
  'Acme Inc.',
  'd5edcec1-d306-4cb8-8650-a3eb0330084d',
  'D5EDCEC1-D306-4CB8-8650-A3EB0330084D',
  'urn:uuid:d5edcec1-d306-4cb8-8650-a3eb0330084d',
  'd5edcec1d3064cb88650a3eb0330084d',
  '12345',
  '123456',
  '1234567',
  '12345678',
  '123456789',
  '12345a',
  ' 123456',
  'SHA1',
  'sha1',
  'SHA256',
  'SHA512',
  'MD5',
  ...CONTROL_PROBES,
  0,
  1,
  1.5,
  -1,
  123456,
  true,
  false,
  null,
  {},
  { deviceId: '' },
  [],
];

/** Values either side of every bound the spec states for one property. */
function probesFor(schema: Json): unknown[] {
  const probes = [...FIXED_PROBES];
  for (const key of ['minLength', 'maxLength'] as const) {
    const n = schema[key];
    if (typeof n === 'number') probes.push(...[n - 1, n, n + 1].filter((len) => len >= 0).map((len) => 'x'.repeat(len)));
  }
  for (const key of ['minimum', 'maximum'] as const) {
    const n = schema[key];
    if (typeof n === 'number') probes.push(n - 1, n, n + 1, String(n));
  }
  for (const value of (schema.enum as unknown[] | undefined) ?? []) probes.push(value, String(value).toLowerCase());
  return probes;
}

/** Probes that differ between zod and the spec, as readable lines. */
function disagreements(zod: z.ZodType, pointer: string, schema: Json, base: Json): string[] {
  const validate = schemaValidator(pointer);
  const out: string[] = [];
  const judge = (label: string, value: Json) => {
    const byZod = zod.safeParse(value).success;
    const bySpec = validate(value) as boolean;
    if (byZod !== bySpec) out.push(`${label}: zod ${byZod ? 'accepts' : 'refuses'}, openapi.yaml ${bySpec ? 'accepts' : 'refuses'}`);
  };
  judge('the example', base);
  judge('an unknown member', { ...base, unknown_member: 'x' });
  const properties = (schema.properties as Record<string, Json>) ?? {};
  for (const name of Object.keys(properties)) {
    const { node: property } = follow(`${pointer}/properties/${escape(name)}`);
    const without = { ...base };
    delete without[name];
    judge(`without ${name}`, without);
    for (const probe of probesFor(property)) judge(`${name} = ${JSON.stringify(probe)}`, { ...base, [name]: probe });
  }
  return out;
}

const bodies: { name: string; zod: z.ZodType; method: HttpMethod; path: string }[] = [
  { name: 'initiation', zod: initiationBody, method: 'post', path: '/verification-actions-srv/setup/{method}/initiation' },
  { name: 'initiation (v2 path)', zod: initiationBody, method: 'post', path: '/verification-srv/v2/setup/initiate/{method}' },
  { name: 'profile verification', zod: profileVerificationBody, method: 'post', path: '/verification-actions-srv/setup/{method}/verification' },
  { name: 'scan', zod: scanBody, method: 'post', path: '/verification-actions-srv/setup/{method}/scan' },
  { name: 'enroll', zod: enrollBody, method: 'post', path: '/verification-srv/v2/setup/enroll/{method}' },
  { name: 'friendly name', zod: friendlyNameBody, method: 'put', path: '/verification-actions-srv/setup/users/friendlyname/{method}' },
  { name: 'sign-in', zod: signInBody, method: 'post', path: '/verification-srv/authentication/{method}/verification' },
  { name: 'webhook endpoint', zod: endpointBody, method: 'post', path: '/verification-srv/webhooks' },
];

describe('request bodies in openapi.yaml accept what the routes accept', () => {
  it.each(bodies)('$name', ({ zod, method, path }) => {
    const { pointer, schema, example } = requestBodyOf(method, path);
    expect(disagreements(zod, pointer, schema, example)).toEqual([]);
  });

  it('method settings (PUT /verification-srv/config/{type} settings)', () => {
    const { pointer: change, example } = requestBodyOf('put', '/verification-srv/config/{type}');
    const { pointer, node: schema } = follow(`${change}/properties/settings`);
    const base = (example.settings as Json | undefined) ?? {};
    expect(disagreements(settingsPatchSchema, pointer, schema, base)).toEqual([]);
  });

  it('the devices query (GET /verification-actions-srv/devices ?sub)', () => {
    const parameters = at(`/paths/${escape('/verification-actions-srv/devices')}/get/parameters`) as Json[];
    const index = parameters.findIndex((p) => p.name === 'sub');
    const { pointer, node } = follow(`/paths/${escape('/verification-actions-srv/devices')}/get/parameters/${index}/schema`);
    const validate = schemaValidator(pointer);
    const wrong = probesFor(node)
      .filter((probe): probe is string => typeof probe === 'string')
      .filter((probe) => devicesQuery.safeParse({ sub: probe }).success !== validate(probe))
      .map((probe) => JSON.stringify(probe));
    expect(wrong).toEqual([]);
  });

  it('the status long poll (?wait) has the route bounds', () => {
    const parameters = at(`/paths/${escape('/verification-srv/verificationstatus/{status_id}')}/get/parameters`) as Json[];
    const wait = parameters.find((p) => p.name === 'wait') as { schema: Json };
    expect(wait.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: MAX_WAIT_SECONDS });
  });
});
