import type {HostSwitch} from '../graduation/events.js'

/**
 * Which apps shared an nginx reload, host by host: "api, web, worker in one reload on dokku@prod-1:22;
 * billing alone on dokku@prod-2:22". Why an app went alone is a warning of its own.
 */
export function describeSwitch(hosts: readonly HostSwitch[]): string {
  return hosts
    .map((host) => {
      const parts: string[] = []
      if (host.together.length > 0) parts.push(`${host.together.join(', ')} in ${host.together.length === 1 ? 'its' : 'one'} reload`)
      if (host.alone.length > 0) parts.push(`${host.alone.map((entry) => entry.app).join(', ')} on ${host.alone.length === 1 ? 'its' : 'their'} own`)
      return `${parts.join(', ')} on ${host.host}`
    })
    .join('; ')
}
