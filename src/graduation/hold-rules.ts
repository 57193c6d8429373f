import {type DokkuVersion, isSupportedDokku} from '../dokku/parse/version.js'
import {GATE_HOOK_PLUGIN_NAME} from '../dokku/commands/plugin.js'
import type {AppFacts} from './app-facts.js'

/** Proxies that route by container labels: they send traffic to a new container as soon as it starts (DESIGN.md). */
const LABEL_BASED_PROXIES = ['traefik', 'caddy', 'haproxy', 'openresty']

/**
 * One setting of a target app, judged: `fail` is what a graduation refuses (its deploy could not be held),
 * `warn` what it goes on with but a person should know, `ok` what holds.
 */
export type HoldVerdict = {status: 'ok'; found: string} | {status: 'warn' | 'fail'; found: string; fix: string}

/** A rule about whether a target app's deploy can be held and released with the others. */
export interface HoldRule {
  /** The row it makes in `graduate doctor`. */
  id: 'proxy' | 'scheduler' | 'checks' | 'skip-deploy'
  /** Undefined when the rule has nothing to say of this app (doctor shows no row). */
  judge(facts: AppFacts): HoldVerdict | undefined
}

/**
 * The rules, once: preflight refuses an app on any `fail` (and says nothing of `ok` or `warn`), doctor
 * shows every verdict as a row. Each names the Dokku app in its fix.
 */
export const HOLD_RULES: readonly HoldRule[] = [
  {
    id: 'proxy',
    judge({app, proxyType}) {
      const proxy = proxyType ?? ''
      if (proxy === 'nginx') return {status: 'ok', found: 'nginx: a held deploy gets no traffic until it is released'}
      const fix = `dokku proxy:set ${app} nginx`
      if (LABEL_BASED_PROXIES.includes(proxy)) return {status: 'fail', found: `${proxy} routes by container labels, so it sends traffic to a held deploy as soon as its container starts`, fix}
      return {status: 'fail', found: `${proxy || 'none'}: only nginx keeps a held deploy away from traffic`, fix}
    },
  },
  {
    id: 'scheduler',
    judge({app, scheduler}) {
      if (scheduler === 'docker-local') return {status: 'ok', found: 'docker-local'}
      return {status: 'fail', found: `${scheduler}: only docker-local calls check-deploy, where the gate holds`, fix: `dokku scheduler:set ${app} selected docker-local`}
    },
  },
  {
    id: 'checks',
    judge({app, checksDisabled = [], checksSkipped = []}) {
      const fix = `dokku checks:enable ${app} web`
      if (checksDisabled.includes('_all_') || checksDisabled.includes('web')) {
        return {status: 'fail', found: 'checks are disabled for web, so Dokku stops the old containers first and never calls the gate', fix}
      }
      if (checksSkipped.includes('_all_') || checksSkipped.includes('web')) {
        return {status: 'warn', found: "Dokku's own checks are skipped for web: a new release is held, and released, without a health check", fix}
      }
      return {status: 'ok', found: 'enabled for web'}
    },
  },
  {
    id: 'skip-deploy',
    judge({app, skipDeploy}) {
      if (!skipDeploy) return undefined
      return {status: 'fail', found: 'skip-deploy is set, so a push builds but starts nothing to hold', fix: `dokku ps:set ${app} skip-deploy false`}
    },
  },
]

/** The host's Dokku: build ids and the check-deploy order graduate relies on arrived in 0.38.0. */
export function judgeDokku(dokku: DokkuVersion): HoldVerdict {
  if (isSupportedDokku(dokku)) return {status: 'ok', found: `Dokku ${dokku.raw}`}
  return {
    status: 'fail',
    found: `Dokku ${dokku.raw}; graduate needs 0.38.0 or newer (build ids and the check-deploy order it relies on)`,
    fix: 'upgrade Dokku on this host: https://dokku.com/docs/getting-started/upgrading/',
  }
}

/** The companion plugin that runs the gate's check-deploy after Dokku's own checks (dokku-plugin/PROTOCOL.md). */
export function judgeGateHook(enabled: boolean, env: string): HoldVerdict {
  if (enabled) return {status: 'ok', found: `${GATE_HOOK_PLUGIN_NAME} is enabled: holds start after Dokku's own checks`}
  return {
    status: 'fail',
    found: `${GATE_HOOK_PLUGIN_NAME} is not enabled, so Dokku never calls the gate and deploys go live unheld`,
    fix: `reinstall the plugin: graduate gate upgrade ${env} --force`,
  }
}
