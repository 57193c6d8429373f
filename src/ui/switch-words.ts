import type {HostSwitch} from '../graduation/events.js'

/**
 * Which apps shared an nginx reload, host by host: "api, web together in one reload on dokku@prod-1:22;
 * billing switched on its own on dokku@prod-2:22". Apps that did not switch at all (the release never
 * reached them) are named apart. Why an app went alone is a warning of its own.
 */
export function describeSwitch(hosts: readonly HostSwitch[]): string {
  return hosts
    .map((host) => {
      const parts: string[] = []
      if (host.together.length === 1) parts.push(`${host.together[0]} let go at the switch`)
      if (host.together.length > 1) parts.push(`${host.together.join(', ')} together in one reload`)
      const own = host.alone.filter((entry) => entry.kind === 'own').map((entry) => entry.app)
      const notSwitched = host.alone.filter((entry) => entry.kind === 'not-switched').map((entry) => entry.app)
      if (own.length > 0) parts.push(`${own.join(', ')} switched on ${own.length === 1 ? 'its' : 'their'} own`)
      if (notSwitched.length > 0) parts.push(`${notSwitched.join(', ')} not switched`)
      return `${parts.join(', ')} on ${host.host}`
    })
    .join('; ')
}
