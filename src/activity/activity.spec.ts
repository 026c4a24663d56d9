import { activityOf, type CommentState, type Involved } from './activity';

const state = (status: string, featured = false, edited = false): CommentState => ({
  status,
  featured,
  edited,
});
const reply: Involved = { authorId: 'b', parentAuthorId: 'a' };
const topLevel: Involved = { authorId: 'b', parentAuthorId: null };
const change = (before: CommentState | null, after: CommentState, who = reply) =>
  activityOf({ source: 'comment', before, after }, who);

describe('activityOf', () => {
  it('a visible reply notifies the parent author and is comment.created', () => {
    expect(change(null, state('visible'))).toEqual({
      notifications: [{ userId: 'a', type: 'reply' }],
      webhookEvents: ['comment.created'],
    });
  });

  it('a reply to oneself and a top-level comment notify nobody', () => {
    expect(
      change(null, state('visible'), { authorId: 'a', parentAuthorId: 'a' }).notifications,
    ).toEqual([]);
    expect(change(null, state('visible'), topLevel).notifications).toEqual([]);
  });

  it('a held reply notifies nobody until approved; approval notifies author and parent author', () => {
    expect(change(null, state('pending'))).toEqual({
      notifications: [],
      webhookEvents: ['comment.pending'],
    });
    expect(change(state('pending'), state('visible'))).toEqual({
      notifications: [
        { userId: 'b', type: 'comment.approved' },
        { userId: 'a', type: 'reply' },
      ],
      webhookEvents: ['comment.approved', 'comment.created'],
    });
  });

  it('rejection: the filter at posting notifies nobody, a moderator notifies the author', () => {
    expect(change(null, state('rejected'))).toEqual({
      notifications: [],
      webhookEvents: ['comment.rejected'],
    });
    expect(change(state('pending'), state('rejected')).notifications).toEqual([
      { userId: 'b', type: 'comment.rejected' },
    ]);
  });

  it('removal notifies the author; the author deleting notifies nobody', () => {
    expect(change(state('visible'), state('removed'))).toEqual({
      notifications: [{ userId: 'b', type: 'comment.removed' }],
      webhookEvents: ['comment.removed'],
    });
    expect(change(state('visible'), state('deleted'))).toEqual({
      notifications: [],
      webhookEvents: ['comment.removed'],
    });
    expect(change(state('removed'), state('deleted'))).toEqual({
      notifications: [],
      webhookEvents: [],
    });
  });

  it('restore, edit and (un)feature are comment.updated; featuring notifies the author', () => {
    expect(change(state('removed'), state('visible')).webhookEvents).toEqual(['comment.updated']);
    expect(change(state('visible'), state('visible', false, true))).toEqual({
      notifications: [],
      webhookEvents: ['comment.updated'],
    });
    expect(change(state('visible'), state('visible', true))).toEqual({
      notifications: [{ userId: 'b', type: 'comment.featured' }],
      webhookEvents: ['comment.updated'],
    });
    expect(change(state('visible', true), state('visible')).notifications).toEqual([]);
  });

  it('a report is report.created', () => {
    expect(activityOf({ source: 'report' }, topLevel)).toEqual({
      notifications: [],
      webhookEvents: ['report.created'],
    });
  });
});
