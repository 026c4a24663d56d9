import type { CommentScoreChangedEvent } from '../../comments/votes/comment-score.events';
import { ScoreThrottles } from './score-throttles';

const score = (commentId: string, version: number): CommentScoreChangedEvent => ({
  articleId: 'a',
  commentId,
  score: { up: version, down: 0 },
  version,
});

describe('ScoreThrottles', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first at once, then the newest per comment once per interval, never an older one', () => {
    const sent: CommentScoreChangedEvent[] = [];
    const throttles = new ScoreThrottles(100, (event) => sent.push(event));
    throttles.offer(score('x', 1));
    throttles.offer(score('y', 1));
    throttles.offer(score('x', 3));
    throttles.offer(score('x', 2));
    expect(sent.map((e) => [e.commentId, e.version])).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
    jest.advanceTimersByTime(100);
    expect(sent.map((e) => [e.commentId, e.version])).toEqual([
      ['x', 1],
      ['y', 1],
      ['x', 3],
    ]);
    throttles.offer(score('x', 3));
    throttles.stop();
    throttles.offer(score('x', 4));
    jest.advanceTimersByTime(1000);
    expect(sent).toHaveLength(3);
  });
});
