import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach} from 'vitest'
import {loadManifest, resolveGraduation} from '../../../src/manifest/index.js'
import type {ResolvedGraduation} from '../../../src/manifest/types.js'

/**
 * A scratch directory per test with a manifest of one app, `api`, from dev.example to prod.example (plus
 * `more` YAML), resolved for `dev → production`; removed after the test.
 */
export function useResolvedManifest(more = ''): {dir: () => string; resolved: () => ResolvedGraduation; set: (next: ResolvedGraduation) => void} {
  let dir = ''
  let resolved: ResolvedGraduation | undefined
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graduate-unit-'))
    const manifest = path.join(dir, 'graduate.yml')
    await fs.writeFile(manifest, `environments:\n  dev:\n    host: dev.example\n  production:\n    host: prod.example\napps:\n  api:\n${more}`)
    resolved = resolveGraduation(await loadManifest(manifest), 'dev', 'production')
  })
  afterEach(async () => {
    await fs.rm(dir, {recursive: true, force: true})
  })
  return {dir: () => dir, resolved: () => resolved!, set: (next) => (resolved = next)}
}
