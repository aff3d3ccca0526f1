// The page's live updates: server-sent events. A browser's EventSource gets a `snapshot` first (every request kept and
// the checklist), then one `request` event per new request and a `checklist` event when a tick appears; it reconnects
// by itself and gets a fresh snapshot. A comment every 20 s keeps idle connections open through proxies.
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 20_000;
/** A browser that stopped reading is dropped rather than buffered for without end; it reconnects to a snapshot. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** Starts a stream on `res` with its first event. */
  open(res: ServerResponse, headers: Record<string, string>, event: string, data: unknown): void {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(frame(event, data));
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
    this.heartbeat ??= setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  send(event: string, data: unknown): void {
    if (this.clients.size > 0) {
      this.write(frame(event, data));
    }
  }

  private write(text: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_UNREAD_BYTES) {
        client.destroy();
      } else {
        client.write(text);
      }
    }
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newline, so one `data:` line carries it whole.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
