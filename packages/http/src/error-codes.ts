// Every error code an app answers with, and the HTTP status it carries. A code is the client's handle on a
// refusal (the body's `code`), so it is named once here and never reused with another status.

/** Reading the request: the parsers' refusals, an unknown route, and failures that are not the client's. */
const REQUEST_ERRORS = {
  bad_request: 400,
  invalid_json: 400,
  request_aborted: 400,
  invalid_content_length: 400,
  invalid_content_encoding: 400,
  invalid_path_encoding: 400,
  invalid_encoding: 400,
  payload_too_large: 413,
  unsupported_encoding: 415,
  unsupported_charset: 415,
  not_found: 404,
  internal_error: 500,
  database_unavailable: 503,
} as const;

/**
 * A webhook refused at the ingress. The first nine are the providers' RejectionCode: the ingress throws a
 * provider's refusal with the code it came with, so each must have its status here.
 */
const WEBHOOK_ERRORS = {
  missing_signature: 401,
  invalid_signature: 401,
  timestamp_out_of_range: 401,
  missing_headers: 400,
  duplicated_header: 400,
  invalid_payload: 400,
  unsupported_event: 400,
  missing_delivery_id: 400,
  missing_event_type: 400,
  unknown_provider: 404,
  source_disabled: 403,
  ip_not_allowed: 403,
  invalid_user_agent: 403,
  unsupported_content_type: 415,
  empty_body: 400,
  payload_validation_failed: 400,
  delivery_conflict: 409,
  rate_limited: 429,
} as const;

/** The admin API: credentials, hostile input, what it cannot find, and changes the state forbids. */
const ADMIN_ERRORS = {
  missing_token: 401,
  invalid_token: 401,
  insufficient_role: 403,
  cross_site_form: 403,
  cross_site_request: 403,
  invalid_request: 400,
  forbidden_key: 400,
  input_too_deep: 400,
  invalid_character: 400,
  event_not_found: 404,
  task_not_found: 404,
  workflow_not_found: 404,
  operation_not_found: 404,
  token_not_found: 404,
  dead_letter_not_found: 404,
  event_in_progress: 409,
  event_not_dead: 409,
  task_not_failed: 409,
  task_superseded: 409,
  task_busy: 409,
  no_job: 409,
  redrive_raced: 409,
  github_recovery_off: 409,
  token_name_taken: 409,
  revoking_own_token: 409,
} as const;

/** Sources, managed in the admin API and resolved at the ingress; the first three are SourceError's codes. */
const SOURCE_ERRORS = {
  source_not_found: 404,
  secret_required: 400,
  invalid_secret: 400,
  source_exists: 409,
  invalid_settings: 400,
  invalid_expression: 400,
  no_transform_expression: 400,
  routing_rule_not_found: 404,
  sources_unavailable: 503,
} as const;

export const ERROR_CODES = {
  ...REQUEST_ERRORS,
  ...WEBHOOK_ERRORS,
  ...ADMIN_ERRORS,
  ...SOURCE_ERRORS,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;
