import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { devicesQuery, friendlyNameBody } from '../../services/actions/device-routes.ts';
import { MAX_WAIT_SECONDS } from '../../services/status/routes.ts';
import { endpointBody } from '../../services/config/webhook-routes.ts';
import type { BodyOperation } from '../../shared/methods/method-module.ts';
import { METHODS } from '../../shared/methods/registry.ts';
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

/** Which route's request body each operation of a method module receives. */
const OPERATION_ROUTES: Record<string, { method: HttpMethod; path: string }[]> = {
  'enrollment.initiate': [
    { method: 'post', path: '/verification-actions-srv/setup/{method}/initiation' },
    { method: 'post', path: '/verification-srv/v2/setup/initiate/{method}' },
  ],
  'enrollment.verify': [{ method: 'post', path: '/verification-actions-srv/setup/{method}/verification' }],
  'enrollment.scan': [{ method: 'post', path: '/verification-actions-srv/setup/{method}/scan' }],
  'enrollment.enroll': [{ method: 'post', path: '/verification-srv/v2/setup/enroll/{method}' }],
  'signIn.initiate': [{ method: 'post', path: '/verification-srv/authentication/{method}/initiation' }],
  'signIn.verify': [{ method: 'post', path: '/verification-srv/authentication/{method}/verification' }],
};

/** Every operation with a body of every registered method, named `TOTP enrollment.verify`. */
const operations = Object.values(METHODS).flatMap((module) =>
  (['enrollment', 'signIn'] as const).flatMap((phase) =>
    Object.entries(module[phase] as unknown as Record<string, Partial<BodyOperation<unknown, unknown>>>).flatMap(([name, operation]) =>
      operation.body ? [{ label: `${module.type} ${phase}.${name}`, key: `${phase}.${name}`, operation: operation as BodyOperation<unknown, unknown> }] : [],
    ),
  ),
);

/** The component a schema is, or the components an `anyOf` lists. */
function listedSchemas(schema: Json): string[] {
  const refs = schema.$ref ? [schema.$ref] : ((schema.anyOf as Json[] | undefined) ?? []).map((member) => member.$ref);
  return refs.filter((ref): ref is string => typeof ref === 'string').map((ref) => ref.replace('#/components/schemas/', ''));
}

/** A component schema with the first of its `examples` as a valid base for the probes. */
function documentedSchema(name: string): { pointer: string; schema: Json; example: Json } {
  const pointer = `/components/schemas/${name}`;
  const schema = at(pointer) as Json | undefined;
  if (!schema) throw new Error(`openapi.yaml has no schema ${name}`);
  return { pointer, schema, example: ((schema.examples as Json[] | undefined) ?? [])[0] ?? {} };
}

describe('request bodies in openapi.yaml accept what the method modules accept', () => {
  it.each(operations)('$label is documented as its operation says', ({ operation }) => {
    const { pointer, schema, example } = documentedSchema(operation.documentedAs);
    expect(disagreements(operation.body, pointer, schema, example)).toEqual([]);
  });

  it.each(operations)("$label's schema is listed in its route's request body", ({ key, operation }) => {
    const routes = OPERATION_ROUTES[key];
    expect(routes, `no route known for ${key}: add it to OPERATION_ROUTES`).toBeDefined();
    for (const { method, path } of routes!) {
      const body = follow(`/paths/${escape(path)}/${method}/requestBody`).pointer;
      const named = listedSchemas(at(`${body}/content/application~1json/schema`) as Json);
      const members = named.flatMap((name) => listedSchemas(at(`/components/schemas/${name}`) as Json));
      expect([...named, ...members], `${method.toUpperCase()} ${path}`).toContain(operation.documentedAs);
    }
  });

  it.each(Object.values(METHODS))('$type settings are documented as the module says, patch and full', (module) => {
    const { pointer, schema, example } = documentedSchema(`${module.settings.documentedAs}Patch`);
    expect(disagreements(module.settings.patch, pointer, schema, example)).toEqual([]);
    expect(listedSchemas(at('/components/schemas/MethodSettingsPatch') as Json)).toContain(`${module.settings.documentedAs}Patch`);
    expect(listedSchemas(at('/components/schemas/MethodSettings') as Json)).toContain(module.settings.documentedAs);
  });

  it('VerificationType lists exactly the registered methods', () => {
    expect((at('/components/schemas/VerificationType') as { enum: string[] }).enum).toEqual(Object.keys(METHODS));
  });

  it('friendly name (PUT /verification-actions-srv/setup/users/friendlyname/{method})', () => {
    const { pointer, schema, example } = requestBodyOf('put', '/verification-actions-srv/setup/users/friendlyname/{method}');
    expect(disagreements(friendlyNameBody, pointer, schema, example)).toEqual([]);
  });

  it('webhook endpoint (POST /verification-srv/webhooks)', () => {
    const { pointer, schema, example } = requestBodyOf('post', '/verification-srv/webhooks');
    expect(disagreements(endpointBody, pointer, schema, example)).toEqual([]);
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
