import {gateCommand} from '../../cli/gate-command.js'

export default gateCommand('upgrade', {
  summary: 'Replace the gate plugin on every host of an environment with the one this graduate ships.',
  description: `Like \`graduate gate install\`, and where an older version is installed it is uninstalled and this
graduate's installed in its place (\`dokku plugin:uninstall graduate\`, then plugin:install). The gate's
state and the graduation records stay. While the plugin is being replaced the host holds no deploy, so
a host where a graduation is in flight (an app armed or held) is refused. A newer version than this
graduate's is refused unless --force, which also reinstalls the same version.`,
  examples: [
    {description: "Bring production's hosts to this graduate's gate", command: '<%= config.bin %> gate upgrade production'},
    {description: 'Go back to the plugin this graduate ships, from a newer one', command: '<%= config.bin %> gate upgrade production --force'},
  ],
})
