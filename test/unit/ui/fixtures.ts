import {EventBus, type GraduationEvent, type GraduationEventBody, type GraduationSummary, type PlannedApp} from '../../../src/graduation/events.js'

/*
 * Recorded graduations, as the engine emits them (src/graduation/graduate.ts and apps.ts): stages in
 * order, app states through the AppTracker, hook events from the hook runner, one summary at the end.
 * Messages and Dokku lines are the real ones (preflight.ts, wait-for-holds.ts, dokku-plugin/PROTOCOL.md,
 * test/fixtures/dokku/push-*.txt).
 */

export const ID = '20261123T101500Z-3f9a'
export const START = Date.parse('2026-11-23T10:15:00.000Z')

export const DEV = 'dokku@dev.example.com:22'
export const PROD_1 = 'dokku@prod-1.example.com:22'
export const PROD_2 = 'dokku@prod-2.example.com:22'

export const REV = {
  apiOld: '3f9a2c1d5e6f708192a3b4c5d6e7f8091a2b3c4d',
  apiNew: '8b1d4e07a9c3f5e2d1b0a9c8d7e6f5a4b3c2d1e0',
  webOld: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
  webNew: '5d6e7f80a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
  worker: '77aa0019be3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e',
}

export const API: PlannedApp = {app: 'api', host: PROD_1, targetApp: 'api', sourceHost: DEV, sourceApp: 'api', from: REV.apiOld, to: REV.apiNew, strategy: 'git', action: 'deploy'}
export const WEB: PlannedApp = {app: 'web', host: PROD_1, targetApp: 'www', sourceHost: DEV, sourceApp: 'www', from: REV.webOld, to: REV.webNew, strategy: 'git', action: 'deploy'}
export const WORKER: PlannedApp = {app: 'worker', host: PROD_2, targetApp: 'worker', sourceHost: DEV, sourceApp: 'worker', from: REV.worker, to: REV.worker, strategy: 'git', action: 'skip'}

/** Records what a bus emits, with the clock set by `at` (milliseconds after START). */
class Recording {
  readonly events: GraduationEvent[] = []
  private now = START
  private readonly bus = new EventBus(ID, 'production', () => new Date(this.now))

  constructor() {
    this.bus.subscribe((event) => this.events.push(event))
  }

  at(ms: number, ...bodies: GraduationEventBody[]): this {
    this.now = START + ms
    for (const body of bodies) this.bus.emit(body)
    return this
  }
}

function iso(ms: number): string {
  return new Date(START + ms).toISOString()
}

/** Lines as the engine passes them on: git's `remote: ` prefix, padding and colour removed (src/dokku/parse/push-lines.ts). */
const pushLines = (dokkuApp: string) => [
  '-----> Cleaning up...',
  `-----> Building ${dokkuApp} from Dockerfile`,
  `-----> Releasing ${dokkuApp}...`,
  '=====> Processing deployment checks',
  "       Healthcheck succeeded name='web check'",
  `=====> graduate: holding ${dokkuApp} (web.1) for graduation ${ID}; old release keeps serving`,
]

