import {z} from 'zod'

import {manifestSchema} from './schema.js'

/**
 * The manifest's JSON Schema, generated from the zod schema so the two cannot drift. It describes
 * what the user writes (zod's input side) in draft-07, which editors' YAML support reads best.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, {target: 'draft-7', io: 'input'}) as Record<string, unknown>
}
