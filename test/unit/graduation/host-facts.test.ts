import {describe, expect, it} from 'vitest'
import {renderCommand} from '../../../src/dokku/quote.js'
import type {GateAppFacts, GateAppStatus, GateMissingApp} from '../../../src/dokku/parse/gate.js'
import {AppFactsError, RemoteCommandError} from '../../../src/errors.js'
import {appFactsFromGate} from '../../../src/graduation/app-facts.js'
import {GATE_PROTOCOL, gateProblem, readHostFacts} from '../../../src/graduation/host-facts.js'
import {DokkuHost} from '../../../src/remote/dokku-host.js'
import type {ExecOptions, ExecResult, HostConnection} from '../../../src/ssh/transport.js'

const SHA = '3f9a2c1d5e6f708192a3b4c5d6e7f8091a2b3c4d'
const HOST = 'dokku@prod-1:22'
const UNARMED = {app: 'api', state: 'unarmed', id: null, rev: null, leaseSeconds: null, armedAt: null, expiresAt: null, build: null, heldAt: null, containers: [], decision: null, decidedAt: null, reason: null, waiting: 0, switch: null} as GateAppStatus

function appFacts(overrides: Partial<GateAppFacts> = {}): GateAppFacts {
  return {
    app: 'api',
    exists: true,
    deploySource: 'git-push',
    deploySourceMetadata: SHA,
    deployBranch: 'main',
    revEnvVar: 'GIT_REV',
    revEnvValue: SHA,
    configKeys: ['DATABASE_URL', 'GIT_REV'],
    registry: {pushOnRelease: true, server: 'registry.example.com/', imageRepo: 'shop/api', tagVersion: '7'},
    scale: {web: 2},
    containers: ['web.1', 'web.2', 'worker.1'],
    skipDeploy: false,
    proxyType: 'nginx',
    checksDisabled: [],
    checksSkipped: ['web'],
    scheduler: 'docker-local',
    domains: {app: ['api.dokku.test', 'api.example.com'], global: ['dokku.test']},
    gate: UNARMED,
    errors: [],
    ...overrides,
  }
}

describe("an app's facts from the gate's answer", () => {
  it('are what a source needs: the deployed revision, branch, config names and registry', () => {
    expect(appFactsFromGate(HOST, appFacts(), {side: 'source', detail: 'minimal'})).toEqual({
      app: 'api',
      host: HOST,
      exists: true,
      deploySource: 'git-push',
      deploySourceMetadata: SHA,
      rev: SHA,
      artifact: SHA,
      deployBranch: 'main',
      revEnvVar: 'GIT_REV',
      configKeys: ['DATABASE_URL', 'GIT_REV'],
      registry: {pushOnRelease: true, server: 'registry.example.com/', imageRepo: 'shop/api', tagVersion: '7'},
    })
  })

  it('and what a target needs: how many containers of each type run, and whether a deploy can be held', () => {
    expect(appFactsFromGate(HOST, appFacts(), {side: 'target', detail: 'all'})).toMatchObject({
      processes: {web: 2, worker: 1},
      skipDeploy: false,
      proxyType: 'nginx',
      checksDisabled: [],
      checksSkipped: ['web'],
      scheduler: 'docker-local',
      customDomains: ['api.example.com'],
    })
  })

  it('say an app that does not exist does not', () => {
    const missing: GateMissingApp = {app: 'ghost', exists: false, gate: {...UNARMED, app: 'ghost'}, errors: []}
    expect(appFactsFromGate(HOST, missing, {side: 'target', detail: 'minimal'})).toMatchObject({app: 'ghost', exists: false, artifact: null})
  })

  it('are refused when the gate could not read something, naming the host, the app and the command', () => {
    const broken = appFacts({errors: ['dokku config:keys api exited 1: config plugin broken']})
    expect(() => appFactsFromGate(HOST, broken, {side: 'target', detail: 'minimal'})).toThrow(AppFactsError)
    expect(() => appFactsFromGate(HOST, broken, {side: 'target', detail: 'minimal'})).toThrow(`${HOST}: could not read api: dokku config:keys api exited 1: config plugin broken`)
  })
})

