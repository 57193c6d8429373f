import {expect, test} from 'vitest'

import {closestMatch, suggestion} from '../../../src/manifest/suggest.js'

test.each([
  ['hots', ['host', 'identityFile', 'knownHostsFile', 'apps'], 'host'],
  ['Host', ['host', 'apps'], 'host'],
  ['hostname', ['host', 'apps'], 'host'],
  ['prod', ['dev', 'staging', 'production'], 'production'],
  ['knownhosts', ['host', 'identityFile', 'knownHostsFile'], 'knownHostsFile'],
  ['conect', ['connect', 'command', 'deploy'], 'connect'],
  ['deploy', ['environments', 'apps', 'hooks', 'options'], undefined],
  ['ssh', ['local', 'run'], undefined],
  ['', ['apps'], undefined],
] as const)('closestMatch(%j) is %j', (input, candidates, expected) => {
  expect(closestMatch(input, candidates)).toBe(expected)
})

test('suggestion offers the close one, or lists everything', () => {
  expect(suggestion('aps', ['apps', 'hooks'], 'expected one of')).toBe('did you mean "apps"?')
  expect(suggestion('zzz', ['apps', 'hooks'], 'expected one of')).toBe('expected one of: apps, hooks')
})
