import {describe, expect, it} from 'vitest'

import {appsList, buildsList, pluginList, version} from '../../../src/dokku/commands/core.js'
import {parseAppsList, parseBuildsList, parseConfigKeys, parsePluginList} from '../../../src/dokku/parse/lists.js'
import {isSupportedDokku, parseDokkuVersion} from '../../../src/dokku/parse/version.js'
import {UnexpectedOutputError} from '../../../src/errors.js'
import {readFixture} from './fixtures.js'

describe('dokku version', () => {
  it('reads the real host’s version line', () => {
    const output = readFixture('version.txt').split('\n')[0]!
    const parsed = parseDokkuVersion(`${output}\n`, version())

    expect(parsed).toEqual({major: 0, minor: 38, patch: 27, raw: '0.38.27'})
    expect(isSupportedDokku(parsed)).toBe(true)
  })

  it('reads a source install’s describe-style version', () => {
    expect(parseDokkuVersion('dokku version v0.38.27-33-g33896f5d7', version())).toEqual({
      major: 0,
      minor: 38,
      patch: 27,
      raw: 'v0.38.27-33-g33896f5d7',
    })
  })

  it.each([
    [{major: 0, minor: 37, patch: 99}, false],
    [{major: 0, minor: 38, patch: 0}, true],
    [{major: 0, minor: 39, patch: 0}, true],
    [{major: 1, minor: 0, patch: 0}, true],
  ])('supports %j: %s', (parts, supported) => {
    expect(isSupportedDokku({...parts, raw: ''})).toBe(supported)
  })

  it('refuses anything else', () => {
    expect(() => parseDokkuVersion(' !     Unable to determine dokku\'s version', version())).toThrow(UnexpectedOutputError)
  })
})

describe('plugin:list', () => {
  it('reads every plugin of the real host', () => {
    const plugins = parsePluginList(readFixture('plugin-list.json'), pluginList())

    expect(plugins).toHaveLength(46)
    expect(plugins.find((plugin) => plugin.name === 'zz-testgate')).toEqual({name: 'zz-testgate', version: '0.0.1', enabled: true, core: false})
    expect(plugins.find((plugin) => plugin.name === 'scheduler-docker-local')?.core).toBe(true)
  })
})

describe('apps:list', () => {
  it('reads the names', () => {
    expect(parseAppsList(readFixture('apps-list.json'), appsList())).toEqual(['ga', 'hello'])
    expect(parseAppsList('[]\n', appsList())).toEqual([])
  })
})

describe('config:keys', () => {
  it('reads one name per line', () => {
    expect(parseConfigKeys('DATABASE_URL\nGIT_REV\nSECRET_KEY_BASE\n')).toEqual(['DATABASE_URL', 'GIT_REV', 'SECRET_KEY_BASE'])
    expect(parseConfigKeys('')).toEqual([])
  })
})

describe('builds:list', () => {
  it('reads the records the real host printed after an abort', () => {
    const line = readFixture('abort-observations.txt')
      .split('\n')
      .find((text) => text.startsWith('[{"id":"mwt5s3a8ty67qp"'))!
    const builds = parseBuildsList(line, buildsList('ga'))

    expect(builds).toHaveLength(5)
    expect(builds[0]).toEqual({
      id: 'mwt5s3a8ty67qp',
      kind: 'build',
      status: 'failed',
      source: 'git-hook',
      startedAt: '2026-11-23T11:04:32.745458178Z',
      finishedAt: '2026-11-23T11:04:46.679552096Z',
      exitCode: 1,
    })
  })

  it('reads a running build, which has no finish time or exit code yet', () => {
    const running = JSON.stringify([{id: 'b1', app: 'ga', kind: 'build', pid: 1, started_at: '2026-11-23T11:05:41Z', status: 'running', source: 'git-hook', display_status: 'running', duration: '3s', log_path: '/x'}])
    expect(parseBuildsList(running, buildsList('ga'))[0]).toMatchObject({status: 'running', finishedAt: undefined, exitCode: undefined})
  })
})
