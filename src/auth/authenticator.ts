/** Checks a login's username and password (protocol section 8). */
export interface Authenticator {
  /**
   * Resolves true to accept the login. Must not reject on a wrong password: resolve false.
   * `'busy'` when it would not check now (too much checking waits): the login is refused with
   * `auth_busy`, which does not count as a failed login. `remoteIp` is the client's address,
   * for bounding the work done per IP.
   */
  verify(username: string, password: string, remoteIp?: string): Promise<boolean | 'busy'>;
}

/** The default: every password is accepted, as SEED.txt describes. */
export const acceptEveryone: Authenticator = {
  verify: () => Promise.resolve(true),
};
