/**
 * Faults, in the style of msw's runtime handlers: each is scoped to a host (or every host) and,
 * for command faults, to a pattern of the SSH command; `once` faults disarm after firing. They can
 * be added and removed while the simulator runs.
 */
export type CommandFaultAction =
  /** Answer at once with this exit status and output; the command never runs. */
  | {kind: 'exit'; code: number; stdout?: string; stderr?: string}
  /** Run the command after this long. */
  | {kind: 'delay'; ms: number}
  /** Never run and never answer (the channel stays open until the client gives up). */
  | {kind: 'hang'}
  /** Run the command, then cut the whole SSH connection after `afterMs` (or once `afterOutputBytes` went out); the command keeps running on the host. */
  | {kind: 'drop'; afterMs?: number; afterOutputBytes?: number}

export interface CommandFault {
  /** Host name; every host when absent. */
  host?: string
  /** A string matches commands that start with it; a RegExp is tested against the whole command. */
  match: string | RegExp
  action: CommandFaultAction
  once?: boolean
  /** Only for this SSH login. */
  user?: 'dokku' | 'root'
}

/** Connection-level faults: `refuse` stops listening (ECONNREFUSED); `hang-handshake` accepts TCP and never speaks SSH; `reject-auth` refuses every key. */
export type ConnectionFaultKind = 'refuse' | 'hang-handshake' | 'reject-auth'

export interface ConnectionFault {
  host?: string
  kind: ConnectionFaultKind
  once?: boolean
}

export interface FaultHandle {
  remove(): void
}

interface Entry<T> {
  fault: T
  id: number
}

export class FaultRegistry {
  private commands: Entry<CommandFault>[] = []
  private connections: Entry<ConnectionFault>[] = []
  private nextId = 1
  /** Called when connection faults change, so hosts can stop or resume listening. */
  onConnectionFaultsChanged: () => void = () => {}

  addCommand(fault: CommandFault): FaultHandle {
    const entry = {fault, id: this.nextId++}
    this.commands.push(entry)
    return {remove: () => (this.commands = this.commands.filter((candidate) => candidate !== entry))}
  }

  addConnection(fault: ConnectionFault): FaultHandle {
    const entry = {fault, id: this.nextId++}
    this.connections.push(entry)
    this.onConnectionFaultsChanged()
    return {
      remove: () => {
        this.connections = this.connections.filter((candidate) => candidate !== entry)
        this.onConnectionFaultsChanged()
      },
    }
  }

  /** The first matching command fault, consumed if `once`. */
  takeCommandFault(host: string, user: string, command: string): CommandFaultAction | undefined {
    const entry = this.commands.find(({fault}) => (!fault.host || fault.host === host) && (!fault.user || fault.user === user) && matches(fault.match, command))
    if (!entry) return undefined
    if (entry.fault.once) this.commands = this.commands.filter((candidate) => candidate !== entry)
    return entry.fault.action
  }

  /** Whether the host currently has this connection fault; `consume` disarms a matching `once` fault. */
  hasConnectionFault(host: string, kind: ConnectionFaultKind, consume = false): boolean {
    const entry = this.connections.find(({fault}) => fault.kind === kind && (!fault.host || fault.host === host))
    if (!entry) return false
    if (consume && entry.fault.once) {
      this.connections = this.connections.filter((candidate) => candidate !== entry)
      this.onConnectionFaultsChanged()
    }
    return true
  }

  reset(): void {
    this.commands = []
    this.connections = []
    this.onConnectionFaultsChanged()
  }

  list(): {commands: CommandFault[]; connections: ConnectionFault[]} {
    return {commands: this.commands.map(({fault}) => fault), connections: this.connections.map(({fault}) => fault)}
  }
}

function matches(pattern: string | RegExp, command: string): boolean {
  return typeof pattern === 'string' ? command.trimStart().startsWith(pattern) : pattern.test(command)
}
