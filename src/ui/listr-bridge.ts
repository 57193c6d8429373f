import {DefaultRenderer, Listr, ListrLogger, ProcessOutput, type ListrDefaultRendererLogLevels, type ListrTask, type ListrTaskWrapper} from 'listr2'
import {deferred} from '../deferred.js'

/*
 * listr2 runs a task list that is fixed when it starts, and each task is a promise; a graduation is a
 * stream of events whose stages, apps and hooks are only known as they happen. The bridge:
 * - a Section is one task whose title and output the event side changes at any time, and which ends when
 *   the event side says so (its listr task awaits that);
 * - a Drawing is one listr run over a list of sections that grows: each section is followed by an untitled
 *   "link" task that waits for the next one and then runs it plus the next link as subtasks. Untitled
 *   tasks are invisible and their subtasks render at their own level, so the chain draws as a flat list.
 * Nothing here throws into listr except a section that ends as failed, and with exitOnError off that only
 * marks the task: an aborted app is an outcome, not a crash.
 */

/**
 * listr redraws the whole list for every output line (about 3 ms for a graduation's list), and a Docker
 * build prints thousands of lines: output reaches listr at most this often, only the lines that can show.
 */
const OUTPUT_INTERVAL_MS = 100

export type SectionEnding = {kind: 'done'} | {kind: 'failed'; detail: string[]} | {kind: 'skipped'}

export interface SectionOptions {
  /** How many of the latest output lines show under the title. */
  outputLines: number
  /** Keep the output after the section ends (warnings), instead of only while it runs (progress). */
  keepOutput: boolean
  /** Sections shown under this one, all at once; this section ends when they all have. */
  children?: Section[]
}

type Wrapper = ListrTaskWrapper<unknown, typeof TerminalRenderer, typeof TerminalRenderer>

export class Section {
  private wrapper: Wrapper | undefined
  /** Output not yet handed to listr: at most the lines the section shows. */
  private readonly pending: string[] = []
  private flushTimer: NodeJS.Timeout | undefined
  private readonly failures: string[] = []
  private readonly ending = deferred<SectionEnding>()
  private ended = false

  constructor(
    private currentTitle: string,
    private readonly options: SectionOptions,
  ) {}

  /** A section with children is open while any child is. */
  get isOpen(): boolean {
    return this.options.children ? this.options.children.some((child) => child.isOpen) : !this.ended
  }

  retitle(title: string): void {
    this.currentTitle = title
    if (this.wrapper) this.wrapper.title = title
  }

  output(line: string): void {
    this.pending.push(line)
    if (this.pending.length > this.options.outputLines) this.pending.shift()
    this.flushTimer ??= setTimeout(() => this.flush(), OUTPUT_INTERVAL_MS)
  }

  /** Hands pending output to listr once its task runs; until then it waits. */
  private flush(): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (!this.wrapper) return
    for (const line of this.pending.splice(0)) this.wrapper.output = line
  }

  /** Remembers why the section failed; `finish` then ends it as failed with these lines under its title. */
  noteFailure(line: string): void {
    this.failures.push(line)
  }

  get hasFailed(): boolean {
    return this.failures.length > 0
  }

  /** Ends as failed if a failure was noted, otherwise as done. */
  finish(): void {
    this.end(this.failures.length > 0 ? {kind: 'failed', detail: this.failures} : {kind: 'done'})
  }

  /** Later calls change nothing: the first ending stands. A section with children ends with them instead. */
  end(ending: SectionEnding): void {
    if (this.ended) return
    this.ended = true
    this.ending.resolve(ending)
  }

  toTask(): ListrTask<unknown, typeof TerminalRenderer, typeof TerminalRenderer> {
    return {
      title: this.currentTitle,
      rendererOptions: {outputBar: this.options.outputLines, persistentOutput: this.options.keepOutput},
      task: async (_context, wrapper) => {
        this.wrapper = wrapper
        wrapper.title = this.currentTitle
        this.flush()
        if (this.options.children) return wrapper.newListr(this.options.children.map((child) => child.toTask()), {concurrent: true})
        const ending = await this.ending.promise
        this.flush()
        wrapper.title = this.currentTitle
        if (ending.kind === 'failed') throw new Error(ending.detail.join('\n'))
        if (ending.kind === 'skipped') wrapper.skip(this.currentTitle)
        return undefined
      },
    }
  }
}

export interface DrawingOptions {
  /** A terminal: stderr in the command. */
  stream: NodeJS.WriteStream
  /** Redraw on a timer with spinners; off, listr redraws only when something changes (tests). */
  animate: boolean
}

/** listr2's updating renderer, allowed to draw on stderr even when stdout is not a terminal (listr checks stdout). */
class TerminalRenderer extends DefaultRenderer {
  static override nonTTY = true
}

/** One listr run over a growing list of sections; it ends once closed and every section has ended. */
export class Drawing {
  private readonly sections: Section[] = []
  private arrival = deferred<void>()
  private closed = false
  /** Resolves when listr has drawn its last frame and given the stream back. */
  readonly finished: Promise<void>

  /** Starts drawing once `after` (the previous drawing) has finished, so two never share the terminal. */
  constructor(options: DrawingOptions, after: Promise<void>) {
    this.finished = after.then(async () => {
      await new Listr([this.link(0)], {
        renderer: TerminalRenderer,
        rendererOptions: {
          logger: new ListrLogger<ListrDefaultRendererLogLevels>({processOutput: new ProcessOutput(options.stream, options.stream)}),
          lazy: !options.animate,
          collapseSubtasks: false,
          collapseErrors: false,
          showErrorMessage: true,
        },
        fallbackRendererCondition: false,
        silentRendererCondition: false,
        concurrent: true,
        exitOnError: false,
        exitAfterRollback: false,
        collectErrors: false,
        // graduate turns Ctrl-C into an orderly abort itself; listr's own handler would exit the process.
        registerSignalListeners: false,
      }).run()
    })
  }

  add(section: Section): void {
    if (this.closed) throw new Error('graduate bug: a section was added to a drawing that has ended')
    this.sections.push(section)
    this.wake()
  }

  /** No more sections; the drawing ends when the ones it has end. */
  close(): void {
    this.closed = true
    this.wake()
  }

  private wake(): void {
    const arrival = this.arrival
    this.arrival = deferred()
    arrival.resolve()
  }

  private async next(index: number): Promise<Section | undefined> {
    while (index >= this.sections.length && !this.closed) await this.arrival.promise
    return this.sections[index]
  }

  private link(index: number): ListrTask<unknown, typeof TerminalRenderer, typeof TerminalRenderer> {
    return {
      task: async (_context, wrapper) => {
        const section = await this.next(index)
        if (!section) return undefined
        return wrapper.newListr([section.toTask(), this.link(index + 1)], {concurrent: true})
      },
    }
  }
}