/** Three apps, one of them already up to date; a PRE and a POST hook; everything goes live 84 ms apart. */
export function graduatedWithSkip(): GraduationEvent[] {
  const summary: GraduationSummary = {
    outcome: 'graduated',
    exitCode: 0,
    from: 'dev',
    to: 'production',
    apps: [
      {app: 'api', host: PROD_1, targetApp: 'api', from: REV.apiOld, to: REV.apiNew, result: 'live', liveRev: REV.apiNew, liveAt: iso(33_512)},
      {app: 'web', host: PROD_1, targetApp: 'www', from: REV.webOld, to: REV.webNew, result: 'live', liveRev: REV.webNew, liveAt: iso(33_596)},
      {app: 'worker', host: PROD_2, targetApp: 'worker', from: REV.worker, to: REV.worker, result: 'skipped', liveRev: REV.worker, liveAt: null},
    ],
    hooks: [
      {phase: 'pre', label: 'Notify Slack', result: 'ok', exitCode: 0, durationMs: 400},
      {phase: 'post', label: 'Migrate database', result: 'ok', exitCode: 0, durationMs: 3100},
    ],
    flipSkewMs: 84,
    durationMs: 36_700,
  }
  return new Recording()
    .at(0, {type: 'start', from: 'dev', to: 'production', manifest: '/home/alice/shop/graduate.yml', apps: ['api', 'web', 'worker']}, {type: 'stage', stage: 'connect'})
    .at(310, {type: 'host', host: DEV, state: 'connected', durationMs: 310})
    .at(352, {type: 'host', host: PROD_1, state: 'connected', durationMs: 352})
    .at(395, {type: 'host', host: PROD_2, state: 'connected', durationMs: 395})
    .at(400, {type: 'stage', stage: 'preflight'})
    .at(1150, {
      type: 'problem',
      host: PROD_2,
      app: 'worker',
      severity: 'warning',
      message: "worker's worker processes start only after the release; their failure cannot be rolled back with the others",
    })
    .at(1200, {type: 'stage', stage: 'lock'})
    .at(1330, {type: 'lock', host: PROD_1, state: 'acquired', owner: 'alice@laptop'})
    .at(1362, {type: 'lock', host: PROD_2, state: 'acquired', owner: 'alice@laptop'})
    .at(1400, {type: 'stage', stage: 'plan'}, {type: 'plan', apps: [API, WEB, WORKER], skippedEnvironments: ['staging']})
    .at(1500, {type: 'stage', stage: 'pre-hooks'}, {type: 'hook', phase: 'pre', label: 'Notify Slack', state: 'start'})
    .at(1705, {type: 'hook-output', phase: 'pre', label: 'Notify Slack', stream: 'stdout', line: 'posted to #deploys: graduating dev → production'})
    .at(1910, {type: 'hook', phase: 'pre', label: 'Notify Slack', state: 'ok', exitCode: 0, durationMs: 400})
    .at(1920, {type: 'stage', stage: 'deploy'})
    .at(1930, {type: 'app', app: 'api', host: PROD_1, state: 'fetching', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'fetching', rev: REV.webOld})
    .at(4210, {type: 'app', app: 'api', host: PROD_1, state: 'pushing', rev: REV.apiNew})
    .at(4400, {type: 'app', app: 'web', host: PROD_1, state: 'pushing', rev: REV.webNew})
    .at(5000, ...pushLines('api').slice(0, 3).map((line) => ({type: 'app-output' as const, app: 'api', host: PROD_1, line})))
    .at(9000, ...pushLines('www').slice(0, 3).map((line) => ({type: 'app-output' as const, app: 'web', host: PROD_1, line})))
    .at(21_000, ...pushLines('api').slice(3).map((line) => ({type: 'app-output' as const, app: 'api', host: PROD_1, line})))
    .at(21_500, {type: 'app', app: 'api', host: PROD_1, state: 'held', rev: REV.apiNew})
    .at(24_800, ...pushLines('www').slice(3).map((line) => ({type: 'app-output' as const, app: 'web', host: PROD_1, line})))
    .at(25_100, {type: 'app', app: 'web', host: PROD_1, state: 'held', rev: REV.webNew})
    .at(25_110, {type: 'stage', stage: 'post-hooks'})
    .at(25_120, {type: 'hook', phase: 'post', label: 'Migrate database', state: 'start'})
    .at(25_900, {type: 'hook-output', phase: 'post', label: 'Migrate database', stream: 'stdout', line: '== 20261120093000 AddIndexToOrders: migrating'})
    .at(27_500, {type: 'hook-output', phase: 'post', label: 'Migrate database', stream: 'stdout', line: '== 20261120093000 AddIndexToOrders: migrated (1.5s)'})
    .at(28_220, {type: 'hook', phase: 'post', label: 'Migrate database', state: 'ok', exitCode: 0, durationMs: 3100})
    .at(28_230, {type: 'decision', decision: 'release'}, {type: 'stage', stage: 'release'})
    .at(28_231, {type: 'app', app: 'api', host: PROD_1, state: 'releasing', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'releasing', rev: REV.webOld})
    .at(33_400, {type: 'app-output', app: 'api', host: PROD_1, line: '       graduate: released api (web.1)'})
    .at(33_480, {type: 'app-output', app: 'web', host: PROD_1, line: '       graduate: released www (web.1)'})
    .at(35_700, {type: 'stage', stage: 'verify'})
    .at(36_100, {type: 'app', app: 'api', host: PROD_1, state: 'live', rev: REV.apiNew})
    .at(36_102, {type: 'app', app: 'web', host: PROD_1, state: 'live', rev: REV.webNew})
    .at(36_200, {type: 'stage', stage: 'record'})
    .at(36_500, {type: 'stage', stage: 'unlock'})
    .at(36_610, {type: 'lock', host: PROD_1, state: 'released'})
    .at(36_640, {type: 'lock', host: PROD_2, state: 'released'})
    .at(36_650, {type: 'stage', stage: 'after-hooks'})
    .at(36_700, {type: 'summary', ...summary}).events
}

