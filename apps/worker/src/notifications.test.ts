import { describe, expect, it } from 'vitest';
import { slackEscape } from './notifications.js';

describe('slackEscape', () => {
  it('turns what Slack would read as a mention or a link into plain text', () => {
    expect(slackEscape('<!channel> see <https://evil.example|docs> & more')).toBe(
      '&lt;!channel&gt; see &lt;https://evil.example|docs&gt; &amp; more',
    );
  });
});
