// Node 20 support for the installed bins. @medplum/core 5 reads WebSocket.CONNECTING…CLOSED as it is imported, and
// Node 20 has no global WebSocket (only behind --experimental-websocket), so importing it throws "WebSocket is not
// defined". No sas-guard command opens a WebSocket (MedplumClient needs one for subscriptions only), so where the global
// is missing a stand-in with the standard constants is defined, whose constructor refuses with a clear message. Must be
// imported before @medplum/core: bin/launch.js does, and so does the sas-check worker.
const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

class UnavailableWebSocket {
  static readonly CONNECTING = READY_STATES.CONNECTING;
  static readonly OPEN = READY_STATES.OPEN;
  static readonly CLOSING = READY_STATES.CLOSING;
  static readonly CLOSED = READY_STATES.CLOSED;
  constructor() {
    throw new Error(`WebSocket is not available on Node ${process.version}: use Node ≥ 22`);
  }
}

if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = UnavailableWebSocket as unknown as typeof WebSocket;
}

export {};