/** The lines of a deploy whose health check failed (push-ga-rev7-failed-healthcheck.txt), as the engine passes them on. */
export const FAILED_CHECK_LINES = [
  '-----> Executing 2 healthchecks',
  "       Running healthcheck name='web check' delay=0 path='/health' retries=2 timeout=2 type='path'",
  " !     Failure in name='web check': unexpected status code 500",
  "       Healthcheck succeeded name='port listening check'",
  ' !     Could not start due to 1 failed checks (web.1)',
  '=====> Start of api container output (ec5775d5fd9f web.1)',
  '=====> End of api container output (ec5775d5fd9f web.1)',
  'parallel: This job failed:',
  '/var/lib/dokku/plugins/available/scheduler-docker-local/bin/scheduler-deploy-process-container api dockerfile dokku/api:latest latest web 1 1',
  'To prod-1.example.com:api',
  ' ! [remote rejected] main -> main (pre-receive hook declined)',
  "error: failed to push some refs to 'prod-1.example.com:api'",
]

const CHECKS_FAILED = `api on ${PROD_1}: Dokku's health checks failed (web.1)`

/** api's health check fails while web is already held: everything aborts, an `aborted` hook pages on-call. */
export function abortedByFailedChecks(): GraduationEvent[] {
  const summary: GraduationSummary = {
    outcome: 'aborted',
    exitCode: 1,
    from: 'dev',
    to: 'production',
    cause: CHECKS_FAILED,
    apps: [
      {app: 'api', host: PROD_1, targetApp: 'api', from: REV.apiOld, to: REV.apiNew, result: 'failed', liveRev: REV.apiOld, liveAt: null, reason: CHECKS_FAILED, lastLines: FAILED_CHECK_LINES},
      {app: 'web', host: PROD_1, targetApp: 'www', from: REV.webOld, to: REV.webNew, result: 'aborted', liveRev: REV.webOld, liveAt: null},
    ],
    hooks: [{phase: 'aborted', label: 'Page on-call', result: 'ok', exitCode: 0, durationMs: 600}],
    flipSkewMs: null,
    durationMs: 27_900,
  }
  return new Recording()
    .at(0, {type: 'start', from: 'dev', to: 'production', manifest: '/home/alice/shop/graduate.yml', apps: ['api', 'web']}, {type: 'stage', stage: 'connect'})
    .at(300, {type: 'host', host: DEV, state: 'connected', durationMs: 300}, {type: 'host', host: PROD_1, state: 'connected', durationMs: 298})
    .at(310, {type: 'stage', stage: 'preflight'})
    .at(980, {type: 'stage', stage: 'lock'})
    .at(1100, {type: 'lock', host: PROD_1, state: 'acquired', owner: 'ci@runner-7'})
    .at(1120, {type: 'stage', stage: 'plan'}, {type: 'plan', apps: [API, WEB], skippedEnvironments: []})
    .at(1130, {type: 'stage', stage: 'pre-hooks'})
    .at(1140, {type: 'stage', stage: 'deploy'})
    .at(1150, {type: 'app', app: 'api', host: PROD_1, state: 'fetching', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'fetching', rev: REV.webOld})
    .at(3300, {type: 'app', app: 'api', host: PROD_1, state: 'pushing', rev: REV.apiNew}, {type: 'app', app: 'web', host: PROD_1, state: 'pushing', rev: REV.webNew})
    .at(19_000, {type: 'app-output', app: 'web', host: PROD_1, line: `=====> graduate: holding www (web.1) for graduation ${ID}; old release keeps serving`})
    .at(19_400, {type: 'app', app: 'web', host: PROD_1, state: 'held', rev: REV.webNew})
    .at(21_700, ...FAILED_CHECK_LINES.map((line) => ({type: 'app-output' as const, app: 'api', host: PROD_1, line})))
    .at(22_000, {type: 'app', app: 'api', host: PROD_1, state: 'failed', rev: REV.apiOld, message: CHECKS_FAILED})
    .at(22_010, {type: 'decision', decision: 'abort', reason: CHECKS_FAILED}, {type: 'stage', stage: 'abort'})
    .at(22_020, {type: 'app', app: 'web', host: PROD_1, state: 'aborting', rev: REV.webOld})
    .at(22_300, {type: 'app-output', app: 'web', host: PROD_1, line: ` !     graduate: aborted www (web.1) by graduation ${ID}; restored dokku/www:latest and GIT_REV`})
    .at(23_500, {type: 'stage', stage: 'verify'})
    .at(23_900, {type: 'app', app: 'web', host: PROD_1, state: 'aborted', rev: REV.webOld})
    .at(24_000, {type: 'stage', stage: 'record'})
    .at(24_300, {type: 'stage', stage: 'unlock'})
    .at(24_420, {type: 'lock', host: PROD_1, state: 'released'})
    .at(24_430, {type: 'stage', stage: 'after-hooks'}, {type: 'hook', phase: 'aborted', label: 'Page on-call', state: 'start'})
    .at(24_800, {type: 'hook-output', phase: 'aborted', label: 'Page on-call', stream: 'stdout', line: `paged #ops: graduation ${ID} aborted`})
    .at(25_030, {type: 'hook', phase: 'aborted', label: 'Page on-call', state: 'ok', exitCode: 0, durationMs: 600})
    .at(27_900, {type: 'summary', ...summary}).events
}

