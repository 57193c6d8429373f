import {stripVTControlCharacters} from 'node:util'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import type {GraduationEvent} from '../../../src/graduation/events.js'
import {createTaskUi, type TaskUi} from '../../../src/ui/tasks.js'
import {abortedByFailedChecks, graduatedWithSkip, partialAfterRelease, postHookFailed, PROD_1, refusedByLock} from './fixtures.js'
import {FakeTerminal, pinStdoutColumns} from './terminal.js'
import {TrackedReplay} from './tracked-replay.js'

let restoreColumns: () => void
beforeEach(() => {
  restoreColumns = pinStdoutColumns(100)
})
afterEach(() => restoreColumns())

/** The task list, fed through a real AppTracker (`ui.sink` plays an event as the protocol would emit it). */
function taskUi(options: {animate?: boolean} = {}): {ui: TaskUi; screen: FakeTerminal} {
  const screen = new FakeTerminal()
  const replay = new TrackedReplay()
  const ui = createTaskUi({stream: screen.stream, color: false, animate: options.animate ?? false, apps: replay.apps})
  replay.into(ui.sink)
  return {screen, ui: {...ui, sink: replay.play}}
}

async function drawAll(events: GraduationEvent[], options: {animate?: boolean} = {}): Promise<string[]> {
  const {ui, screen} = taskUi(options)
  for (const event of events) ui.sink(event)
  await ui.done()
  return screen.finalFrames()
}

/** What the terminal shows now: listr redraws the whole list on each change. */
function latestFrame(screen: FakeTerminal): string {
  return stripVTControlCharacters(screen.chunks.at(-1) ?? '')
}

