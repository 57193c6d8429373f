import {PassThrough, Writable} from 'node:stream'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {GraduationEvent, PlannedApp} from '../../../src/graduation/events.js'
import {openOutput, type OutputSessionOptions} from '../../../src/ui/session.js'
import {graduatedWithSkip, summaryOf} from './fixtures.js'
import {FakeTerminal, pinStdoutColumns} from './terminal.js'
import {TrackedReplay} from './tracked-replay.js'

let restoreColumns: () => void
beforeEach(() => {
  restoreColumns = pinStdoutColumns(100)
})
afterEach(() => restoreColumns())

class Collected extends Writable {
  text = ''
  constructor(readonly isTTY: boolean) {
    super()
  }

  get stream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString()
    callback()
  }
}

function keyboard(isTTY: boolean): PassThrough & NodeJS.ReadStream {
  return Object.assign(new PassThrough(), {isTTY}) as unknown as PassThrough & NodeJS.ReadStream
}

function session(options: Partial<OutputSessionOptions> & {stderr: NodeJS.WriteStream}) {
  const stdout = new Collected(false)
  const stdin = keyboard(true)
  const replay = new TrackedReplay()
  const output = openOutput({json: false, verbose: false, apps: replay.apps, stdin, stdout: stdout.stream, env: {NO_COLOR: '1', TERM: 'xterm-256color'}, ...options})
  replay.into(output.sink)
  // Events reach the output as in a run: the app events through a real AppTracker.
  return {output: {...output, sink: replay.play}, stdout, stdin}
}

const events = graduatedWithSkip()
const planEvent = events.find((event): event is Extract<GraduationEvent, {type: 'plan'}> => event.type === 'plan')!
const plan: PlannedApp[] = planEvent.apps
const afterPlan = events.indexOf(planEvent) + 1

describe('one graduation’s output', () => {
  it('with --json writes NDJSON on stdout, nothing on stderr, and no summary text', async () => {
    const stderr = new Collected(true)
    const {output, stdout} = session({json: true, stderr: stderr.stream})
    expect(output.mode).toBe('json')
    for (const event of events) output.sink(event)
    await output.finish(summaryOf(events))
    const lines = stdout.text.trimEnd().split('\n')
    expect(lines).toHaveLength(events.length)
    expect((JSON.parse(lines.at(-1)!) as GraduationEvent).type).toBe('summary')
    expect(stderr.text).toBe('')
  })

  it('in CI writes plain lines on stderr and the summary on stdout', async () => {
    const stderr = new Collected(true)
    const {output, stdout} = session({stderr: stderr.stream, env: {CI: 'true', NO_COLOR: '1'}})
    expect(output.mode).toBe('plain')
    for (const event of events) output.sink(event)
    await output.finish(summaryOf(events))
    expect(stderr.text).toContain('  +0.0s ==> connect\n')
    expect(stdout.text).toMatch(/^Graduated 2 apps from dev to production in 36\.7s \(1 unchanged\)\n/)
    expect(stdout.text).not.toContain('==>')
  })

  it('on a terminal stops drawing to ask, shows the plan, and draws the rest after the answer', async () => {
    const terminal = new FakeTerminal()
    const {output, stdout, stdin} = session({stderr: terminal.stream})
    expect(output.mode).toBe('tasks')
    for (const event of events.slice(0, afterPlan)) output.sink(event)
    const answer = output.confirm(plan, 'dev', 'production')
    stdin.write('y\n')
    expect(await answer).toBe(true)
    for (const event of events.slice(afterPlan)) output.sink(event)
    await output.finish(summaryOf(events))

    const screen = terminal.chunks.join('')
    const question = screen.indexOf('Graduate 2 apps from dev to production? [y/N] ')
    expect(screen.indexOf('This passes over staging, which is not changed.\n')).toBeLessThan(question)
    expect(screen.indexOf('✔ Plan: 2 to deploy, 1 unchanged')).toBeLessThan(question)
    expect(screen.indexOf('PRE hook "Notify Slack"')).toBeGreaterThan(question)
    expect(terminal.finalFrames()).toHaveLength(2)
    expect(stdout.text).toMatch(/^Graduated 2 apps/)
  })

  it('refuses to ask without a terminal to read the answer from, and says how to proceed', async () => {
    const stderr = new Collected(false)
    const {output} = session({stderr: stderr.stream, stdin: keyboard(false)})
    expect(await output.confirm(plan, 'dev', 'production')).toBe(false)
    expect(stderr.text).toBe('graduate cannot ask for confirmation: this is not an interactive terminal. Run it again with --yes to graduate without a prompt.\n')
    await output.close()
  })
})
