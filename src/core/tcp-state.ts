// Kernel TCP socket states (include/net/tcp_states.h): the one table of their names and
// numbers, which the socket-table readers and the trace-event decoders both speak.
export const TCP_STATE = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
  NEW_SYN_RECV: 12,
} as const;

type TcpStateName = keyof typeof TCP_STATE;

const NAME_BY_NUMBER: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, n] of Object.entries(TCP_STATE)) names[n] = name;
  return names;
})();

/** ESTABLISHED, LISTEN, …; undefined for a number the kernel does not define. */
export function tcpStateName(state: number): string | undefined {
  return NAME_BY_NUMBER[state];
}

/** The number of a state name, with or without the kernel's `TCP_` prefix. */
export function tcpStateNumber(name: string): number | undefined {
  const bare = name.startsWith('TCP_') ? name.slice(4) : name;
  return Object.hasOwn(TCP_STATE, bare) ? TCP_STATE[bare as TcpStateName] : undefined;
}
