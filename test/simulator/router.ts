import http from 'node:http'
import type net from 'node:net'
import type {HostPaths} from './host/paths.js'
import {listApps} from './core/store/apps.js'
import {readRoute} from './core/store/nginx.js'

/**
 * The host's HTTP front door, standing in for nginx: `GET /` with `Host: <app>` (or a vhost of it),
 * or `GET /<app>/`, answers `{app, rev, liveSince}` from what nginx routes to right now — so a test
 * watches traffic the way a user would.
 */
export async function startRouter(paths: HostPaths): Promise<{port: number; close(): Promise<void>}> {
  const server = http.createServer((request, response) => {
    const app = appFor(paths, request)
    const route = app ? readRoute(paths, app) : undefined
    response.setHeader('content-type', 'application/json')
    if (!app || !route) {
      response.statusCode = app ? 502 : 404
      response.end(JSON.stringify({error: app ? `${app} has no live containers` : 'no such app'}))
      return
    }
    response.end(JSON.stringify({app: route.app, rev: route.rev, liveSince: route.liveSince}))
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function appFor(paths: HostPaths, request: http.IncomingMessage): string | undefined {
  const fromPath = /^\/([a-z0-9][a-z0-9._-]*)(\/|$)/.exec(request.url ?? '')?.[1]
  const apps = listApps(paths)
  if (fromPath && apps.includes(fromPath)) return fromPath
  const host = (request.headers.host ?? '').replace(/:\d+$/, '')
  return apps.find((app) => host === app) ?? apps.filter((app) => host.startsWith(`${app}.`)).sort((a, b) => b.length - a.length)[0]
}