const MIGRATION_FAILED = 'the post hook "Migrate database" failed (exit 1)'

/** Both apps are held, then the migration fails: the decision is abort, and nothing changed. */
export function postHookFailed(): GraduationEvent[] {
  const summary: GraduationSummary = {
    outcome: 'aborted',
    exitCode: 1,
    from: 'dev',
    to: 'production',
    cause: MIGRATION_FAILED,
    apps: [
      {app: 'api', host: PROD_1, targetApp: 'api', from: REV.apiOld, to: REV.apiNew, result: 'aborted', liveRev: REV.apiOld, liveAt: null},
      {app: 'web', host: PROD_1, targetApp: 'www', from: REV.webOld, to: REV.webNew, result: 'aborted', liveRev: REV.webOld, liveAt: null},
    ],
    hooks: [
      {phase: 'post', label: 'Migrate database', result: 'failed', exitCode: 1, durationMs: 4200},
      {phase: 'post', label: 'Warm caches', result: 'skipped', exitCode: null, durationMs: 0},
    ],
    flipSkewMs: null,
    durationMs: 30_500,
  }
  return new Recording()
    .at(0, {type: 'start', from: 'dev', to: 'production', manifest: '/home/alice/shop/graduate.yml', apps: ['api', 'web']}, {type: 'stage', stage: 'connect'})
    .at(300, {type: 'host', host: DEV, state: 'connected', durationMs: 300}, {type: 'host', host: PROD_1, state: 'connected', durationMs: 298})
    .at(310, {type: 'stage', stage: 'preflight'})
    .at(980, {type: 'stage', stage: 'lock'})
    .at(1100, {type: 'lock', host: PROD_1, state: 'acquired', owner: 'alice@laptop'})
    .at(1120, {type: 'stage', stage: 'plan'}, {type: 'plan', apps: [API, WEB], skippedEnvironments: []})
    .at(1130, {type: 'stage', stage: 'pre-hooks'})
    .at(1140, {type: 'stage', stage: 'deploy'})
    .at(1150, {type: 'app', app: 'api', host: PROD_1, state: 'fetching', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'fetching', rev: REV.webOld})
    .at(3300, {type: 'app', app: 'api', host: PROD_1, state: 'pushing', rev: REV.apiNew}, {type: 'app', app: 'web', host: PROD_1, state: 'pushing', rev: REV.webNew})
    .at(20_100, {type: 'app', app: 'api', host: PROD_1, state: 'held', rev: REV.apiNew})
    .at(21_300, {type: 'app', app: 'web', host: PROD_1, state: 'held', rev: REV.webNew})
    .at(21_310, {type: 'stage', stage: 'post-hooks'}, {type: 'hook', phase: 'post', label: 'Migrate database', state: 'start'})
    .at(22_000, {type: 'hook-output', phase: 'post', label: 'Migrate database', stream: 'stdout', line: '== 20261120093000 AddIndexToOrders: migrating'})
    .at(25_200, {type: 'hook-output', phase: 'post', label: 'Migrate database', stream: 'stderr', line: 'PG::DuplicateTable: ERROR:  relation "index_orders_on_state" already exists'})
    .at(25_400, {type: 'hook-output', phase: 'post', label: 'Migrate database', stream: 'stderr', line: 'rake aborted!'})
    .at(25_510, {type: 'hook', phase: 'post', label: 'Migrate database', state: 'failed', exitCode: 1, durationMs: 4200})
    .at(25_520, {type: 'decision', decision: 'abort', reason: MIGRATION_FAILED}, {type: 'stage', stage: 'abort'})
    .at(25_530, {type: 'app', app: 'api', host: PROD_1, state: 'aborting', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'aborting', rev: REV.webOld})
    .at(27_000, {type: 'stage', stage: 'verify'})
    .at(27_400, {type: 'app', app: 'api', host: PROD_1, state: 'aborted', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_1, state: 'aborted', rev: REV.webOld})
    .at(27_500, {type: 'stage', stage: 'record'})
    .at(27_800, {type: 'stage', stage: 'unlock'})
    .at(27_900, {type: 'lock', host: PROD_1, state: 'released'})
    .at(27_910, {type: 'stage', stage: 'after-hooks'})
    .at(30_500, {type: 'summary', ...summary}).events
}

