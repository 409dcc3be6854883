/** The soak's command line: `npm run soak -- [flags]`. */
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run soak -- [flags]

Runs the built server (npm run build first) as a child process on free loopback ports under a
mixed TCP/WebSocket/UDP load with churn, prints its memory, open descriptors, clients,
throughput and latency every interval, and a verdict on memory at the end. Exits 1 when a
checked message was lost or reordered, a checked client was dropped, more than 1% of checked
datagrams were lost, the server crashed, or it did not exit 0 on SIGTERM.

Flags (defaults in brackets):
  --minutes M        how long to run [1]
  --interval S       seconds between printed samples [30]
  --rooms R          rooms of checked TCP/WebSocket clients [4]
  --room-size K      checked clients per room [6]
  --ws-clients W     how many of the checked clients use WebSocket [2]
  --udp-clients U    checked clients sending over UDP, in a room of their own [4]
  --hz F             messages per second per checked client [10]
  --churners C       clients that connect, join, switch, leave and die at random [20]
  --churn-rate N     churn actions per second [10]
  --server-log FILE  keep the server's stdout (JSON logs, level warn) in FILE [discarded]
  -h, --help         show this help
`;

/** The soak's flags, checked; prints the usage and exits on --help or a bad value. */
export function soakOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '1' },
      interval: { type: 'string', default: '30' },
      rooms: { type: 'string', default: '4' },
      'room-size': { type: 'string', default: '6' },
      'ws-clients': { type: 'string', default: '2' },
      'udp-clients': { type: 'string', default: '4' },
      hz: { type: 'string', default: '10' },
      churners: { type: 'string', default: '20' },
      'churn-rate': { type: 'string', default: '10' },
      'server-log': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const number = (key: keyof typeof values, min: number): number => {
    const value = Number(values[key]);
    if (!Number.isFinite(value) || value < min) {
      process.stderr.write(`soak: --${key} must be a number >= ${min}\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  return {
    durationS: number('minutes', 0.05) * 60,
    intervalS: number('interval', 1),
    rooms: number('rooms', 1),
    roomSize: number('room-size', 2),
    wsClients: number('ws-clients', 0),
    udpClients: number('udp-clients', 0),
    hz: number('hz', 0.1),
    churners: number('churners', 0),
    churnRate: number('churn-rate', 0.1),
    serverLog: values['server-log'],
  };
}
