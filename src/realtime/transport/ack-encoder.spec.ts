import * as parser from 'socket.io-parser';
import { ReplayAwareEncoder, shareEvent } from './ack-encoder';

const decode = (encoded: string): parser.Packet => {
  const decoder = new parser.Decoder();
  let packet: parser.Packet | null = null;
  decoder.on('decoded', (decoded: parser.Packet) => (packet = decoded));
  decoder.add(encoded);
  return packet!;
};

const event = (seq: number) =>
  shareEvent({
    type: 'comment.created' as const,
    articleId: 'a',
    seq,
    comment: { id: `c${seq}`, body: `body "${seq}" ✓`, parentId: null },
  });

describe('ReplayAwareEncoder', () => {
  const encoder = new ReplayAwareEncoder();
  const plain = new parser.Encoder();

  it('encodes an ack with shared missed events to what socket.io-parser decodes as the same value', () => {
    const events = [event(1), event(2), event(3)];
    const ack = { ok: true, seq: 3, tallies: { up: 1 }, readers: 2, missed: events };
    for (const id of [0, 7]) {
      const packet = { type: parser.PacketType.ACK, nsp: '/', id, data: [ack] };
      const [encoded] = encoder.encode(packet) as string[];
      expect(decode(encoded!)).toEqual(decode((plain.encode(packet) as string[])[0]!));
      // the same events for another socket: the cached text, the same result
      const again = { ...packet, data: [{ ...ack, readers: 3, missed: [...events] }] };
      expect(decode((encoder.encode(again) as string[])[0]!).data).toEqual([
        { ...ack, readers: 3 },
      ]);
    }
  });

  it('leaves every other packet to socket.io-parser', () => {
    const packets: parser.Packet[] = [
      { type: parser.PacketType.EVENT, nsp: '/', data: ['tally', { version: 1 }] },
      { type: parser.PacketType.ACK, nsp: '/', id: 1, data: [{ ok: true, missed: [] }] },
      { type: parser.PacketType.ACK, nsp: '/admin', id: 2, data: [{ ok: false }] },
    ];
    for (const packet of packets) expect(encoder.encode(packet)).toEqual(plain.encode(packet));
  });

  it('does not reuse a list whose events differ after the first', () => {
    const [a, b, c] = [event(1), event(2), event(3)];
    const first = encoder.encode({ type: 3, nsp: '/', id: 1, data: [{ missed: [a, b] }] });
    const second = encoder.encode({ type: 3, nsp: '/', id: 1, data: [{ missed: [a, c] }] });
    expect(decode((second as string[])[0]!).data).toEqual([{ missed: [a, c] }]);
    expect(second).not.toEqual(first);
  });
});
