import {gateFacts} from '../dokku/commands/gate.js'
import {parseGateFacts} from '../dokku/parse/gate.js'
import {deployedArtifact} from '../dokku/parse/reports.js'
import type {AppTracker} from './apps.js'
import type {PlannedApp} from './events.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import type {DecisionFailure} from './gates.js'
import type {TailResult} from './release-tail.js'
import {explainPush} from './wait-for-holds.js'

/**
 * What each app's last successful deploy was — a git revision or an image — as Dokku records it
 * (written only when a deploy succeeds): one `graduate:facts` per host for all its apps. An app Dokku
 * does not know is null; every app of a host that could not be asked gets the error.
 */
async function deployedRevisions(entries: PlannedApp[], hostFor: (entry: PlannedApp) => DokkuHost, commandMs: number): Promise<Map<string, string | null | Error>> {
  const byHost = new Map<string, {host: DokkuHost; entries: PlannedApp[]}>()
  for (const entry of entries) {
    const host = hostFor(entry)
    const group = byHost.get(host.label) ?? {host, entries: []}
    group.entries.push(entry)
    byHost.set(host.label, group)
  }
  const deployed = new Map<string, string | null | Error>()
  await Promise.all(
    [...byHost.values()].map(async ({host, entries: hostEntries}) => {
      try {
        const command = gateFacts(hostEntries.map((entry) => entry.targetApp))
        const facts = parseGateFacts((await host.run(command, {timeoutMs: commandMs, readOnly: true})).stdout, command)
        const byApp = new Map(facts.apps.map((app) => [app.app, app]))
        for (const entry of hostEntries) {
          const app = byApp.get(entry.targetApp)
          deployed.set(entry.app, app?.exists ? (deployedArtifact({deploySource: app.deploySource, deploySourceMetadata: app.deploySourceMetadata, locked: false}) ?? null) : null)
        }
      } catch (error) {
        for (const entry of hostEntries) deployed.set(entry.app, error instanceof Error ? error : new Error(String(error)))
      }
    }),
  )
  return deployed
}

/**
 * After a release: each app is live when Dokku records the new revision as deployed (it does so once
 * the deploy has ended, after the nginx switch). An app that is not is partial — its deploy failed, the
 * deploy timeout passed, or the release never reached its host; its repair is to graduate it again on its own.
 */
export async function verifyReleased(
  changed: PlannedApp[],
  ended: {tail: Map<string, TailResult>; undelivered: Map<string, DecisionFailure>; deployTimeoutMs: number},
  hostFor: (entry: PlannedApp) => DokkuHost,
  tracker: AppTracker,
  options: {commandMs: number; repair: (app: string) => string; warn: (message: string) => void},
): Promise<string[]> {
  const partial: string[] = []
  const deployed = await deployedRevisions(changed, hostFor, options.commandMs)
  for (const entry of changed) {
    const host = hostFor(entry)
    const undelivered = ended.undelivered.get(host.label)
    const tail = ended.tail.get(entry.app)
    const result = tail?.push
    const answer = deployed.get(entry.app) ?? null
    const live = answer instanceof Error ? null : answer
    if (answer instanceof Error && undelivered === undefined) tracker.set(entry.app, 'partial', `could not verify ${entry.app} on ${entry.host}: ${answer.message}`)
    tracker.setLiveRev(entry.app, live)
    if (live === entry.to) {
      tracker.wentLive(entry.app, result?.liveAt ?? null, live)
      tracker.set(entry.app, 'live')
      if (result && result.exitCode === null) {
        // The push's connection was cut while the deploy went on: git receive-pack died with it, so
        // Dokku's deploy branch was never moved (dokku-observed.md §4) although the revision is live.
        options.warn(
          `${entry.app} on ${entry.host} is live on ${entry.to.slice(0, 12)}, but its push connection was cut, so Dokku's deploy branch may still name the old revision; a later \`dokku ps:rebuild ${entry.targetApp}\` would build that`,
        )
      }
      continue
    }
    partial.push(entry.app)
    tracker.setRepair(entry.app, options.repair(entry.app))
    tracker.set(entry.app, 'partial', whyNotLive(entry, live, tail, undelivered, ended.deployTimeoutMs))
  }
  return partial
}

function whyNotLive(entry: PlannedApp, live: string | null, tail: TailResult | undefined, undelivered: DecisionFailure | undefined, deployTimeoutMs: number): string {
  const serves = live === null ? 'its old revision' : `${live === entry.from ? 'its old revision' : 'revision'} ${live.slice(0, 12)}`
  if (undelivered !== undefined) {
    return `the release never reached ${entry.host} (${undelivered.error.message}), so ${entry.app} still serves ${serves}; its gate aborts the held deploy by ${undelivered.leaseEndsAt.toISOString()} at the latest`
  }
  if (tail === undefined || !tail.ended) {
    return `released, but Dokku had not finished its deploy on ${entry.host} within the deploy timeout (${Math.round(deployTimeoutMs / 1000)} s after the decision); it serves ${serves}`
  }
  return `released, but ${explainPush(entry, tail.push)}`
}

/** After an abort: every app must still run its old revision; any that went live is named. */
export async function verifyAborted(
  changed: PlannedApp[],
  hostFor: (entry: PlannedApp) => DokkuHost,
  tracker: AppTracker,
  options: {commandMs: number; repair: (app: string) => string},
): Promise<string[]> {
  const wentLive: string[] = []
  const deployed = await deployedRevisions(changed, hostFor, options.commandMs)
  for (const entry of changed) {
    const live = deployed.get(entry.app) ?? null
    if (live instanceof Error) {
      // Unknown: the gate's lease still ends any hold on its own; report the app as aborted but unverified.
      tracker.set(entry.app, tracker.state(entry.app) === 'failed' ? 'failed' : 'aborted', `aborted; ${entry.host} could not be asked to confirm`)
      continue
    }
    tracker.setLiveRev(entry.app, live)
    if (live === entry.to && entry.from !== entry.to) {
      wentLive.push(entry.app)
      tracker.setRepair(entry.app, options.repair(entry.app))
      tracker.set(entry.app, 'partial', `went live although the graduation aborted`)
      continue
    }
    if (tracker.state(entry.app) !== 'failed') tracker.set(entry.app, 'aborted')
  }
  return wentLive
}
