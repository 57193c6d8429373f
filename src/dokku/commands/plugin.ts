import type {DokkuCommand} from '../command.js'

/*
 * Builders for the plugin commands that need root (dokku-contract.md §2.2: every plugin:* command but
 * plugin:list and plugin:help refuses the dokku user). They are typed in a root shell, or through sudo,
 * never sent through Dokku's SSH forced command: render them with root-shell.ts.
 */

/** The name the gate plugin is installed under; its verbs are `graduate:<verb>`. */
export const GATE_PLUGIN_NAME = 'graduate'

/** The companion plugin the gate's install trigger creates to carry check-deploy (dokku-plugin/PROTOCOL.md). */
export const GATE_HOOK_PLUGIN_NAME = 'zz-graduate-gate'

/**
 * Install a plugin from `url` (`file:///…/x.tgz` for a tarball on the host) under `name`: always named,
 * since the default name of a tarball keeps its `.tgz` (contract §2.2). Enables it and runs every
 * plugin's install trigger.
 */
export function pluginInstall(url: string, name: string): DokkuCommand {
  return {argv: ['plugin:install', url, '--name', name]}
}

/** Runs the plugin's uninstall trigger, then removes it; its data under $DOKKU_LIB_ROOT/data stays. */
export function pluginUninstall(name: string): DokkuCommand {
  return {argv: ['plugin:uninstall', name]}
}
