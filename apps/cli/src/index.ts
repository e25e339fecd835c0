export { AdminClient, ApiError } from './admin-client.js';
export { createProgram, CommandFailed, type CliDeps, type CliEnv } from './program.js';
export { sendDelivery, type DeliveryRequest, type DeliveryResult } from './send-delivery.js';
export { githubExample } from './github-example.js';