const CUT_OFF = `released, but web on ${PROD_2}: the push was cut off before it finished (connection to ${PROD_2} lost)`

/** The release is decided, api goes live, but web's host drops the connection: partial, with a repair command. */
export function partialAfterRelease(): GraduationEvent[] {
  const api: PlannedApp = {...API}
  const web: PlannedApp = {...WEB, host: PROD_2}
  const summary: GraduationSummary = {
    outcome: 'partial',
    exitCode: 5,
    from: 'dev',
    to: 'production',
    cause: 'web did not go live after the release was decided; the other apps did',
    apps: [
      {app: 'api', host: PROD_1, targetApp: 'api', from: REV.apiOld, to: REV.apiNew, result: 'live', liveRev: REV.apiNew, liveAt: iso(26_810)},
      {
        app: 'web',
        host: PROD_2,
        targetApp: 'www',
        from: REV.webOld,
        to: REV.webNew,
        result: 'partial',
        liveRev: REV.webOld,
        liveAt: null,
        reason: CUT_OFF,
        lastLines: [`=====> graduate: holding www (web.1) for graduation ${ID}; old release keeps serving`, `       graduate: still holding www (web.1) for ${ID}, 15s held, lease ends in 45s`],
        repair: 'graduate dev production --only web',
      },
    ],
    hooks: [],
    flipSkewMs: null,
    durationMs: 151_200,
  }
  return new Recording()
    .at(0, {type: 'start', from: 'dev', to: 'production', manifest: '/home/alice/shop/graduate.yml', apps: ['api', 'web']}, {type: 'stage', stage: 'connect'})
    .at(300, {type: 'host', host: DEV, state: 'connected', durationMs: 300}, {type: 'host', host: PROD_1, state: 'connected', durationMs: 298}, {type: 'host', host: PROD_2, state: 'connected', durationMs: 301})
    .at(310, {type: 'stage', stage: 'preflight'})
    .at(980, {type: 'stage', stage: 'lock'})
    .at(1100, {type: 'lock', host: PROD_1, state: 'acquired', owner: 'alice@laptop'}, {type: 'lock', host: PROD_2, state: 'acquired', owner: 'alice@laptop'})
    .at(1120, {type: 'stage', stage: 'plan'}, {type: 'plan', apps: [api, web], skippedEnvironments: []})
    .at(1130, {type: 'stage', stage: 'pre-hooks'})
    .at(1140, {type: 'stage', stage: 'deploy'})
    .at(1150, {type: 'app', app: 'api', host: PROD_1, state: 'fetching', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_2, state: 'fetching', rev: REV.webOld})
    .at(3300, {type: 'app', app: 'api', host: PROD_1, state: 'pushing', rev: REV.apiNew}, {type: 'app', app: 'web', host: PROD_2, state: 'pushing', rev: REV.webNew})
    .at(20_100, {type: 'app', app: 'api', host: PROD_1, state: 'held', rev: REV.apiNew})
    .at(21_300, {type: 'app', app: 'web', host: PROD_2, state: 'held', rev: REV.webNew})
    .at(21_310, {type: 'stage', stage: 'post-hooks'})
    .at(21_320, {type: 'decision', decision: 'release'}, {type: 'stage', stage: 'release'})
    .at(21_330, {type: 'app', app: 'api', host: PROD_1, state: 'releasing', rev: REV.apiOld}, {type: 'app', app: 'web', host: PROD_2, state: 'releasing', rev: REV.webOld})
    .at(21_900, {type: 'warning', host: PROD_2, message: 'could not deliver the release to www: connection lost'})
    .at(141_330, {type: 'stage', stage: 'verify'})
    .at(141_700, {type: 'app', app: 'api', host: PROD_1, state: 'live', rev: REV.apiNew})
    .at(141_710, {type: 'app', app: 'web', host: PROD_2, state: 'partial', rev: REV.webOld, message: CUT_OFF})
    .at(141_800, {type: 'stage', stage: 'record'})
    .at(142_100, {type: 'stage', stage: 'unlock'})
    .at(142_200, {type: 'lock', host: PROD_1, state: 'released'}, {type: 'lock', host: PROD_2, state: 'released'})
    .at(142_210, {type: 'stage', stage: 'after-hooks'})
    .at(151_200, {type: 'summary', ...summary}).events
}

