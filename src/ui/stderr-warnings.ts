import {EventBus} from '../graduation/events.js'

/**
 * An event bus for a command that renders no event stream (status, doctor, gate install…): its
 * warnings — a host key recorded because of --accept-new-host-keys, above all — still reach the
 * operator, one line each on stderr, so that stdout stays the command's result (or its JSON).
 */
export function warningsOnStderr(id: string, env: string, stream: NodeJS.WritableStream = process.stderr): EventBus {
  const bus = new EventBus(id, env)
  bus.subscribe((event) => {
    if (event.type !== 'warning') return
    const where = [event.host, event.app].filter(Boolean).join(' ')
    stream.write(`warning: ${where ? `${where}: ` : ''}${event.message}\n`)
  })
  return bus
}
