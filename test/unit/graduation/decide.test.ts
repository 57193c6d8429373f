import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {GateAppStatus} from '../../../src/dokku/parse/gate.js'
import {AppTracker} from '../../../src/graduation/apps.js'
import {EventBus, type GraduationEvent, type PlannedApp} from '../../../src/graduation/events.js'
import type {GateCoordinator} from '../../../src/graduation/gates.js'
import type {GraduateOptions} from '../../../src/graduation/graduate.js'
import type {Journal} from '../../../src/graduation/journal.js'
import {createRunContext} from '../../../src/graduation/phases/context.js'
import {decide} from '../../../src/graduation/phases/decide.js'
import type {Deployment} from '../../../src/graduation/phases/deploy.js'
import type {Prepared} from '../../../src/graduation/phases/prepare.js'
import type {HoldWait} from '../../../src/graduation/wait-for-holds.js'
import type {Transport} from '../../../src/ssh/transport.js'
import {useResolvedManifest} from './manifest-fixture.js'

// The decision phase alone: what it decides from the holds, the POST hooks, an interrupt and the gates'
// last word, with the deploy phase's result given rather than run.
const HOST = 'dokku@prod.example:22'
const plan: PlannedApp[] = [{app: 'api', host: HOST, targetApp: 'api', sourceHost: 'dokku@dev.example:22', sourceApp: 'api', from: 'a'.repeat(40), to: 'b'.repeat(40), action: 'deploy'} as PlannedApp]
const held = {app: 'api', state: 'held'} as GateAppStatus

const fixture = useResolvedManifest('hooks:\n  post:\n    - label: Migrate\n      local: bin/migrate\noptions:\n  timeouts:\n    hold: 1s\n')

function setUp(options: {holds?: HoldWait; post?: GraduateOptions['runHooks']; gate?: GateAppStatus | undefined; signal?: AbortSignal}) {
  const bus = new EventBus('g-1', 'production')
  const events: GraduationEvent[] = []
  bus.subscribe((event) => events.push(event))
  const journalled: string[] = []
  const ctx = createRunContext(fixture.resolved(), {
    id: 'g-1',
    bus,
    transport: {} as Transport,
    journal: {write: (step: string) => journalled.push(step)} as unknown as Journal,
    runHooks: options.post ?? (async () => ({ok: true, hooks: []})),
    owner: 'alice@laptop',
    cacheDir: path.join(fixture.dir(), 'cache'),
    dryRun: false,
    ...(options.signal ? {signal: options.signal} : {}),
  })
  ctx.hookWorkDir = fixture.dir()
  const prepared = {plan, tracker: new AppTracker(plan, bus), facts: {sources: new Map(), targets: new Map()}} as Prepared
  const gate = 'gate' in options ? options.gate : held
  const gates = {status: async () => new Map(gate === undefined ? [] : [[`${HOST}/api`, gate]])} as unknown as GateCoordinator
  const deployment: Deployment = {gates, pushes: new Map(), noMoreTransfers: new AbortController(), holds: options.holds ?? {ok: true}}
  return {run: () => decide(ctx, prepared, plan, deployment), deployment, events, journalled}
}

describe('the decision', () => {
  it('is to release when every app is held, the POST hooks passed and every gate still holds', async () => {
    const {run, deployment, events, journalled} = setUp({})
    await expect(run()).resolves.toEqual({kind: 'release'})
    expect(deployment.noMoreTransfers.signal.aborted).toBe(false)
    expect(journalled).toEqual(['post-hooks', 'decided'])
    expect(events.filter((event) => event.type === 'decision')).toMatchObject([{decision: 'release'}])
  })

  it('is to abort, without running the POST hooks, when an app never reached its hold', async () => {
    let ran = false
    const {run, deployment, events} = setUp({holds: {ok: false, cause: 'api failed its checks', interrupted: false}, post: async () => ((ran = true), {ok: true, hooks: []})})
    await expect(run()).resolves.toEqual({kind: 'abort', cause: 'api failed its checks', interrupted: false})
    expect(ran).toBe(false)
    // No transfer that has not started may start once the decision is to abort.
    expect(deployment.noMoreTransfers.signal.aborted).toBe(true)
    expect(events.filter((event) => event.type === 'decision')).toMatchObject([{decision: 'abort', reason: 'api failed its checks'}])
  })

  it('keeps an interrupt while the deploys ran an interrupted abort', async () => {
    const {run} = setUp({holds: {ok: false, cause: 'interrupted while deploying', interrupted: true}})
    await expect(run()).resolves.toEqual({kind: 'abort', cause: 'interrupted while deploying', interrupted: true})
  })

  it('is to abort when a POST hook fails, with the hook’s words', async () => {
    const {run} = setUp({post: async () => ({ok: false, hooks: [], cause: 'post hook "Migrate" exited 1'})})
    await expect(run()).resolves.toEqual({kind: 'abort', cause: 'post hook "Migrate" exited 1', interrupted: false})
  })

  it('is to abort when the POST hooks outlast the hold timeout, which stops them', async () => {
    const post: GraduateOptions['runHooks'] = async (_hooks, _context, run) =>
      new Promise((resolve) => run.signal!.addEventListener('abort', () => resolve({ok: false, hooks: [], cause: 'stopped'}), {once: true}))
    const {run} = setUp({post})
    await expect(run()).resolves.toEqual({kind: 'abort', cause: 'the POST hooks did not finish within the hold timeout (1 s)', interrupted: false})
  })

  it('is an interrupted abort when the run was interrupted during the POST hooks', async () => {
    const interrupt = new AbortController()
    const post: GraduateOptions['runHooks'] = async () => {
      interrupt.abort()
      return {ok: true, hooks: []}
    }
    const {run} = setUp({post, signal: interrupt.signal})
    await expect(run()).resolves.toEqual({kind: 'abort', cause: 'interrupted before the decision', interrupted: true})
  })

  it('is to abort when a gate ended its hold while the hooks ran, or cannot say that it holds', async () => {
    const expired = setUp({gate: {app: 'api', state: 'expired', reason: 'the lease ended'} as GateAppStatus})
    await expect(expired.run()).resolves.toEqual({kind: 'abort', cause: `api on ${HOST} is no longer held (expired) when the release was due`, interrupted: false})
    const silent = setUp({gate: undefined})
    await expect(silent.run()).resolves.toEqual({kind: 'abort', cause: `${HOST} could not confirm that api is still held`, interrupted: false})
  })
})
