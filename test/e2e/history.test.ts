import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {ssh} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, simEnvironment, writeManifest} from '../support/cli.js'

/*
 * `graduate history production` after staging → production (graduated), dev → production with web's
 * checks failing (aborted), and dev → production again (graduated): the records on production's two
 * hosts, merged by id, oldest first — also when one host missed a record.
 */
describe('graduate history', () => {
  let sim: Simulator
  let manifest: string
  const runs: CliResult[] = []

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: scratchHome().env})
  const short = (repo: string, index: number) => sim.revisions[repo]![index]!.slice(0, 7)
  const idOf = (run: CliResult) => run.events[0]!.id as string

  beforeAll(async () => {
    const history = (label: string) => [1, 2, 3].map((n) => ({message: `${label} v${n}`, files: {'app.txt': `${label} v${n}`}}))
    sim = await startSimulator({
      repos: {api: history('api'), web: history('web')},
      hosts: [
        {name: 'dev', apps: [{name: 'api', repo: 'api', deploy: 3}, {name: 'web', repo: 'web', deploy: 3}]},
        {name: 'staging', apps: [{name: 'api', repo: 'api', deploy: 2}, {name: 'web', repo: 'web', deploy: 2}]},
        {name: 'prod-1', apps: [{name: 'api', repo: 'api', deploy: 1}]},
        {name: 'prod-2', apps: [{name: 'web-prod', repo: 'web', deploy: 1}]},
      ],
    })
    manifest = writeManifest({
      environments: {
        dev: simEnvironment(sim, 'dev'),
        staging: simEnvironment(sim, 'staging'),
        production: {...simEnvironment(sim, 'prod-1'), apps: {web: {name: 'web-prod', host: `dokku@127.0.0.1:${sim.host('prod-2').port}`}}},
      },
      apps: {api: null, web: null},
      options: {lease: '30s'},
    })
    runs.push(await cli(['staging', 'production', '--yes', '--json']))
    expect((await ssh(sim, 'prod-2', ['config:set', '--no-restart', 'web-prod', 'SIM_CHECK_FAILS=1'])).code).toBe(0)
    runs.push(await cli(['dev', 'production', '--yes', '--json']))
    expect((await ssh(sim, 'prod-2', ['config:unset', '--no-restart', 'web-prod', 'SIM_CHECK_FAILS'])).code).toBe(0)
    runs.push(await cli(['dev', 'production', '--yes', '--json']))
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('starts from two graduations and an abort between them', () => {
    expect(runs.map((run) => run.code)).toEqual([0, 1, 0])
  })

  it('lists each run once, oldest first, with who, when, route, outcome, timings and every app old → new', async () => {
    const result = await cli(['history', 'production'])
    expect(result.code, result.stderr).toBe(0)
    const [graduated, aborted, again] = runs.map(idOf)
    const out = result.stdout
    expect(out).toContain(`production: 3 runs recorded on dokku@127.0.0.1:${sim.host('prod-1').port}, dokku@127.0.0.1:${sim.host('prod-2').port}, oldest first`)
    expect(out.indexOf(graduated!)).toBeLessThan(out.indexOf(aborted!))
    expect(out.indexOf(aborted!)).toBeLessThan(out.indexOf(again!))
    expect(out).toContain(`${graduated}  staging → production  graduated`)
    expect(out).toMatch(new RegExp(`${aborted}  dev → production  aborted: web on dokku@127\\.0\\.0\\.1:\\d+:\\s+(?:.|\\n)*?health\\s+checks\\s+failed`))
    expect(out).toContain(`${again}  dev → production  graduated`)
    const duration = String.raw`(?:\d+ ms|[\d.]+s|\d+m \d\ds)`
    expect(out).toMatch(new RegExp(String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by \S+@\S+, took ${duration}, flip skew ${duration}`))

    const block = (id: string) => out.slice(out.indexOf(id)).split('\n\n')[0]!
    expect(block(graduated!)).toMatch(new RegExp(`api  dokku@127\\.0\\.0\\.1:${sim.host('prod-1').port} +${short('api', 0)} → ${short('api', 1)}  live`))
    expect(block(graduated!)).toMatch(new RegExp(`web  dokku@127\\.0\\.0\\.1:${sim.host('prod-2').port} \\(web-prod\\)  ${short('web', 0)} → ${short('web', 1)}  live`))
    expect(block(aborted!)).toMatch(new RegExp(`api .*${short('api', 1)} → ${short('api', 2)}  aborted`))
    expect(block(aborted!)).toMatch(new RegExp(`web .*${short('web', 1)} → ${short('web', 2)}  failed`))
    expect(block(again!)).toMatch(new RegExp(`web .*${short('web', 1)} → ${short('web', 2)}  live`))
  })

  it('prints the same as one JSON document, whose ids rollback takes', async () => {
    const result = await cli(['history', 'production', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as {env: string; records: Array<Record<string, unknown>>; skipped: unknown[]}
    expect(report.env).toBe('production')
    expect(report.records.map((record) => [record['id'], record['kind'], record['fromEnv'], record['outcome']])).toEqual([
      [idOf(runs[0]!), 'graduation', 'staging', 'graduated'],
      [idOf(runs[1]!), 'graduation', 'dev', 'aborted'],
      [idOf(runs[2]!), 'graduation', 'dev', 'graduated'],
    ])
    expect(report.records[0]).toMatchObject({apps: [expect.objectContaining({app: 'api', from: sim.revisions['api']![0], to: sim.revisions['api']![1], result: 'live'}), expect.objectContaining({app: 'web', targetApp: 'web-prod'})]})
    expect(report.skipped).toEqual([])
  })

  it('still lists a record that only one of the hosts kept', async () => {
    const aborted = idOf(runs[1]!)
    const record = path.join(sim.paths('prod-2').libRoot, 'data', 'graduate', '_environments', 'production', 'records', `${aborted}.json`)
    fs.rmSync(record)
    const result = await cli(['history', 'production', '--json'])
    expect((JSON.parse(result.stdout) as {records: Array<{id: string}>}).records.map((entry) => entry.id)).toEqual(runs.map(idOf))
  })

  it('says so when nothing was recorded', async () => {
    const result = await cli(['history', 'dev'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`dev: no graduations recorded on dokku@127.0.0.1:${sim.host('dev').port}\n`)
  })
})
