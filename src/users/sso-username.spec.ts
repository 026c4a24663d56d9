import { ssoUsername } from './sso-username';

const USERNAME = /^[A-Za-z0-9_]{3,32}$/;

describe('ssoUsername', () => {
  it.each([
    ["Zoë O'Brien", /^Zoe_OBrien_[0-9a-f]{6}$/],
    ['李小龍', /^reader_[0-9a-f]{6}$/],
    ['A', /^reader_[0-9a-f]{6}$/],
    ['  Ada   Lovelace  ', /^Ada_Lovelace_[0-9a-f]{6}$/],
    ['x'.repeat(64), /^x{24}_[0-9a-f]{6}$/],
  ])('makes a valid username of %j', (name, shape) => {
    const username = ssoUsername(name);
    expect(username).toMatch(USERNAME);
    expect(username).toMatch(shape);
  });

  it('differs between two users of the same name', () => {
    expect(ssoUsername('Ada')).not.toBe(ssoUsername('Ada'));
  });
});
