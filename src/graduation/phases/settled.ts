import type {ExitCode} from '../../exit-codes.js'
import type {HostSwitch, Outcome} from '../events.js'
import type {GateCoordinator} from '../gates.js'

/** Where the decision left the apps, once every deploy has ended and the gates are being disarmed. */
export interface Settled {
  outcome: Outcome
  exitCode: ExitCode
  cause?: string | undefined
  switched?: HostSwitch[]
  /** The gates' disarming, started once every deploy had ended. */
  disarming: Promise<void>
}

/** Renewals stop, then every gate of the graduation is disarmed (each once its deploy has ended). */
export async function disarmGates(gates: GateCoordinator): Promise<void> {
  await gates.stopRenewals()
  await gates.disarm()
}
