// Senders' timestamps, normalized to ISO 8601 in UTC so occurredAt sorts the same for every provider.

// Date.parse accepts almost anything ("1" is a year); demand a calendar date and a time first. Accepts ISO
// 8601 with any offset and GitLab's older "2013-12-03 17:23:34 UTC".
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

export function isoFromDateText(value: unknown): string | null {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Unix seconds as a number (Slack's event_time) or a decimal string (Slack's action_ts "1548426417.840180"). */
export function isoFromUnixSeconds(value: unknown): string | null {
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
