// Signing in through the public API, before there is a session: check a pasted token (and
// learn its user and organization), or redeem a one-time code from a sign-in link.
import { Client, fetchExchange, type CombinedError } from 'urql';
import { graphql } from '../gql';
import { GRAPHQL_PATH } from './client';
import { authHeaders, type Session } from './session';

const WhoAmI = graphql(`
  query WhoAmI {
    me {
      user {
        handle
        displayName
      }
      organization {
        id
        slug
        name
      }
    }
  }
`);

const RedeemSignInCode = graphql(`
  mutation RedeemSignInCode($code: String!) {
    redeemSignInCode(code: $code) {
      __typename
      ... on SignInCodeRedeemed {
        token
        expiresAt
        user {
          handle
          displayName
        }
        organization {
          id
          slug
          name
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export class SignInError extends Error {}

export const NAME_AN_ORGANIZATION =
  'This token is not scoped to one organization: enter the organization to work in (its slug or id). The top bar then offers your others.';

function anonymousClient(headers: Record<string, string> = {}): Client {
  return new Client({
    url: GRAPHQL_PATH,
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    fetchOptions: { headers },
  });
}

function message(error: CombinedError): string {
  const first = error.graphQLErrors[0];
  if (first) return first.message;
  return error.networkError ? 'The Flowplane API cannot be reached.' : error.message;
}

/** A session for a pasted token; `organization` (slug or id) may be left empty when the
 * token is scoped to one organization. */
export async function signInWithToken(token: string, organization: string): Promise<Session> {
  const trimmed = token.trim();
  if (!trimmed) throw new SignInError('Paste an API token.');
  const headers = authHeaders(trimmed, organization.trim() || undefined);
  const result = await anonymousClient(headers).query(WhoAmI, {}).toPromise();
  if (result.error && !organization.trim() && (result.error.response as Response | undefined)?.status === 403) {
    // An unscoped token with no organization: the API answers nothing (not even which
    // organizations the user has) until one is named.
    throw new SignInError(NAME_AN_ORGANIZATION);
  }
  if (result.error || !result.data) {
    throw new SignInError(result.error ? message(result.error) : 'No answer from the API.');
  }
  const { me } = result.data;
  return {
    token: trimmed,
    organization: me.organization,
    user: { handle: me.user.handle, displayName: me.user.displayName },
    expiresAt: null,
  };
}

/** A session for the one-time code of a sign-in link (usable once). */
export async function signInWithCode(code: string): Promise<Session> {
  const result = await anonymousClient().mutation(RedeemSignInCode, { code }).toPromise();
  const redeemed = result.data?.redeemSignInCode;
  if (result.error || !redeemed) {
    throw new SignInError(result.error ? message(result.error) : 'No answer from the API.');
  }
  if (redeemed.__typename !== 'SignInCodeRedeemed') throw new SignInError(redeemed.message);
  return {
    token: redeemed.token,
    organization: redeemed.organization,
    user: redeemed.user,
    expiresAt: redeemed.expiresAt,
  };
}
