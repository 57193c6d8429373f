import type {EventBus} from './graduation/events.js'
import {HostDirectory} from './graduation/hosts.js'
import {NodeSshTransport} from './ssh/node-ssh-transport.js'
import type {Transport} from './ssh/transport.js'

export interface SessionSettings {
  /** Where connection warnings (a recorded host key, a fallback) are told. */
  bus: EventBus
  connectTimeoutMs: number
  /** --accept-new-host-keys: unknown host keys are accepted and recorded (changed ones never are). */
  acceptNewHostKeys?: boolean | undefined
}

/**
 * The one way a command reaches its hosts: a directory of SSH connections opened as they are needed,
 * every one of them closed when `work` ends, however it ends.
 */
export async function withSession<T>(settings: SessionSettings, work: (hosts: HostDirectory) => Promise<T>): Promise<T> {
  return withTransport((transport) => work(new HostDirectory(transport, settings.bus, {connectTimeoutMs: settings.connectTimeoutMs, acceptNewHostKeys: settings.acceptNewHostKeys === true})))
}

/**
 * The same, for work that reaches the hosts under more than one bus (a rollback reads the records before
 * its graduation starts): the SSH transport itself, every connection of it closed when `work` ends.
 */
export async function withTransport<T>(work: (transport: Transport) => Promise<T>): Promise<T> {
  const transport = new NodeSshTransport()
  try {
    return await work(transport)
  } finally {
    await transport.closeAll()
  }
}