const LOCKED = `production is locked on ${PROD_2} by bob@ci-runner-3 (graduation 20261123T100310Z-77c1), taken 12 min ago, expires in 8 min`

/** Another graduation holds production's lock on the second host: the first host's lock is given back, nothing changes (exit 4). */
export function refusedByLock(): GraduationEvent[] {
  const summary: GraduationSummary = {
    outcome: 'refused',
    exitCode: 4,
    from: 'dev',
    to: 'production',
    cause: LOCKED,
    apps: [
      {app: 'api', host: PROD_1, targetApp: 'api', from: REV.apiOld, to: REV.apiNew, result: 'aborted', liveRev: null, liveAt: null},
      {app: 'worker', host: PROD_2, targetApp: 'worker', from: REV.worker, to: REV.worker, result: 'skipped', liveRev: REV.worker, liveAt: null},
    ],
    hooks: [],
    flipSkewMs: null,
    durationMs: 1500,
  }
  return new Recording()
    .at(0, {type: 'start', from: 'dev', to: 'production', manifest: '/home/alice/shop/graduate.yml', apps: ['api', 'worker']}, {type: 'stage', stage: 'connect'})
    .at(300, {type: 'host', host: DEV, state: 'connected', durationMs: 300}, {type: 'host', host: PROD_1, state: 'connected', durationMs: 298}, {type: 'host', host: PROD_2, state: 'connected', durationMs: 301})
    .at(310, {type: 'stage', stage: 'preflight'})
    .at(980, {type: 'stage', stage: 'lock'})
    .at(1100, {type: 'lock', host: PROD_1, state: 'acquired', owner: 'alice@laptop'})
    .at(1300, {type: 'lock', host: PROD_1, state: 'released'})
    .at(1310, {type: 'lock', host: PROD_2, state: 'held', owner: 'bob@ci-runner-3', since: iso(1310 - 12 * 60_000 - 3000)})
    .at(1500, {type: 'summary', ...summary}).events
}

/** The final summary of a recorded graduation. */
export function summaryOf(events: GraduationEvent[]): GraduationSummary {
  const last = events.at(-1)
  if (last?.type !== 'summary') throw new Error('a recorded graduation ends with its summary')
  const {ts: _ts, id: _id, env: _env, type: _type, ...summary} = last
  return summary
}
