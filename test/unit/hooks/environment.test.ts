import {chmod, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {graduateVariables, hookVariableTable, localHookEnvironment, writeContextFile} from '../../../src/hooks/environment.js'
import {contextFor, GRADUATION_ID, makeWorkDir} from './fixtures.js'

describe('graduateVariables', () => {
  it('names the run, its environments, the phase and only the apps being deployed', () => {
    expect(graduateVariables(contextFor('post'))).toEqual({
      GRADUATE_ID: GRADUATION_ID,
      GRADUATE_FROM: 'staging',
      GRADUATE_TO: 'production',
      GRADUATE_APPS: 'api,web',
      GRADUATE_PHASE: 'post',
    })
  })

  it('gives GRADUATE_OUTCOME to released and aborted hooks only', () => {
    expect(graduateVariables(contextFor('released', 'released')).GRADUATE_OUTCOME).toBe('released')
    expect(graduateVariables(contextFor('aborted', 'aborted')).GRADUATE_OUTCOME).toBe('aborted')
    expect(graduateVariables(contextFor('pre', 'aborted'))).not.toHaveProperty('GRADUATE_OUTCOME')
  })

  it('gives an empty GRADUATE_APPS when every app is unchanged', () => {
    const context = contextFor('pre')
    context.apps = context.apps.map((app) => ({...app, action: 'skip' as const}))
    expect(graduateVariables(context).GRADUATE_APPS).toBe('')
  })

  it('documents every variable it sets, and GRADUATE_CONTEXT', () => {
    const documented = hookVariableTable.map(({name}) => name)
    expect(documented).toEqual(expect.arrayContaining([...Object.keys(graduateVariables(contextFor('released', 'released'))), 'GRADUATE_CONTEXT']))
  })
})

describe('localHookEnvironment', () => {
  it('keeps the base environment, replaces inherited contract variables and adds the context path', () => {
    const base = {PATH: '/usr/bin', DATABASE_URL: 'postgres://db', GRADUATE_OUTCOME: 'stale', GRADUATE_ID: 'an-older-run'}
    const env = localHookEnvironment(base, graduateVariables(contextFor('pre')), '/work/hook-context-pre.json')
    expect(env).toEqual({
      PATH: '/usr/bin',
      DATABASE_URL: 'postgres://db',
      GRADUATE_ID: GRADUATION_ID,
      GRADUATE_FROM: 'staging',
      GRADUATE_TO: 'production',
      GRADUATE_APPS: 'api,web',
      GRADUATE_PHASE: 'pre',
      GRADUATE_CONTEXT: '/work/hook-context-pre.json',
    })
  })
})

describe('writeContextFile', () => {
  let workDir: Awaited<ReturnType<typeof makeWorkDir>>
  beforeEach(async () => {
    workDir = await makeWorkDir()
  })
  afterEach(async () => {
    await workDir.remove()
  })

  it('writes the whole context as JSON, readable by its owner only', async () => {
    const context = contextFor('post')
    const file = await writeContextFile(context, workDir.dir)
    expect(path.dirname(file)).toBe(workDir.dir)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(context)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readdir(workDir.dir)).toEqual([path.basename(file)])
  })

  it('replaces a file left by an earlier run, including its wider mode', async () => {
    const file = path.join(workDir.dir, `graduate-${GRADUATION_ID}-post.json`)
    await writeFile(file, '{"left": "over"}')
    await chmod(file, 0o644)
    expect(await writeContextFile(contextFor('post'), workDir.dir)).toBe(file)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(contextFor('post'))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('keeps graduations that share a directory apart', async () => {
    const other = {...contextFor('post'), id: '20261123T101501Z-77aa', to: 'staging'}
    const ours = await writeContextFile(contextFor('post'), workDir.dir)
    const theirs = await writeContextFile(other, workDir.dir)
    expect(theirs).not.toBe(ours)
    expect(JSON.parse(await readFile(ours, 'utf8'))).toEqual(contextFor('post'))
  })

  it('creates the work directory when it does not exist yet', async () => {
    const nested = path.join(workDir.dir, 'run-1')
    const file = await writeContextFile(contextFor('pre'), nested)
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({phase: 'pre'})
  })
})
