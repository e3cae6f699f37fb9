// One EventSource per signed-in tab (GET /v1/events, with the session cookie).
// The browser reconnects by itself and sends Last-Event-ID, so the server
// resumes right after the last delivered event; ids already seen are dropped
// anyway, so a replay never shows twice.

export const EVENT_NAMES = [
  'spend.approved',
  'spend.denied',
  'hold.created',
  'hold.captured',
  'hold.voided',
  'hold.expired',
  'agent.frozen',
  'agent.unfrozen',
  'kill_switch.engaged',
  'kill_switch.released',
  'approval.requested',
  'approval.decided',
  'limits.updated',
  'policy.updated',
  'max_spend.updated',
  'config',
  'entry',
  'message',
] as const;

export interface StubEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

type Listener = (e: StubEvent) => void;
export type ConnState = 'connecting' | 'open' | 'closed';

export class EventHub {
  private es: EventSource | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(s: ConnState) => void>();
  private seen = new Set<string>();
  private seenOrder: string[] = [];
  state: ConnState = 'closed';

  start(url = '/v1/events') {
    if (this.es) return;
    const es = new EventSource(url);
    this.es = es;
    this.setState('connecting');
    es.onopen = () => this.setState('open');
    es.onerror = () => this.setState(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    for (const name of EVENT_NAMES) es.addEventListener(name, (ev) => this.dispatch(name, ev as MessageEvent));
  }

  stop() {
    this.es?.close();
    this.es = null;
    this.setState('closed');
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onState(l: (s: ConnState) => void): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  private setState(s: ConnState) {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  /** Delivers an event as if the server had sent it (load tests of the Live screen). */
  inject(type: string, data: Record<string, unknown>, id = '') {
    this.dispatch(type, new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
  }

  private dispatch(type: string, ev: MessageEvent) {
    const id = ev.lastEventId;
    if (id) {
      const key = `${id}|${type}|${(ev.data as string).length}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      this.seenOrder.push(key);
      if (this.seenOrder.length > 20000) this.seen.delete(this.seenOrder.shift()!);
    }
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(ev.data as string);
    } catch {
      return;
    }
    const e: StubEvent = { id, type, data, receivedAt: Date.now() };
    for (const l of this.listeners) l(e);
  }
}

export const hub = new EventHub();
// A handle for the end-to-end load test (1,000 events/s on the Live screen); it only feeds this tab.
(globalThis as { __stubEvents?: EventHub }).__stubEvents = hub;