/** A connection that answers each rendered command from a table, recording what was sent. */
function fakeHost(answers: Record<string, Partial<ExecResult>>): {host: DokkuHost; sent: string[]} {
  const sent: string[] = []
  const connection = {
    label: HOST,
    exec: async (command: string, _options: ExecOptions): Promise<ExecResult> => {
      sent.push(command)
      const answer = answers[command] ?? {exitCode: 1, stderr: ` !     \`${command.split(' ')[0]}\` is not a dokku command.\n`}
      return {exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...answer}
    },
  } as unknown as HostConnection
  return {host: new DokkuHost(connection, HOST), sent}
}

const FACTS = (protocol: number) =>
  JSON.stringify({protocol, version: protocol === GATE_PROTOCOL ? '0.3.0' : '9.0.0', now: 1, dokku_version: 'dokku version 0.38.27', gate_hook: true, errors: [], apps: []})

describe("reading a host's facts", () => {
  it('takes one command when the gate speaks this protocol', async () => {
    const {host, sent} = fakeHost({'graduate:facts --config api web': {stdout: FACTS(GATE_PROTOCOL)}})
    await expect(readHostFacts(host, ['api', 'web'], {config: true}, {timeoutMs: 1000})).resolves.toMatchObject({kind: 'facts', facts: {protocol: GATE_PROTOCOL}})
    expect(sent).toEqual(['graduate:facts --config api web'])
  })

  it('tells an old gate (no graduate:facts) from a missing one by asking its version', async () => {
    const old = fakeHost({'graduate:version': {stdout: 'graduate-gate 0.2.1 protocol 2\n'}})
    const answer = await readHostFacts(old.host, ['api'], {}, {timeoutMs: 1000})
    expect(answer).toEqual({kind: 'other-protocol', installed: {version: '0.2.1', protocol: 2}})
    expect(old.sent).toEqual(['graduate:facts api', 'graduate:version'])
    expect(gateProblem(answer as Exclude<typeof answer, {kind: 'facts'}>, 'production')).toEqual({
      message: `the gate plugin 0.2.1 speaks protocol 2; this graduate speaks ${GATE_PROTOCOL} and needs its newer verbs`,
      fix: 'graduate gate upgrade production',
    })

    const none = fakeHost({})
    const missing = await readHostFacts(none.host, ['api'], {}, {timeoutMs: 1000})
    expect(missing).toEqual({kind: 'no-gate'})
    expect(gateProblem(missing as {kind: 'no-gate'}, 'production').fix).toBe('graduate gate install production')
  })

  it("says a newer gate needs a newer graduate, or this one's gate back", async () => {
    const {host} = fakeHost({'graduate:facts api': {stdout: FACTS(GATE_PROTOCOL + 1)}})
    const answer = await readHostFacts(host, ['api'], {}, {timeoutMs: 1000})
    expect(answer).toEqual({kind: 'other-protocol', installed: {version: '9.0.0', protocol: GATE_PROTOCOL + 1}})
    expect(gateProblem(answer as Exclude<typeof answer, {kind: 'facts'}>, 'production').fix).toBe(
      `upgrade graduate to a version that speaks protocol ${GATE_PROTOCOL + 1}, or put this graduate's gate back: graduate gate upgrade production --force`,
    )
  })

  it('reports any other failure of the verb as the command that failed on that host', async () => {
    const {host} = fakeHost({'graduate:facts api': {exitCode: 1, stderr: ' !     graduate: could not read the gate state of api: disk error\n'}})
    const failure = readHostFacts(host, ['api'], {}, {timeoutMs: 1000})
    await expect(failure).rejects.toThrow(RemoteCommandError)
    await expect(failure).rejects.toThrow(`${HOST}: \`${renderCommand({argv: ['graduate:facts', 'api']})}\` exited 1: graduate: could not read the gate state of api: disk error`)
  })
})
