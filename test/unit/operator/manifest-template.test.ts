import {describe, expect, it} from 'vitest'
import YAML from 'yaml'

import {manifestTemplate} from '../../../src/operator/manifest-template.js'

describe('the manifest graduate init writes', () => {
  const text = manifestTemplate({
    environments: [
      {name: 'dev', host: 'dokku@dev.example.com'},
      {name: 'staging', host: 'deploy@[::1]:2222', identityFile: '~/.ssh/deploy key', knownHostsFile: '/etc/ssh/known hosts'},
      {name: 'production', host: 'dokku@prod.example.com'},
    ],
    apps: ['api', '1234', 'null', 'true'],
    leftOut: [{env: 'dev', apps: ['scratch']}, {env: 'staging', apps: []}, {env: 'production', apps: ['legacy']}],
    unusableNames: ['old_app'],
    writtenAt: '2026-11-23',
  })
  const document = YAML.parse(text) as {environments: Record<string, Record<string, string>>; apps: Record<string, null>; hooks: null}

  it('keeps every name and path as the string it is', () => {
    expect(Object.keys(document.apps).sort()).toEqual(['1234', 'api', 'null', 'true'])
    // YAML would read these bare as a number, null and true.
    expect(text).toContain('\n  api:\n  "1234":\n  "null":\n  "true":\n')
    expect(Object.keys(document.environments)).toEqual(['dev', 'staging', 'production'])
    expect(document.environments['staging']).toEqual({host: 'deploy@[::1]:2222', identityFile: '~/.ssh/deploy key', knownHostsFile: '/etc/ssh/known hosts'})
  })

  it('names what it left out, and leaves the optional sections commented', () => {
    expect(text).toContain('#   only in dev: scratch\n#   only in production: legacy\n')
    expect(text).not.toContain('only in staging')
    expect(text).toContain('old_app')
    expect(text).toContain('#     environments: [staging, production]')
    expect(document.hooks).toBeNull()
    expect(Object.keys(document)).toEqual(['environments', 'apps', 'hooks'])
  })
})
