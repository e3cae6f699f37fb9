import { describe, expect, it } from 'vitest';
import { signInToken, takeSignInLink } from './signin';

const token = 'stub_link_' + 'ab'.repeat(32);

describe('sign-in links', () => {
  it('reads the token from the fragment only', () => {
    expect(signInToken(`#signin=${token}`)).toBe(token);
    expect(signInToken(`#/overview?signin=${token}`)).toBe(token);
    expect(signInToken('#/overview')).toBeNull();
    expect(signInToken('#signin=')).toBeNull();
    expect(signInToken('#/spends?mysignin=x')).toBeNull();
  });

  it('takes it out of the address bar and lands on Overview', () => {
    const calls: string[] = [];
    const loc = { hash: `#signin=${token}`, pathname: '/', search: '' } as Location;
    const hist = { replaceState: (_s: unknown, _t: string, url: string) => calls.push(url) } as unknown as History;
    expect(takeSignInLink(loc, hist)).toBe(token);
    expect(calls).toEqual(['/#/overview']);
    // A link with an empty token is still removed from the URL.
    expect(takeSignInLink({ ...loc, hash: '#signin=' } as Location, hist)).toBeNull();
    expect(calls).toEqual(['/#/overview', '/#/overview']);
    expect(takeSignInLink({ ...loc, hash: '#/budgets' } as Location, hist)).toBeNull();
    expect(calls.length).toBe(2);
  });
});
