import fs from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../../src/exit-codes.js'
import {EventBus} from '../../../src/graduation/events.js'
import {type GraduateOptions, graduate} from '../../../src/graduation/graduate.js'
import type {Journal} from '../../../src/graduation/journal.js'
import type {ExecResult, HostConnection, Transport} from '../../../src/ssh/transport.js'
import {useResolvedManifest} from './manifest-fixture.js'

// The protocol against scripted hosts: no SSH, no simulator. Each host answers graduate's commands by
// their verb; every command sent is recorded as `<host> <command>`.
const OLD = 'a'.repeat(40)
const NEW = 'b'.repeat(40)
const NOW = 1795431200

function appFacts(app: string, rev: string) {
  return {
    app,
    exists: true,
    deploy_source: 'git-push',
    deploy_source_metadata: rev,
    deploy_branch: 'main',
    rev_env_var: 'GIT_REV',
    rev_env_value: rev,
    config_keys: ['GIT_REV'],
    registry: {push_on_release: false, server: null, image_repo: null, tag_version: ''},
    scale: {web: 1},
    containers: ['web.1'],
    skip_deploy: false,
    proxy_type: 'nginx',
    checks_disabled: [],
    checks_skipped: [],
    scheduler: 'docker-local',
    domains: {app: [], global: []},
    gate: {app, state: 'unarmed', id: null, rev: null, lease: null, armed_at: null, expires_at: null, build: null, held_at: null, containers: [], decision: null, decided_at: null, reason: null, waiting: 0, switch: null},
    errors: [],
  }
}

function scriptedHosts(revs: Record<string, string>) {
  const sent: string[] = []
  const answer = (host: string, command: string): Partial<ExecResult> => {
    const [verb, ...args] = command.split(' ')
    if (verb === 'graduate:facts') {
      const apps = args.filter((arg) => !arg.startsWith('--')).map((app) => app.replace(/'/g, ''))
      return {stdout: JSON.stringify({protocol: 4, version: '0.4.0', now: NOW, dokku_version: 'dokku version 0.38.27', gate_hook: true, errors: [], apps: apps.map((app) => appFacts(app, revs[host]!))})}
    }
    if (verb === 'graduate:lock') {
      const [, id, ttl] = args.map((arg) => arg.replace(/'/g, ''))
      return {stdout: JSON.stringify({acquired: true, lock: {env: 'production', id, owner: 'alice@laptop', acquired_at: NOW, expires_at: NOW + Number(ttl), ttl: Number(ttl)}, replaced: null})}
    }
    if (verb === 'graduate:unlock') return {stdout: 'unlocked production\n'}
    return {exitCode: 1, stderr: ` !     \`${verb}\` is not scripted here`}
  }
  const transport: Transport = {
    async connect(settings) {
      const host = settings.host
      return {
        label: `dokku@${host}:22`,
        exec: async (command: string): Promise<ExecResult> => {
          sent.push(`${host} ${command}`)
          return {exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...answer(host, command)}
        },
        git: async (): Promise<ExecResult> => ({exitCode: 128, signal: null, stdout: '', stderr: 'fatal: not scripted', durationMs: 1}),
      } as unknown as HostConnection
    },
    async closeAll() {},
  }
  return {transport, sent}
}

const fixture = useResolvedManifest()

function options(transport: Transport, overrides: Partial<GraduateOptions> = {}): GraduateOptions {
  const journal = {write: () => {}} as unknown as Journal
  return {
    id: 'g-1',
    bus: new EventBus('g-1', 'production'),
    transport,
    journal,
    runHooks: async () => ({ok: true, hooks: []}),
    owner: 'alice@laptop',
    cacheDir: path.join(fixture.dir(), 'cache'),
    dryRun: false,
    ...overrides,
  }
}

describe('the protocol, against scripted hosts', () => {
  it('plans the source revision for the target and takes the lock before asking to confirm', async () => {
    const {transport, sent} = scriptedHosts({'dev.example': NEW, 'prod.example': OLD})
    let planned: unknown
    const summary = await graduate(fixture.resolved(), options(transport, {confirm: async (plan) => ((planned = plan), false)}))
    expect(planned).toMatchObject([{app: 'api', from: OLD, to: NEW, action: 'deploy'}])
    expect(summary).toMatchObject({outcome: 'aborted', exitCode: ExitCode.Aborted, cause: 'the plan was not confirmed; nothing was changed'})
    const verbs = sent.map((line) => line.split(' ').slice(0, 2).join(' '))
    expect(verbs.indexOf('prod.example graduate:lock')).toBeGreaterThan(-1)
    // Nothing is armed; the lock is released, once.
    expect(verbs.filter((verb) => verb.includes('graduate:arm'))).toEqual([])
    expect(verbs.filter((verb) => verb === 'prod.example graduate:unlock')).toHaveLength(1)
  })

  it('releases the lock when something throws after it was taken, and lets the error through', async () => {
    const {transport, sent} = scriptedHosts({'dev.example': NEW, 'prod.example': OLD})
    const broken = new Error('a renderer bug')
    await expect(graduate(fixture.resolved(), options(transport, {confirm: async () => Promise.reject(broken)}))).rejects.toBe(broken)
    expect(sent.filter((line) => line.startsWith('prod.example graduate:unlock'))).toHaveLength(1)
  })

  it('releases the lock and removes the hooks’ directory when the PRE hooks throw', async () => {
    const {transport, sent} = scriptedHosts({'dev.example': NEW, 'prod.example': OLD})
    let workDir = ''
    const runHooks: GraduateOptions['runHooks'] = async (_hooks, _context, run) => {
      workDir = run.workDir
      throw new Error('the hook runner broke')
    }
    const resolved = fixture.resolved()
    fixture.set({...resolved, hooks: {...resolved.hooks, pre: [{phase: 'pre', label: 'build', local: 'true'} as never]}})
    await expect(graduate(fixture.resolved(), options(transport, {runHooks}))).rejects.toThrow('the hook runner broke')
    expect(sent.filter((line) => line.startsWith('prod.example graduate:unlock'))).toHaveLength(1)
    expect(workDir).not.toBe('')
    await expect(fs.stat(workDir)).rejects.toThrow(/ENOENT/)
  })

  it('has nothing to do when the target already runs the source revision, and says so after unlocking', async () => {
    const {transport, sent} = scriptedHosts({'dev.example': NEW, 'prod.example': NEW})
    const summary = await graduate(fixture.resolved(), options(transport))
    expect(summary).toMatchObject({outcome: 'nothing-to-do', exitCode: ExitCode.Graduated})
    expect(sent.filter((line) => line.startsWith('prod.example graduate:unlock'))).toHaveLength(1)
  })
})
