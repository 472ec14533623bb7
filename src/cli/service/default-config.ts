// The commented configuration a service starts with: the package installs it as
// /etc/packettrail/packettrail.yaml and `packettrail service install` writes it when the
// named file does not exist. Every value shown is the default.

export const DEFAULT_SERVICE_CONFIG = `# packetTrail sensor configuration (YAML). Flags given on the command line override it.
# Every setting below is the default; uncomment and change what you need.
# After a change: systemctl restart packettrail

# Capture tier: auto picks ebpf, else tracefs, else poll (packettrail doctor tells which works).
source: auto
# poll:
#   interval: 1s

# The sensor's own log (stderr: the journal under systemd), and how often it logs its stats.
log:
  level: info
stats:
  interval: 60s

# A readable line per connection on stdout; off for a service (the journal is not the record).
console:
  enabled: false

# The local SQLite store that \`packettrail query\` and \`packettrail hunt\` read. Its file is
# packettrail.db in the state directory unless a path is given.
store:
  enabled: true
#   path: /var/lib/packettrail/packettrail.db
  retention:
    maxAge: 30d
    maxSize: 2GiB

# Where records are sent besides the store.
sinks:
  syslog: []
  #  - url: tls://siem.example.net:6514
  #    format: rfc5424
  #    tls:
  #      caFile: /etc/packettrail/ca.pem
  file: []
  #  - path: /var/lib/packettrail/connections.json
  #    format: ecs
  elasticsearch: []
  #  - url: https://es.example.net:9200
  #    apiKey: BASE64KEY

# Detectors (handoff, first_seen, new_listener, beacon); see docs/detectors.md.
detect:
  enabled: true
#   allow:
#     - cidr: 10.0.0.0/8
`;
