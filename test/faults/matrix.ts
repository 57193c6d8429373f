import path from 'node:path'
import {execFile} from 'node:child_process'
import {expect} from 'vitest'
import {type Simulator, type SimulatorConfig, startSimulator} from '../simulator/index.js'
import {cleanEnv} from '../simulator/host/provision.js'
import {liveRev, ssh, waitFor} from '../support/sim-client.js'
import {type CliResult, scratchHome, simEnvironment, startCli, writeManifest} from '../support/cli.js'

/*
 * The fault matrix (issue: fail closed). Three apps on three target hosts — api on prod-1 (the first),
 * web on prod-2 (a middle one), worker on prod-3 (the last) — graduate from dev while a fault is
 * injected at one point for one of them. Whatever happens, the end state must be every app old, or
 * every app new, or (only after the decision) exit 5 with the partial state reported as it is. A probe
 * requests every app through the routers all along: no new revision may answer before the decision,
 * and the apps may disagree no longer than the flip skew graduate reports.
 */
export const APPS = ['api', 'web', 'worker'] as const
export type App = (typeof APPS)[number]
export const HOST_OF: Record<App, string> = {api: 'prod-1', web: 'prod-2', worker: 'prod-3'}
export const POSITIONS = {first: 'api', middle: 'web', last: 'worker'} as const satisfies Record<string, App>
export type Position = keyof typeof POSITIONS

const LEASE_SECONDS = 4

function migrate(version: string): string {
  return `#!/bin/sh\nset -e\nif [ -n "$MIGRATION_FAILS" ]; then echo "migration ${version} failed" >&2; exit 4; fi\nsleep "\${MIGRATION_SECONDS:-0}"\necho "migrated ${version}"\n`
}

function revision(app: App, version: string) {
  return {
    message: `${app} ${version}`,
    files: {
      'app.txt': `${app} ${version}`,
      // A release task that fails when the target's config says so: an environment-specific failure.
      Procfile: 'web: serve\nrelease: test -z "$FAIL_RELEASE"\n',
      'bin/migrate': migrate(version),
      '.sim.json': JSON.stringify({buildMs: 100, checkMs: 50}),
    },
  }
}

export function matrixConfig(): SimulatorConfig {
  return {
    repos: Object.fromEntries(APPS.map((app) => [app, [revision(app, 'v1'), revision(app, 'v2')]])),
    hosts: [
      {name: 'dev', releaseTailMs: 50, apps: APPS.map((app) => ({name: app, repo: app, deploy: 2}))},
      ...APPS.map((app) => ({name: HOST_OF[app], releaseTailMs: 150, apps: [{name: app, repo: app, deploy: 1}]})),
    ],
  }
}

export interface CaseContext {
  sim: Simulator
  app: App
  host: string
  /** Sets config on the target app for this case; undone afterwards. */
  setConfig(pairs: Record<string, string>): Promise<void>
}

/** All old, all new, or (only after the decision) the faulted app old and the others new, exit 5. */
export type Expectation = 'old' | 'new' | 'partial'

export interface InjectionPoint {
  point: string
  /** How every app must end: all on the old revision (exit `exit`) or all on the new one. */
  expect: Expectation
  exit: number
  /** Before the run starts. */
  before?(context: CaseContext): Promise<void> | void
  /** While the run goes on, at each event (dynamic injections such as a host lost while held). */
  during?(context: CaseContext, event: CliResult['events'][number], events: CliResult['events']): Promise<void> | void
  /** The POST hook and options of the manifest for this case. */
  post?(app: App): Record<string, unknown>
  lease?: number
  /** Extra checks on the run's events and summary. */
  check?(context: CaseContext, result: CliResult): void
}

const heldAll = (events: CliResult['events']) => events.filter((event) => event.type === 'app' && event['state'] === 'held').length === APPS.length

