import {AppTracker} from '../../../src/graduation/apps.js'
import {type AppView, EventBus, type EventSink, type GraduationEvent} from '../../../src/graduation/events.js'

/**
 * Replays a recorded graduation as the protocol emits it: its `plan` creates a real AppTracker, whose
 * set() and line() then make the `app` and `app-output` events, so a renderer reads the tracker's snapshot
 * (`apps`) exactly as in a run. Every other event goes to the sink as recorded.
 */
export class TrackedReplay {
  private bus: EventBus | undefined
  private tracker: AppTracker | undefined
  private now = new Date(0)

  constructor(private sink: EventSink = () => {}) {}

  readonly apps = (): readonly AppView[] => this.bus?.apps() ?? []

  into(sink: EventSink): this {
    this.sink = sink
    return this
  }

  readonly play = (event: GraduationEvent): void => {
    this.now = new Date(event.ts)
    const bus = (this.bus ??= this.newBus(event))
    if (event.type === 'plan') this.tracker = new AppTracker(event.apps, bus)
    if (event.type === 'app' && this.tracker) return this.tracker.set(event.app, event.state, event.message)
    if (event.type === 'app-output' && this.tracker) return this.tracker.line(event.app, event.line)
    this.sink(event)
  }

  private newBus(first: GraduationEvent): EventBus {
    const bus = new EventBus(first.id, first.env, () => this.now, (error) => {
      throw error
    })
    bus.subscribe((event) => this.sink(event))
    return bus
  }
}
