// Linear: progress comments on the issue a pull request names. Personal API keys go in Authorization as
// they are (no "Bearer"); GraphQL failures arrive as `errors` in a 200 answer, so they are checked here.
import axios from 'axios';
import { UnrecoverableError } from 'bullmq';
import { traceHttpClient } from '@hookfleet/observability';

/** Team key (a letter, then up to 6 letters or digits), a dash, the issue number: "ENG-123". */
const IDENTIFIER = /\b([A-Z][A-Z0-9]{0,6})-([1-9]\d*)\b/;
const IDENTIFIER_ANY_CASE = new RegExp(IDENTIFIER.source, 'i');
const WHITESPACE = /\s/;

/**
 * The first Linear issue identifier in the texts, in argument order, upper-cased. Prose (a title, a body) must
 * spell it upper-case, so that "utf-8" or "sha-256" in a sentence is not taken for an issue; a text without
 * whitespace is a branch name, where Linear's own suggestions are lower-case ("eng-123-fix-login").
 */
export function findLinearIssueIdentifier(...texts: Array<string | null | undefined>): string | null {
  for (const text of texts) {
    if (!text) continue;
    const match = (WHITESPACE.test(text) ? IDENTIFIER : IDENTIFIER_ANY_CASE).exec(text);
    if (match) return `${match[1]!.toUpperCase()}-${match[2]!}`;
  }
  return null;
}

const COMMENT_CREATE = `mutation CommentOnIssue($issueId: String!, $body: String!) {
  commentCreate(input: { issueId: $issueId, body: $body }) { success comment { id } }
}`;

interface GraphQlAnswer {
  data?: { commentCreate?: { success?: boolean; comment?: { id?: unknown } | null } | null } | null;
  errors?: Array<{ message?: unknown }>;
}

export interface LinearClient {
  /** `identifier` may be Linear's "ENG-123" or the issue's UUID: commentCreate accepts both. */
  commentOnIssue(comment: { identifier: string; body: string }): Promise<{ commentId: string }>;
}

export function createLinearClient(options: { apiUrl: string; apiKey: string; timeoutMs: number }): LinearClient {
  const http = traceHttpClient(
    axios.create({
      timeout: options.timeoutMs,
      headers: { Authorization: options.apiKey },
      maxRedirects: 0,
    }),
    'linear',
  );
  return {
    async commentOnIssue({ identifier, body }) {
      const { data } = await http.post<GraphQlAnswer | null>(options.apiUrl, {
        query: COMMENT_CREATE,
        variables: { issueId: identifier, body },
      });
      const errors = data?.errors ?? [];
      if (errors.length > 0) {
        const message = errors.map((error) => String(error.message ?? 'unknown error')).join('; ');
        // A missing issue stays missing: retrying the job would only repeat the same answer.
        if (/entity not found/i.test(message)) {
          throw new UnrecoverableError(`Linear issue ${identifier} not found: ${message}`);
        }
        throw new Error(`Linear commentCreate failed: ${message}`);
      }
      const result = data?.data?.commentCreate;
      const commentId = result?.comment?.id;
      if (!result?.success || typeof commentId !== 'string') {
        throw new Error(`Linear commentCreate on ${identifier} did not succeed`);
      }
      return { commentId };
    },
  };
}