describe('the task list', () => {
  it('ends a graduation with every app task in its final state, the unchanged one skipped', async () => {
    expect(await drawAll(graduatedWithSkip())).toEqual([
      `✔ Connected to 3 hosts
✔ Preflight passed with 1 warning
  › warning: dokku@prod-2.example.com:22 worker: worker's worker processes start only after the
    release; their failure cannot be rolled back with the others
✔ Locked production on 2 hosts
✔ Plan: 2 to deploy, 1 unchanged
✔ PRE hook "Notify Slack" ok in 400 ms
✔ Deploy to production: 2 live, 1 unchanged
  ✔ api (dokku@prod-1.example.com:22) live 8b1d4e0 (was 3f9a2c1)
  ✔ web (dokku@prod-1.example.com:22) live 5d6e7f8 (was 1a2b3c4)
  ↓ worker (dokku@prod-2.example.com:22) unchanged at 77aa001, skipped
✔ POST hook "Migrate database" ok in 3.1s
✔ Release every app
✔ Verify what each app serves
✔ Record the graduation
✔ Unlocked production on 2 hosts
`,
    ])
  })

  it('keeps app titles up to date while they deploy, and shows the running hook’s last lines', async () => {
    const {ui, screen} = taskUi()
    const events = graduatedWithSkip()
    const migrated = events.findIndex((event) => event.type === 'hook-output' && event.line.includes('migrated'))
    for (const event of events.slice(0, migrated + 1)) ui.sink(event)
    await vi.waitFor(() => expect(latestFrame(screen)).toContain('migrated (1.5s)'), {timeout: 10_000})
    expect(latestFrame(screen)).toBe(`✔ Connected to 3 hosts
✔ Preflight passed with 1 warning
  › warning: dokku@prod-2.example.com:22 worker: worker's worker processes start only after the
    release; their failure cannot be rolled back with the others
✔ Locked production on 2 hosts
✔ Plan: 2 to deploy, 1 unchanged
✔ PRE hook "Notify Slack" ok in 400 ms
❯ Deploy to production: 2 held, 1 unchanged
  ❯ api (dokku@prod-1.example.com:22) held 8b1d4e0, 3f9a2c1 still serving
    › =====> graduate: holding api (web.1) for graduation 20261123T101500Z-3f9a; old release keeps
       serving
  ❯ web (dokku@prod-1.example.com:22) held 5d6e7f8, 1a2b3c4 still serving
    › =====> graduate: holding www (web.1) for graduation 20261123T101500Z-3f9a; old release keeps
       serving
  ↓ worker (dokku@prod-2.example.com:22) unchanged at 77aa001, skipped
❯ POST hook "Migrate database"
  › == 20261120093000 AddIndexToOrders: migrating
  › == 20261120093000 AddIndexToOrders: migrated (1.5s)
`)
    for (const event of events.slice(migrated + 1)) ui.sink(event)
    await ui.done()
  })

  it('redraws a flood of Dokku lines a few times rather than once per line, ending on the latest', async () => {
    const {ui, screen} = taskUi()
    const events = graduatedWithSkip()
    const pushing = events.findIndex((event) => event.type === 'app' && event.state === 'pushing')
    for (const event of events.slice(0, pushing + 1)) ui.sink(event)
    await vi.waitFor(() => expect(latestFrame(screen)).toContain('api (dokku@prod-1.example.com:22) deploying 8b1d4e0'), {timeout: 10_000})
    const writesBefore = screen.chunks.length
    const {ts, id, env} = events[pushing]!
    for (let step = 1; step <= 2000; step++) ui.sink({ts, id, env, type: 'app-output', app: 'api', host: PROD_1, line: `Step ${step}/2000 : RUN make`})
    expect(screen.chunks.length - writesBefore).toBeLessThan(5)
    await vi.waitFor(() => expect(latestFrame(screen)).toContain('    › Step 2000/2000 : RUN make\n'), {timeout: 10_000})
    expect(latestFrame(screen)).not.toContain('Step 1999/2000')
    await ui.done()
  })

  it('shows the app whose checks failed with Dokku’s errors, the held one aborted, and finishes drawing', async () => {
    expect(await drawAll(abortedByFailedChecks())).toEqual([
      `✔ Connected to 2 hosts
✔ Preflight passed
✔ Locked production on 1 host
✔ Plan: 2 to deploy
⚠ Deploy to production: 1 aborted, 1 failed
  ✖ api (dokku@prod-1.example.com:22) failed: Dokku's health checks failed (web.1)
    › Failure in name='web check': unexpected status code 500
      Could not start due to 1 failed checks (web.1)
  ↓ web (dokku@prod-1.example.com:22) aborted, 1a2b3c4 kept serving
✔ Abort every app: api on dokku@prod-1.example.com:22: Dokku's health checks failed (web.1)
✔ Verify what each app serves
✔ Record the graduation
✔ Unlocked production on 1 host
✔ aborted hook "Page on-call" ok in 600 ms
`,
    ])
  })

  it('names a failed POST hook with its exit code and keeps its last lines', async () => {
    expect(await drawAll(postHookFailed())).toEqual([
      `✔ Connected to 2 hosts
✔ Preflight passed
✔ Locked production on 1 host
✔ Plan: 2 to deploy
✔ Deploy to production: 2 aborted
  ↓ api (dokku@prod-1.example.com:22) aborted, 3f9a2c1 kept serving
  ↓ web (dokku@prod-1.example.com:22) aborted, 1a2b3c4 kept serving
✖ POST hook "Migrate database" failed with exit code 1 after 4.2s
  › == 20261120093000 AddIndexToOrders: migrating
    PG::DuplicateTable: ERROR:  relation "index_orders_on_state" already exists
    rake aborted!
✔ Abort every app: the post hook "Migrate database" failed (exit 1)
✔ Verify what each app serves
✔ Record the graduation
✔ Unlocked production on 1 host
`,
    ])
  })

  it('marks the app that did not go live after the release as PARTIAL', async () => {
    expect(await drawAll(partialAfterRelease())).toEqual([
      `✔ Connected to 3 hosts
✔ Preflight passed
✔ Locked production on 2 hosts
✔ Plan: 2 to deploy
⚠ Deploy to production: 1 live, 1 PARTIAL
  ✔ api (dokku@prod-1.example.com:22) live 8b1d4e0 (was 3f9a2c1)
  ✖ web (dokku@prod-2.example.com:22) PARTIAL: released, but web on dokku@prod-2.example.com:22:
    the push was cut off before it finished (connection to dokku@prod-2.example.com:22 lost)
✔ Release every app
  › warning: dokku@prod-2.example.com:22: could not deliver the release to www: connection lost
✔ Verify what each app serves
✔ Record the graduation
✔ Unlocked production on 2 hosts
`,
    ])
  })

  it('fails the lock task naming who holds the lock and for how long', async () => {
    expect(await drawAll(refusedByLock())).toEqual([
      `✔ Connected to 3 hosts
✔ Preflight passed
✖ production is locked by bob@ci-runner-3
  › production is locked on dokku@prod-2.example.com:22 by bob@ci-runner-3 for 12m 03s (since
    2026-11-23T10:02:58.310Z)
`,
    ])
  })

  it('keeps a warning that arrives when no stage task is open, under a Notes task', async () => {
    const events = graduatedWithSkip()
    const summary = events.pop()!
    const {ts, id, env} = summary
    events.push({ts, id, env, type: 'warning', message: 'SIGTERM: the graduation had already ended; nothing to abort'}, summary)
    const frame = (await drawAll(events)).at(-1)!
    expect(frame.split('\n').slice(-3)).toEqual(['✔ Notes', '  › warning: SIGTERM: the graduation had already ended; nothing to abort', ''])
  })

  it('draws the same final frame when animated with spinners', async () => {
    expect(await drawAll(abortedByFailedChecks(), {animate: true})).toEqual(await drawAll(abortedByFailedChecks()))
  })

  it('gives the terminal back for a prompt and draws the rest below it', async () => {
    const {ui, screen} = taskUi()
    const events = graduatedWithSkip()
    const plan = events.findIndex((event) => event.type === 'plan')
    for (const event of events.slice(0, plan + 1)) ui.sink(event)
    await ui.suspend()
    screen.write('Graduate 2 apps from dev to production? [y/N] y\n')
    for (const event of events.slice(plan + 1)) ui.sink(event)
    await ui.done()

    const [beforePrompt, afterPrompt] = screen.finalFrames()
    expect(beforePrompt).toBe(`✔ Connected to 3 hosts
✔ Preflight passed with 1 warning
  › warning: dokku@prod-2.example.com:22 worker: worker's worker processes start only after the
    release; their failure cannot be rolled back with the others
✔ Locked production on 2 hosts
✔ Plan: 2 to deploy, 1 unchanged
`)
    expect(afterPrompt).toBe(`✔ PRE hook "Notify Slack" ok in 400 ms
✔ Deploy to production: 2 live, 1 unchanged
  ✔ api (dokku@prod-1.example.com:22) live 8b1d4e0 (was 3f9a2c1)
  ✔ web (dokku@prod-1.example.com:22) live 5d6e7f8 (was 1a2b3c4)
  ↓ worker (dokku@prod-2.example.com:22) unchanged at 77aa001, skipped
✔ POST hook "Migrate database" ok in 3.1s
✔ Release every app
✔ Verify what each app serves
✔ Record the graduation
✔ Unlocked production on 2 hosts
`)
    // The prompt comes after the first drawing ended and before the second one drew anything.
    const prompt = screen.chunks.indexOf('Graduate 2 apps from dev to production? [y/N] y\n')
    const firstDrawingEnd = screen.chunks.indexOf('\u001b[?25h')
    expect(prompt).toBeGreaterThan(firstDrawingEnd)
    expect(screen.chunks.slice(0, prompt).join('')).not.toContain('PRE hook')
  })

  it('ends the tasks of a graduation that stopped without a summary, and ignores later events', async () => {
    const {ui, screen} = taskUi()
    const events = graduatedWithSkip()
    const firstHeld = events.findIndex((event) => event.type === 'app' && event.state === 'held')
    for (const event of events.slice(0, firstHeld + 1)) ui.sink(event)
    await ui.done()
    for (const event of events.slice(firstHeld + 1)) ui.sink(event)
    expect(screen.finalFrames().at(-1)).toBe(`✔ Connected to 3 hosts
✔ Preflight passed with 1 warning
  › warning: dokku@prod-2.example.com:22 worker: worker's worker processes start only after the
    release; their failure cannot be rolled back with the others
✔ Locked production on 2 hosts
✔ Plan: 2 to deploy, 1 unchanged
✔ PRE hook "Notify Slack" ok in 400 ms
⚠ Deploy to production: 1 deploying, 1 held, 1 unchanged
  ✖ api (dokku@prod-1.example.com:22) held 8b1d4e0, 3f9a2c1 still serving
    › graduate stopped before this app finished
  ✖ web (dokku@prod-1.example.com:22) deploying 5d6e7f8
    › graduate stopped before this app finished
  ↓ worker (dokku@prod-2.example.com:22) unchanged at 77aa001, skipped
`)
  })
})
