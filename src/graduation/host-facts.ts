import {type FactsParts, gateFacts, gateVersion} from '../dokku/commands/gate.js'
import {isExpectedExit} from '../dokku/command.js'
import {type GateFacts, type GateVersion, parseGateFacts, parseGateVersion} from '../dokku/parse/gate.js'
import {displayCommand} from '../dokku/quote.js'
import {RemoteCommandError} from '../errors.js'
import type {DokkuHost} from '../remote/dokku-host.js'

/** The gate protocol this CLI speaks (dokku-plugin/PROTOCOL.md). */
export const GATE_PROTOCOL = 4

/** What a host answered when asked for its apps' facts in one command. */
export type HostFactsAnswer =
  /** The gate speaks this graduate's protocol: everything, in one document. */
  | {kind: 'facts'; facts: GateFacts}
  /** No gate plugin on the host (`graduate:version` is not a command either). */
  | {kind: 'no-gate'}
  /** A gate that speaks another protocol: older ones have no `graduate:facts`, newer ones answer with their protocol. */
  | {kind: 'other-protocol'; installed: GateVersion}

const NOT_A_COMMAND = /is not a dokku command/

/**
 * Asks the host's gate for the facts of `apps` (`graduate:facts`, read-only, one round trip). Only when
 * the gate does not know the verb is `graduate:version` asked, to tell a missing gate from an old one.
 */
export async function readHostFacts(host: DokkuHost, apps: readonly string[], parts: FactsParts, options: {timeoutMs: number; signal?: AbortSignal | undefined}): Promise<HostFactsAnswer> {
  const read = {timeoutMs: options.timeoutMs, readOnly: true, ...(options.signal ? {signal: options.signal} : {})}
  const command = gateFacts(apps, parts)
  const answer = await host.send(command, read)
  if (isExpectedExit(command, answer.exitCode)) {
    const facts = parseGateFacts(answer.stdout, command)
    if (facts.protocol !== GATE_PROTOCOL) return {kind: 'other-protocol', installed: {version: facts.version, protocol: facts.protocol}}
    return {kind: 'facts', facts}
  }
  if (!NOT_A_COMMAND.test(answer.stderr + answer.stdout)) {
    throw new RemoteCommandError({host: host.label, command: displayCommand(command), exitCode: answer.exitCode, stderr: answer.stderr || answer.stdout})
  }
  const version = await host.send(gateVersion(), read)
  if (version.exitCode !== 0) {
    if (NOT_A_COMMAND.test(version.stderr + version.stdout)) return {kind: 'no-gate'}
    throw new RemoteCommandError({host: host.label, command: displayCommand(gateVersion()), exitCode: version.exitCode, stderr: version.stderr || version.stdout})
  }
  return {kind: 'other-protocol', installed: parseGateVersion(version.stdout, gateVersion())}
}

/** Why a target host's gate cannot serve this graduate, and the exact command that fixes it. */
export function gateProblem(answer: Exclude<HostFactsAnswer, {kind: 'facts'}>, env: string): {message: string; fix: string} {
  if (answer.kind === 'no-gate') {
    return {message: 'the graduate gate plugin is not installed, so deploys cannot be held before they take traffic', fix: `graduate gate install ${env}`}
  }
  const {version, protocol} = answer.installed
  if (protocol < GATE_PROTOCOL) {
    return {message: `the gate plugin ${version} speaks protocol ${protocol}; this graduate speaks ${GATE_PROTOCOL} and needs its newer verbs`, fix: `graduate gate upgrade ${env}`}
  }
  return {
    message: `the gate plugin ${version} speaks protocol ${protocol}, newer than this graduate's ${GATE_PROTOCOL}`,
    fix: `upgrade graduate to a version that speaks protocol ${protocol}, or put this graduate's gate back: graduate gate upgrade ${env} --force`,
  }
}
