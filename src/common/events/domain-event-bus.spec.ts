import { DomainEventBus } from './domain-event-bus';

declare module './domain-event-bus' {
  interface DomainEvents {
    'test.happened': { value: number };
  }
}

describe('DomainEventBus', () => {
  it('delivers an event to every handler of its name, and not to others', () => {
    const bus = new DomainEventBus();
    const seen: number[] = [];
    bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    bus.on('test.happened', (event) => {
      seen.push(event.value * 10);
    });
    bus.publish('test.happened', { value: 2 });
    expect(seen).toEqual([2, 20]);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new DomainEventBus();
    const seen: number[] = [];
    const off = bus.on('test.happened', (event) => {
      seen.push(event.value);
    });
    bus.publish('test.happened', { value: 1 });
    off();
    bus.publish('test.happened', { value: 2 });
    expect(seen).toEqual([1]);
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
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([3]);
    expect(bus['logger'].error).toHaveBeenCalledTimes(2);
  });
});
