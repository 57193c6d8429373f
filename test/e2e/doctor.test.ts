import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {runCli, scratchHome, simEnvironment, writeManifest} from '../support/cli.js'

/*
 * `graduate doctor` on purposely misconfigured simulated apps. production (host prod) runs api with a
 * migration in its Procfile's release, edge behind traefik, unchecked with checks disabled for web, jobs
 * with two web containers and no max_parallel plus a worker, and wide with two web containers that
 * max_parallel covers; its docs lives on a host without the gate plugin. staging's host is known under
 * another key. dev has only api.
 */

interface Row {
  status: 'ok' | 'warn' | 'fail'
  host: string
  env?: string
  app?: string
  check: string
  found: string
  fix?: string
}

interface Report {
  environments: string[]
  hosts: Array<{host: string; environments: string[]; reachable: boolean; settings: string[]}>
  rows: Row[]
  counts: {ok: number; warn: number; fail: number}
}

const MIGRATION = 'bin/rake db:migrate'

describe('graduate doctor', () => {
  let sim: Simulator
  let manifest: string
  let production: {code: number | null; report: Report; stderr: string}

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: scratchHome().env})
  const login = (host: string) => `dokku@127.0.0.1:${sim.host(host).port}`
  const row = (report: Report, subject: {host?: string; env?: string; app?: string}, check: string) => {
    const found = report.rows.filter((entry) => entry.check === check && entry.app === subject.app && (subject.env === undefined || entry.env === subject.env) && (subject.host === undefined || entry.host === login(subject.host)))
    expect(found, `one ${check} row for ${JSON.stringify(subject)}`).toHaveLength(1)
    return found[0]!
  }

  beforeAll(async () => {
    const app = (name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) => ({name, revisions: [{message: `${name} v1`, files: {'app.txt': `${name} v1`, ...files}}], ...extra})
    const api = (version: string) => ({message: `api ${version}`, files: {'app.txt': `api ${version}`, Procfile: `web: bin/web\nrelease: ${MIGRATION}\n`, 'bin/rake': '#!/bin/sh\necho "rake $*"\n'}})
    sim = await startSimulator({
      repos: {api: [api('v1'), api('v2')]},
      hosts: [
        {name: 'dev', apps: [{name: 'api', repo: 'api', deploy: 2}]},
        {name: 'stage'},
        {
          name: 'prod',
          apps: [
            {name: 'api', repo: 'api', deploy: 1},
            app('edge', {}, {proxyType: 'traefik'}),
            app('unchecked', {}, {checksDisabled: ['web']}),
            app('jobs', {Procfile: 'web: bin/web\nworker: bin/worker\n', 'app.json': JSON.stringify({formation: {web: {quantity: 2}, worker: {quantity: 1}}})}),
            app('wide', {'app.json': JSON.stringify({formation: {web: {quantity: 2, max_parallel: 2}}})}),
          ],
        },
        {name: 'bare', gate: false, apps: [app('docs', {})]},
      ],
    })
    // staging's host is pinned to another host's key: its key "changed".
    const wrongKeys = path.join(path.dirname(sim.knownHostsPath), 'wrong_known_hosts')
    fs.writeFileSync(wrongKeys, `[127.0.0.1]:${sim.host('stage').port} ${sim.host('prod').knownHostsLine.split(' ').slice(1).join(' ')}\n`)
    manifest = writeManifest({
      environments: {
        dev: simEnvironment(sim, 'dev'),
        staging: simEnvironment(sim, 'stage', {knownHostsFile: wrongKeys}),
        production: {...simEnvironment(sim, 'prod'), apps: {docs: {host: login('bare')}}},
      },
      apps: {api: null, edge: null, unchecked: null, jobs: null, wide: null, docs: null},
    })
    const result = await cli(['doctor', 'production', '--json'])
    production = {code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr}
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('exits 3 with the failures a graduation would refuse, and counts every row', () => {
    const {code, report} = production
    expect(code, production.stderr).toBe(3)
    expect(report.environments).toEqual(['production'])
    expect(report.rows.filter((entry) => entry.status === 'fail').map((entry) => `${entry.app ?? entry.host} ${entry.check}`).sort()).toEqual([`${login('bare')} gate plugin`, 'edge proxy', 'unchecked checks'])
    expect(report.counts).toEqual({
      ok: report.rows.filter((entry) => entry.status === 'ok').length,
      warn: report.rows.filter((entry) => entry.status === 'warn').length,
      fail: 3,
    })
  })

  it('checks each host: SSH and its host key, Dokku, the gate plugin and its hold hook', () => {
    const {report} = production
    expect(row(report, {host: 'prod'}, 'ssh')).toMatchObject({status: 'ok', found: expect.stringContaining('host key is the one known_hosts lists')})
    expect(row(report, {host: 'prod'}, 'dokku')).toMatchObject({status: 'ok', found: 'Dokku 0.38.27'})
    expect(row(report, {host: 'prod'}, 'gate plugin')).toMatchObject({status: 'ok', found: expect.stringMatching(/^\d+\.\d+\.\d+ \(protocol \d+\)$/)})
    expect(row(report, {host: 'prod'}, 'gate hook')).toMatchObject({status: 'ok', found: expect.stringContaining('zz-graduate-gate is enabled')})
    expect(row(report, {host: 'bare'}, 'gate plugin')).toMatchObject({status: 'fail', found: 'not installed, so no deploy can be held here', fix: 'graduate gate install production'})
  })

  it('shows the SSH settings it resolved, as paths only', () => {
    const prod = production.report.hosts.find((host) => host.host === login('prod'))!
    expect(prod).toMatchObject({environments: ['production'], reachable: true})
    const settings = prod.settings.join('\n')
    expect(settings).toContain(sim.clientKeyPath)
    expect(settings).toContain(sim.knownHostsPath)
    expect(JSON.stringify(production.report)).not.toContain(fs.readFileSync(sim.clientKeyPath, 'utf8').split('\n')[1]!)
  })

  it('fails a label-based proxy and checks disabled for web, each with the command that fixes it', () => {
    const {report} = production
    expect(row(report, {app: 'edge'}, 'proxy')).toMatchObject({status: 'fail', found: expect.stringContaining('traefik routes by container labels'), fix: 'dokku proxy:set edge nginx'})
    expect(row(report, {app: 'unchecked'}, 'checks')).toMatchObject({status: 'fail', found: expect.stringContaining('checks are disabled for web'), fix: 'dokku checks:enable unchecked web'})
    expect(row(report, {app: 'api'}, 'proxy')).toMatchObject({status: 'ok'})
    expect(row(report, {app: 'api'}, 'checks')).toMatchObject({status: 'ok'})
    expect(row(report, {app: 'api'}, 'scheduler')).toMatchObject({status: 'ok', found: 'docker-local'})
  })

  it('warns about web containers beyond max_parallel and about workers, and passes web scale that max_parallel covers', () => {
    const {report} = production
    expect(row(report, {app: 'jobs'}, 'web scale')).toMatchObject({status: 'warn', found: expect.stringContaining("2 web containers but formation.web.max_parallel is unset (Dokku's default 1): web.2 starts and is checked only after the release"), fix: expect.stringContaining('"formation": {"web": {"max_parallel": 2}}')})
    expect(row(report, {app: 'jobs'}, 'workers')).toMatchObject({status: 'warn', found: expect.stringMatching(/^worker=1 starts only after the release/)})
    expect(row(report, {app: 'wide'}, 'web scale')).toMatchObject({status: 'ok', found: '2 web containers, formation.web.max_parallel 2: all are held together'})
    expect(row(report, {app: 'api'}, 'web scale')).toMatchObject({status: 'ok'})
    expect(row(report, {app: 'api'}, 'workers')).toMatchObject({status: 'ok'})
  })

  it("warns about a migration in the deployed Procfile's release, which runs before the hold", () => {
    expect(row(production.report, {app: 'api'}, 'release tasks')).toMatchObject({
      status: 'warn',
      found: `the Procfile release "${MIGRATION}" looks like a migration: Dokku runs it before the hold, so it runs even when the graduation aborts`,
      fix: expect.stringContaining(`hooks: post: - run: {app: api, command: "${MIGRATION}"}`),
    })
    expect(row(production.report, {app: 'edge'}, 'release tasks')).toMatchObject({status: 'ok', found: 'no Procfile release or app.json predeploy'})
  })

  it('prints each finding with its fix for a person', async () => {
    const result = await cli(['doctor', 'production'])
    expect(result.code).toBe(3)
    expect(result.stdout).toContain(`${login('bare')} — production`)
    expect(result.stdout).toMatch(/ {2}production edge\n(?:.*\n)*? {2}fail {2}proxy +traefik routes by container labels/)
    expect(result.stdout).toMatch(/\n +fix: dokku proxy:set edge nginx\n/)
    expect(result.stdout).toMatch(/\d+ ok, \d+ warnings, 3 failures: graduations are refused until each failure is fixed\.\n$/)
  })

  it('without an environment checks every one: a host whose key changed fails with what to do, and its apps are left out', async () => {
    const result = await cli(['doctor', '--json'])
    expect(result.code).toBe(3)
    const report = JSON.parse(result.stdout) as Report
    expect(report.environments).toEqual(['dev', 'staging', 'production'])
    expect(row(report, {host: 'stage'}, 'ssh')).toMatchObject({status: 'fail', found: expect.stringContaining('HOST KEY CHANGED'), fix: expect.stringContaining('ssh-keygen -R')})
    expect(report.hosts.find((host) => host.host === login('stage'))).toMatchObject({reachable: false})
    expect(report.rows.some((entry) => entry.env === 'staging' && entry.app !== undefined)).toBe(false)
    expect(row(report, {env: 'dev', app: 'api'}, 'app')).toMatchObject({status: 'ok', found: expect.stringMatching(/^api runs [0-9a-f]{7} \(git-push\)$/)})
    expect(row(report, {env: 'dev', app: 'edge'}, 'app')).toMatchObject({status: 'fail', found: 'edge does not exist on this host', fix: 'dokku apps:create edge'})
    // dev is only a source: graduations never hold its deploys, so its target checks are not made.
    expect(report.rows.some((entry) => entry.env === 'dev' && entry.check === 'proxy')).toBe(false)
  })

  it('refuses an environment the manifest does not have', async () => {
    const result = await cli(['doctor', 'qa'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('qa')
  })

  it('graduate plan warns about the same migration in the revision it would deploy', async () => {
    const result = await runCli(['plan', 'dev', 'production', '--only', 'api', '--json', '-m', manifest], {env: scratchHome().env})
    const report = JSON.parse(result.stdout) as {apps: Array<{app: string; action: string; releaseTasks?: unknown}>}
    expect(report.apps).toEqual([expect.objectContaining({app: 'api', action: 'deploy', releaseTasks: [{where: 'Procfile release', command: MIGRATION}]})])
    const text = await runCli(['plan', 'dev', 'production', '--only', 'api', '-m', manifest], {env: scratchHome().env})
    expect(text.stdout + text.stderr).toContain(`warning api: the Procfile release "${MIGRATION}" looks like a migration; Dokku runs it`)
  })
})