export const INJECTION_POINTS: InjectionPoint[] = [
  {point: 'connect', expect: 'old', exit: 3, before: ({sim, host}) => void sim.faults.connection({host, kind: 'refuse'})},
  {
    point: 'preflight',
    expect: 'old',
    exit: 3,
    // The gate reads every app of the host in one command; it fails as a host whose gate is broken would.
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:facts', action: {kind: 'exit', code: 1, stderr: ' !     graduate: could not read the gate state: disk error\n'}}),
  },
  {point: 'lock', expect: 'old', exit: 3, before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:lock', action: {kind: 'exit', code: 1, stderr: ' !     disk full\n'}})},
  {
    point: 'source fetch',
    expect: 'old',
    exit: 1,
    before: ({sim, app}) => void sim.faults.command({host: 'dev', match: new RegExp(`^git-upload-pack '/?${app}'`), action: {kind: 'exit', code: 128, stderr: 'fatal: the remote end hung up unexpectedly\n'}}),
  },
  {
    point: 'push start',
    expect: 'old',
    exit: 1,
    before: ({sim, host, app}) => void sim.faults.command({host, match: new RegExp(`^git-receive-pack '/?${app}'`), action: {kind: 'drop', afterMs: 0}}),
  },
  {point: 'build', expect: 'old', exit: 1, before: ({setConfig}) => setConfig({SIM_BUILD_FAILS: '1'})},
  {point: 'checks', expect: 'old', exit: 1, before: ({setConfig}) => setConfig({SIM_CHECK_FAILS: '1'})},
  {point: 'release task', expect: 'old', exit: 1, before: ({setConfig}) => setConfig({FAIL_RELEASE: '1'})},
  {
    point: 'arm',
    expect: 'old',
    exit: 1,
    // One command arms every app of the host.
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:arm', action: {kind: 'exit', code: 1, stderr: ' !     graduate: cannot write state\n'}}),
  },
  {
    point: 'held (host lost)',
    expect: 'old',
    exit: 1,
    post: (app) => ({label: 'Migrate', run: {app, command: 'bin/migrate'}}),
    before: ({setConfig}) => setConfig({MIGRATION_SECONDS: '3'}),
    during: async ({sim, host}, event, events) => {
      if (event.type === 'app' && event['state'] === 'held' && heldAll(events)) await sim.faults.down(host)
    },
  },
  {
    point: 'POST hook',
    expect: 'old',
    exit: 1,
    post: (app) => ({label: 'Migrate', run: {app, command: 'bin/migrate'}}),
    before: ({setConfig}) => setConfig({MIGRATION_FAILS: '1'}),
  },
  {
    point: 'lease renewal',
    expect: 'old',
    exit: 1,
    // Renewals to this host fail while the POST hook outlasts the lease: its gate gives up on its own.
    post: () => ({label: 'Wait', local: `sleep ${LEASE_SECONDS + 3}`}),
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:renew', action: {kind: 'exit', code: 1, stderr: ' !     renew failed\n'}}),
  },
  {
    point: 'release send',
    expect: 'new',
    exit: 0,
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:release', action: {kind: 'drop', afterMs: 0}, once: true}),
  },
  {
    point: 'release lost',
    expect: 'partial',
    exit: 5,
    // The release can never reach this host: graduate retries until the lease would end, then reports
    // the app partial; its gate has aborted on its own, so it serves its old revision.
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:release', action: {kind: 'exit', code: 255, stderr: 'ssh: connect to host: Connection timed out\n'}}),
    check: ({app}, result) => {
      const apps = result.events.at(-1)!['apps'] as Array<Record<string, unknown>>
      expect(apps.find((entry) => entry['app'] === app)).toMatchObject({result: 'partial', repair: `graduate dev production --only ${app}`})
      // Said as it is: the release never arrived, and the app still serves its old revision.
      expect(apps.find((entry) => entry['app'] === app)!['reason']).toMatch(/^the release never reached .* so \S+ still serves its old revision/)
      expect(apps.filter((entry) => entry['result'] === 'live').map((entry) => entry['app']).sort()).toEqual(APPS.filter((entry) => entry !== app).sort())
    },
  },
  {
    point: 'verify',
    expect: 'new',
    exit: 0,
    during: ({sim, host, app}, event) => {
      // After the decision only the verification reads facts: it is asked again, as any read is.
      if (event.type === 'decision') sim.faults.command({host, match: 'graduate:facts', action: {kind: 'exit', code: 1, stderr: ' !     busy\n'}, once: true})
    },
  },
  {
    point: 'record',
    expect: 'new',
    exit: 0,
    before: ({sim, host}) => void sim.faults.command({host, match: 'graduate:record', action: {kind: 'exit', code: 1, stderr: ' !     disk full\n'}}),
    check: (_context, result) => expect(result.events.some((event) => event.type === 'warning' && String(event['message']).includes('could not store the graduation record'))).toBe(true),
  },
  {
    point: 'unlock',
    expect: 'new',
    exit: 0,
    // The lock goes with the record (graduate:record --unlock), and on its own when that fails: both fail here.
    before: ({sim, host}) => {
      sim.faults.command({host, match: 'graduate:record', action: {kind: 'exit', code: 1, stderr: ' !     disk full\n'}})
      sim.faults.command({host, match: 'graduate:unlock', action: {kind: 'exit', code: 1, stderr: ' !     disk full\n'}})
    },
    check: (_context, result) => expect(result.events.some((event) => event.type === 'warning' && String(event['message']).includes('expires on its own'))).toBe(true),
  },
]

/** Requests every app through its host's router every few milliseconds, recording what answered when. */
export class TrafficProbe {
  /** Each answer: when its request was sent, when the answer came, and the revision that answered. */
  readonly observations: Array<{sentAt: number; at: number; app: App; rev: string}> = []
  private running = false
  private loop: Promise<void> | undefined

  constructor(private readonly sim: Simulator) {}

  start(): void {
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(
          APPS.map(async (app) => {
            const sentAt = Date.now()
            const rev = await liveRev(this.sim, HOST_OF[app], app).catch(() => undefined)
            if (rev) this.observations.push({sentAt, at: Date.now(), app, rev})
          }),
        )
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  /**
   * Between which moments each app switched to `revs[app]`: after the request of its last other answer
   * was sent, and before its first answer with that revision came. Undefined where either is missing.
   */
  switchedBetween(revs: Record<App, string>): Partial<Record<App, {after: number; before: number}>> {
    const bounds: Partial<Record<App, {after: number; before: number}>> = {}
    for (const app of APPS) {
      const answers = this.observations.filter((entry) => entry.app === app)
      const first = answers.findIndex((entry) => entry.rev === revs[app])
      const lastOther = first > 0 ? answers.slice(0, first).findLast((entry) => entry.rev !== revs[app]) : undefined
      if (lastOther) bounds[app] = {after: lastOther.sentAt, before: answers[first]!.at}
    }
    return bounds
  }

  /** When each app was first seen serving `revs[app]`, or undefined if it never was. */
  firstSeen(revs: Record<App, string>): Record<App, number | undefined> {
    return Object.fromEntries(APPS.map((app) => [app, this.observations.find((entry) => entry.app === app && entry.rev === revs[app])?.at])) as Record<App, number | undefined>
  }
}

export interface MatrixRun {
  sim: Simulator
  result: CliResult
  probe: TrafficProbe
}

/** One simulator per test file; cases run in turn, and each leaves production on the old revisions. */
export class MatrixBench {
  sim!: Simulator
  injected = 0
  held = 0
  private readonly home = scratchHome()

  async start(): Promise<void> {
    this.sim = await startSimulator(matrixConfig())
  }

  async stop(): Promise<void> {
    await this.sim?.stop()
  }

  old(app: App): string {
    return this.sim.revisions[app]![0]!
  }

  fresh(app: App): string {
    return this.sim.revisions[app]![1]!
  }

  manifest(point: InjectionPoint, app: App): string {
    const environments: Record<string, unknown> = {dev: simEnvironment(this.sim, 'dev'), production: {...simEnvironment(this.sim, 'prod-1'), apps: {}}}
    const production = environments['production'] as {apps: Record<string, unknown>}
    for (const entry of APPS) production.apps[entry] = {host: `dokku@127.0.0.1:${this.sim.host(HOST_OF[entry]).port}`}
    return writeManifest({
      environments,
      apps: Object.fromEntries(APPS.map((entry) => [entry, null])),
      hooks: point.post ? {post: [point.post(app)]} : {},
      options: {lease: `${point.lease ?? LEASE_SECONDS}s`, timeouts: {command: '20s'}},
    })
  }

  /** Runs one case and asserts the invariant; returns the run for further checks. */
  async runCase(point: InjectionPoint, position: Position): Promise<MatrixRun> {
    const app = POSITIONS[position]
    const host = HOST_OF[app]
    const configured: string[] = []
    const context: CaseContext = {
      sim: this.sim,
      app,
      host,
      setConfig: async (pairs) => {
        const set = await ssh(this.sim, host, ['config:set', '--no-restart', app, ...Object.entries(pairs).map(([key, value]) => `${key}=${value}`)])
        expect(set.code, set.stderr).toBe(0)
        configured.push(...Object.keys(pairs))
      },
    }
    this.injected++
    const probe = new TrafficProbe(this.sim)
    let result: CliResult
    try {
      await point.before?.(context)
      probe.start()
      const running = startCli(['dev', 'production', '--yes', '--json', '-m', this.manifest(point, app)], {env: this.home.env})
      let buffered = ''
      const events: CliResult['events'] = []
      running.child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop()!
        for (const line of lines) {
          if (!line.startsWith('{')) continue
          const event = JSON.parse(line) as CliResult['events'][number]
          events.push(event)
          void point.during?.(context, event, events)
        }
      })
      result = await running.result
    } finally {
      await probe.stop()
      this.sim.faults.reset()
      await this.sim.faults.up(host)
      if (configured.length > 0) await ssh(this.sim, host, ['config:unset', '--no-restart', app, ...configured])
    }
    const run = {sim: this.sim, result, probe}
    await this.assertInvariant(point, position, run)
    point.check?.(context, result)
    this.held++
    await this.restore(point)
    return run
  }

  private async assertInvariant(point: InjectionPoint, position: Position, {result, probe}: MatrixRun): Promise<void> {
    const summary = result.events.at(-1)
    expect(summary, `${point.point}: the run ends with a summary\n${result.stderr}`).toMatchObject({type: 'summary'})
    expect(result.code, `${point.point}: exit code (${summary?.['cause']})`).toBe(point.exit)
    // Deploys the runner could not reach end on their own (their gate's lease): wait for that.
    await waitFor('every deploy to end', () => this.sim.state().hosts.every((host) => host.apps.every((app) => !app.deploying)), {timeoutMs: 60_000, intervalMs: 250})
    const faulted = POSITIONS[position]
    const want = (app: App) => (point.expect === 'old' || (point.expect === 'partial' && app === faulted) ? this.old(app) : this.fresh(app))
    for (const app of APPS) {
      expect(await liveRev(this.sim, HOST_OF[app], app), `${point.point}: ${app} serves its ${want(app) === this.old(app) ? 'old' : 'new'} revision`).toBe(want(app))
      if (want(app) === this.old(app)) {
        const state = this.sim.state().hosts.find((host) => host.name === HOST_OF[app])!.apps.find((entry) => entry.name === app)!
        expect([state.branchSha, state.latestRev, state.gitRev], `${point.point}: ${app}'s branch, latest and GIT_REV`).toEqual([this.old(app), this.old(app), this.old(app)])
      }
    }
    // The probe: nothing new answered before the decision; the apps disagreed no longer than the reported skew.
    const decision = result.events.find((event) => event.type === 'decision')
    const fresh = probe.firstSeen({api: this.fresh('api'), web: this.fresh('web'), worker: this.fresh('worker')})
    const decidedAt = decision ? Date.parse(decision.ts) : Number.POSITIVE_INFINITY
    for (const app of APPS) {
      if (fresh[app] !== undefined) expect(fresh[app]!, `${point.point}: ${app} answered with its new revision before the decision`).toBeGreaterThanOrEqual(decidedAt)
    }
    if (point.expect !== 'old') {
      const bounds = Object.values(probe.switchedBetween({api: this.fresh('api'), web: this.fresh('web'), worker: this.fresh('worker')}))
      const skew = summary!['flipSkewMs']
      if (bounds.length >= 2 && typeof skew === 'number') {
        // The least the environment can have run mixed, from what the probe saw, whatever its answers'
        // delays on a loaded machine: the last app to switch did so after its `after`, the first before its `before`.
        const leastMixed = Math.max(...bounds.map((bound) => bound.after)) - Math.min(...bounds.map((bound) => bound.before))
        expect(leastMixed, `${point.point}: mixed at least ${leastMixed} ms by the probe vs reported flip skew ${skew} ms`).toBeLessThanOrEqual(skew + 250)
      }
    }
  }

  /**
   * Puts production back on the old revisions after a case that released: the old sha pushed into the
   * app's repo (an unarmed deploy), or — when a cut push connection left the branch on the old sha while
   * the new revision went live — a ps:rebuild of that branch.
   */
  private async restore(point: InjectionPoint): Promise<void> {
    if (point.expect === 'old') return
    await waitFor('the lock to be gone', async () => {
      const locks = this.sim.state().hosts.map((host) => host.environments['production']?.lock).filter(Boolean) as Array<Record<string, string>>
      return locks.every((lock) => Number(lock['expires_at']) < Date.now() / 1000)
    }, {timeoutMs: (LEASE_SECONDS + 20) * 1000, intervalMs: 250})
    for (const app of APPS) {
      if ((await liveRev(this.sim, HOST_OF[app], app)) === this.old(app)) continue
      const paths = this.sim.paths(HOST_OF[app])
      const run = (command: string, args: string[]) =>
        new Promise<void>((resolve, reject) =>
          execFile(command, args, {env: {...cleanEnv(), SIM_SSH_LOGIN: 'dokku'}}, (error, _stdout, stderr) => (error ? reject(new Error(`restoring ${app}: ${stderr}`)) : resolve())),
        )
      const repo = path.join(paths.dokkuRoot, app)
      // Point the branch at a throwaway commit first, so pushing the old revision is a real change that
      // deploys (and records it as the deployed revision) even where a cut push left the branch on it.
      const placeholder = await new Promise<string>((resolve, reject) =>
        execFile('git', ['-C', repo, 'commit-tree', `${this.old(app)}^{tree}`, '-p', this.old(app), '-m', 'matrix restore'], {env: {...cleanEnv(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t'}}, (error, stdout, stderr) =>
          error ? reject(new Error(`restoring ${app}: ${stderr}`)) : resolve(stdout.trim()),
        ),
      )
      await run('git', ['-C', repo, 'update-ref', 'refs/heads/main', placeholder])
      await run('git', ['-C', repo, 'push', '-q', '--force', '.', `${this.old(app)}:refs/heads/main`])
      expect(await liveRev(this.sim, HOST_OF[app], app), `${app} restored`).toBe(this.old(app))
    }
  }
}
