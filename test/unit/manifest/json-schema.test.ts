import {readFileSync} from 'node:fs'

import {Ajv} from 'ajv'
import {expect, test} from 'vitest'
import {parse} from 'yaml'

import {manifestJsonSchema} from '../../../src/manifest/json-schema.js'

const example = parse(readFileSync(new URL('../../../graduate.yml', import.meta.url), 'utf8'), {merge: true}) as Record<string, unknown>

function validator() {
  return new Ajv({allErrors: true, strict: false}).compile(manifestJsonSchema())
}

test('is an object schema for environments, apps, hooks and options', () => {
  const schema = manifestJsonSchema() as {type: string; properties: Record<string, unknown>; required: string[]; additionalProperties: boolean}
  expect(schema.type).toBe('object')
  expect(Object.keys(schema.properties)).toEqual(['environments', 'apps', 'drift', 'hooks', 'options'])
  expect(schema.required).toEqual(['environments', 'apps'])
  expect(schema.additionalProperties).toBe(false)
})

test('accepts the example manifest as written, ${VAR} included', () => {
  const validate = validator()
  expect(validate(example), JSON.stringify(validate.errors)).toBe(true)
})

test('flags what editors should flag: misspelt keys, reserved environment names, bad durations', () => {
  const validate = validator()
  const withTypo = {...example, options: {timeouts: {conect: '20s'}}}
  expect(validate(withTypo)).toBe(false)
  expect(validate.errors?.map((error) => error.params)).toContainEqual({additionalProperty: 'conect'})

  const environments = example.environments as Record<string, unknown>
  expect(validate({...example, environments: {...environments, plan: environments.dev}})).toBe(false)
  expect(validate({...example, options: {lease: '2 minutes'}})).toBe(false)
})

test('describes every field, so editors can show help', () => {
  const undescribed: string[] = []
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`))
      return
    }
    if (node === null || typeof node !== 'object') return
    const properties = (node as {properties?: Record<string, {description?: string}>}).properties ?? {}
    for (const [key, property] of Object.entries(properties)) {
      if (typeof property.description !== 'string' || property.description === '') undescribed.push(`${path}.${key}`)
    }
    for (const [key, child] of Object.entries(node)) visit(child, `${path}.${key}`)
  }
  visit(manifestJsonSchema(), '')
  expect(undescribed).toEqual([])
})
