import { DomainEventBus, type EventTransport } from './domain-event-bus';

declare module './domain-event-bus' {
  interface DomainEvents {
    'test.happened': { value: number };
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DomainEventBus', () => {
  it('delivers an event to every handler of its name, and not to others, on the next turn', async () => {
    const bus = new DomainEventBus();
    const seen: number[] = [];
    bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    bus.on('test.happened', (event) => {
      seen.push(event.value * 10);
    });
    bus.publish('test.happened', { value: 2 });
    expect(seen).toEqual([]);
    await nextTurn();
    expect(seen).toEqual([2, 20]);
  });

  it('keeps the order of publication', async () => {
    const bus = new DomainEventBus();
    const seen: number[] = [];
    bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    for (let value = 1; value <= 5; value++) bus.publish('test.happened', { value });
    await nextTurn();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new DomainEventBus();
    const seen: number[] = [];
    const off = bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    bus.publish('test.happened', { value: 1 });
    await nextTurn();
    off();
    bus.publish('test.happened', { value: 2 });
    await nextTurn();
    expect(seen).toEqual([1]);
  });

  it('hands published events to the transport, and runs only cluster handlers for delivered ones', async () => {
    const bus = new DomainEventBus();
    const sent: unknown[] = [];
    const transport: EventTransport = { send: (name, event) => sent.push([name, event]) };
    bus.useTransport(transport);
    const cluster: number[] = [];
    const instance: number[] = [];
    bus.on('test.happened', (event) => void cluster.push(event.value));
    bus.on('test.happened', (event) => void instance.push(event.value), 'instance');

    bus.publish('test.happened', { value: 1 });
    await nextTurn();
    bus.deliver('test.happened', { value: 2 });

    expect(sent).toEqual([['test.happened', { value: 1 }]]);
    expect(cluster).toEqual([1, 2]);
    expect(instance).toEqual([1]);
  });

  it('keeps going when a handler throws or rejects', async () => {
    const bus = new DomainEventBus();
    jest.spyOn(bus['logger'], 'error').mockImplementation(() => undefined);
    const seen: number[] = [];
    bus.on('test.happened', () => {
      throw new Error('boom');
    });
    bus.on('test.happened', () => Promise.reject(new Error('async boom')));
    bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    expect(() => bus.publish('test.happened', { value: 3 })).not.toThrow();
    await nextTurn();
    await nextTurn();
    expect(seen).toEqual([3]);
    expect(bus['logger'].error).toHaveBeenCalledTimes(2);
  });
});
